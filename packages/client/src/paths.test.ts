import { describe, expect, it } from 'vitest'
import { ClientError } from './errors.ts'
import { resolveSecret, secretPath, secretsUnder, splitPath } from './paths.ts'
import type { VaultItem } from './paths.ts'

const item = (id: string, name: string, path = ''): VaultItem<null> => ({
  id,
  meta: { name, description: '', tags: [], path },
  summary: null,
})

const items = [
  item('id-db', 'DB_PASSWORD', '/app/production/database'),
  item('id-db-staging', 'DB_PASSWORD', '/app/staging/database'),
  item('id-stripe', 'STRIPE_KEY'),
  item('id-slashy', 'team/notes'),
  { id: 'id-unreadable', meta: null, summary: null },
]

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof ClientError ? e.code : 'not a ClientError'
  }
  return undefined
}

describe('resolveSecret', () => {
  it('finds a secret by its full path, by name, by /name and by id', () => {
    expect(resolveSecret(items, '/app/production/database/DB_PASSWORD').id).toBe('id-db')
    expect(resolveSecret(items, 'STRIPE_KEY').id).toBe('id-stripe')
    expect(resolveSecret(items, '/STRIPE_KEY').id).toBe('id-stripe')
    expect(resolveSecret(items, 'team/notes').id).toBe('id-slashy')
    expect(resolveSecret(items, 'id-unreadable').id).toBe('id-unreadable')
  })

  it('names every candidate when a name matches several secrets', () => {
    expect(codeOf(() => resolveSecret(items, 'DB_PASSWORD'))).toBe('ambiguous')
    try {
      resolveSecret(items, 'DB_PASSWORD')
    } catch (e) {
      const err = e as ClientError
      expect(err.details.candidates).toEqual([
        '/app/production/database/DB_PASSWORD (id id-db)',
        '/app/staging/database/DB_PASSWORD (id id-db-staging)',
      ])
      expect(err.message).toContain('/app/staging/database/DB_PASSWORD')
    }
  })

  it('says not found for no match, and bad_input for an empty path', () => {
    expect(codeOf(() => resolveSecret(items, '/app/production/DB_PASSWORD'))).toBe(
      'secret_not_found',
    )
    expect(codeOf(() => resolveSecret(items, 'stripe_key'))).toBe('secret_not_found')
    expect(codeOf(() => resolveSecret(items, '  '))).toBe('bad_input')
  })
})

describe('splitPath / secretPath / secretsUnder', () => {
  it('splits a path into the metadata path and the name, and back', () => {
    expect(splitPath('/app/production/database/DB_PASSWORD')).toEqual({
      path: '/app/production/database',
      name: 'DB_PASSWORD',
    })
    expect(splitPath('DB_PASSWORD')).toEqual({ path: '', name: 'DB_PASSWORD' })
    expect(splitPath('/DB_PASSWORD')).toEqual({ path: '', name: 'DB_PASSWORD' })
    expect(secretPath({ name: 'X', description: '', tags: [], path: '/a/b' })).toBe('/a/b/X')
    expect(codeOf(() => splitPath('/a b/X'))).toBe('bad_input')
    expect(codeOf(() => splitPath('/a/'))).toBe('bad_input')
    expect(codeOf(() => splitPath(''))).toBe('bad_input')
  })

  it('lists what is at or under a prefix, sorted, without unreadable items', () => {
    expect(secretsUnder(items, '/app').map((i) => i.id)).toEqual(['id-db', 'id-db-staging'])
    expect(secretsUnder(items, '/app/production/').map((i) => i.id)).toEqual(['id-db'])
    expect(secretsUnder(items).map((i) => i.id)).toEqual([
      'id-db',
      'id-db-staging',
      'id-stripe',
      'id-slashy',
    ])
    expect(secretsUnder(items, '/ap')).toEqual([])
  })
})
