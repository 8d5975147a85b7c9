/** @module Tests of the in-browser search and tag filter over decrypted metadata. */
import { describe, expect, it } from 'vitest'
import { filterItems, parseTags, tagCounts } from './filter.ts'
import type { SecretMeta, VaultItem } from './filter.ts'

const item = (id: string, meta: Partial<SecretMeta> | null): VaultItem<null> => ({
  id,
  summary: null,
  meta: meta && { name: id, description: '', tags: [], path: '', ...meta },
})

const items = [
  item('Stripe live key', { description: 'Payments, production', tags: ['prod', 'payments'] }),
  item('stripe test key', { tags: ['staging', 'payments'] }),
  item('Database', { path: '/app/prod/db', tags: ['prod'] }),
  item('Café wifi', { description: 'Guest network' }),
  item('broken', null),
]

const names = (list: VaultItem[]): string[] => list.map((i) => i.id)

describe('filterItems', () => {
  it('with no query and no tag lists everything, sorted by name ignoring case', () => {
    expect(names(filterItems(items, '', null))).toEqual([
      'broken',
      'Café wifi',
      'Database',
      'Stripe live key',
      'stripe test key',
    ])
  })

  it('matches every word in name, description, path or tags, case- and accent-insensitively', () => {
    expect(names(filterItems(items, 'STRIPE', null))).toEqual([
      'Stripe live key',
      'stripe test key',
    ])
    expect(names(filterItems(items, 'stripe production', null))).toEqual(['Stripe live key'])
    expect(names(filterItems(items, '/app/prod', null))).toEqual(['Database'])
    expect(names(filterItems(items, 'cafe', null))).toEqual(['Café wifi'])
    expect(names(filterItems(items, 'guest', null))).toEqual(['Café wifi'])
    expect(names(filterItems(items, 'staging', null))).toEqual(['stripe test key'])
    expect(names(filterItems(items, 'nothing-like-this', null))).toEqual([])
  })

  it('a tag filter keeps only secrets carrying that exact tag, and combines with the query', () => {
    expect(names(filterItems(items, '', 'prod'))).toEqual(['Database', 'Stripe live key'])
    expect(names(filterItems(items, 'stripe', 'prod'))).toEqual(['Stripe live key'])
    expect(names(filterItems(items, '', 'pro'))).toEqual([])
  })

  it('hides undecryptable items as soon as anything filters', () => {
    expect(names(filterItems(items, 'b', null))).not.toContain('broken')
    expect(names(filterItems(items, '', 'prod'))).not.toContain('broken')
  })
})

describe('tagCounts and parseTags', () => {
  it('counts tags, most used first', () => {
    expect(tagCounts(items)).toEqual([
      { tag: 'payments', count: 2 },
      { tag: 'prod', count: 2 },
      { tag: 'staging', count: 1 },
    ])
  })

  it('splits on commas, trims, drops empty and repeated tags', () => {
    expect(parseTags(' prod, db ,, api,prod ')).toEqual(['prod', 'db', 'api'])
    expect(parseTags('')).toEqual([])
  })
})
