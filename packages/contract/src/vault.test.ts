/** @module Contract tests of the vault schemas: normalised usernames, KDF bounds, strict bodies, sealed sizes. */
import { describe, expect, it } from 'vitest'
import {
  VAULT_LIMITS,
  auditQuery,
  b64urlLength,
  kdfParams,
  loginRequest,
  openApiDocument,
  registerRequest,
  updateSecretRequest,
  username,
} from './index.ts'

const b = (n: number, c = 'A') => c.repeat(b64urlLength(n))
const kdf = { ...VAULT_LIMITS.kdfDefaults }
const register = {
  username: 'alice',
  kdf,
  salt: b(16),
  authKey: b(32),
  wrappedUserKey: b(61),
  folder: { id: b(16), wrappedKey: b(61), meta: b(60) },
}
const issuePath = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues[0]?.path.join('.')

describe('username', () => {
  it('is trimmed and lower-cased, so one person has one name', () => {
    expect(username.parse('  Alice@Example.ORG ')).toBe('alice@example.org')
  })

  it.each(['ab', 'a'.repeat(65), '-alice', 'al ice', 'al/ice', ''])('refuses %j', (name) => {
    expect(username.safeParse(name).success).toBe(false)
  })
})

describe('kdfParams', () => {
  it('accepts the defaults and the exact minimums', () => {
    expect(kdfParams.safeParse(kdf).success).toBe(true)
    expect(
      kdfParams.safeParse({ algorithm: 'argon2id', ...VAULT_LIMITS.kdfMinimums }).success,
    ).toBe(true)
  })

  it.each([
    ['memoryKiB', { memoryKiB: VAULT_LIMITS.kdfMinimums.memoryKiB - 1 }],
    ['iterations', { iterations: 1 }],
    ['parallelism', { parallelism: 0 }],
    ['memoryKiB', { memoryKiB: VAULT_LIMITS.kdfMaximums.memoryKiB + 1 }],
    ['iterations', { iterations: 11 }],
    ['algorithm', { algorithm: 'pbkdf2' }],
  ])('names %s when out of bounds', (field, patch) => {
    expect(issuePath(kdfParams.safeParse({ ...kdf, ...patch }))).toBe(field)
  })
})

describe('request bodies', () => {
  it('register accepts a well-formed body and refuses unknown fields at any depth', () => {
    expect(registerRequest.safeParse(register).success).toBe(true)
    const top = registerRequest.safeParse({ ...register, password: 'x' })
    expect(top.error?.issues[0]?.code).toBe('unrecognized_keys')
    const nested = registerRequest.safeParse({
      ...register,
      folder: { ...register.folder, name: 'x' },
    })
    expect(issuePath(nested)).toBe('folder')
  })

  it('wrapped keys are exactly 61 bytes and sealed metadata at most 16 KiB', () => {
    expect(issuePath(registerRequest.safeParse({ ...register, wrappedUserKey: b(60) }))).toBe(
      'wrappedUserKey',
    )
    const big = { ...register, folder: { ...register.folder, meta: b(16 * 1024 + 1) } }
    expect(issuePath(registerRequest.safeParse(big))).toBe('folder.meta')
  })

  it('login takes only username, authKey and the session kind', () => {
    expect(
      loginRequest.safeParse({ username: 'Bob', authKey: b(32), session: 'bearer' }).data,
    ).toEqual({ username: 'bob', authKey: b(32), session: 'bearer' })
    expect(
      issuePath(loginRequest.safeParse({ username: 'bob', authKey: b(32), session: 'x' })),
    ).toBe('session')
  })

  it('an update names the next meta revision and version number (at least 2)', () => {
    expect(
      issuePath(updateSecretRequest.safeParse({ meta: { revision: 1, ciphertext: b(40) } })),
    ).toBe('meta.revision')
    expect(updateSecretRequest.safeParse({ promote: 'pending' }).success).toBe(true)
  })

  it('audit query strings are parsed and bounded', () => {
    expect(auditQuery.parse({ limit: '20', event: 'login.failed' })).toEqual({
      limit: 20,
      event: 'login.failed',
    })
    expect(issuePath(auditQuery.safeParse({ limit: '201' }))).toBe('limit')
    expect(issuePath(auditQuery.safeParse({ event: 'secret.stolen' }))).toBe('event')
  })
})

describe('vault OpenAPI', () => {
  it('marks session security on the vault paths and lists the schemes', () => {
    const doc = openApiDocument('1') as {
      paths: Record<string, Record<string, { security?: unknown[] }>>
      components: { securitySchemes: Record<string, unknown> }
    }
    expect(doc.paths['/api/secrets/{id}']?.put?.security).toBeDefined()
    expect(doc.paths['/api/login']?.post?.security).toBeUndefined()
    const names = (path: string, method: string) =>
      (
        (doc.paths[path]?.[method] as { parameters?: { name: string; in: string }[] })
          ?.parameters ?? []
      ).map((p) => `${p.in}:${p.name}`)
    expect(names('/api/audit', 'get')).toEqual([
      'query:limit',
      'query:before',
      'query:event',
      'query:secretId',
      'query:result',
      'query:tokenId',
    ])
    expect(names('/api/secrets/{id}', 'get')).toEqual(['path:id', 'query:version', 'query:stage'])
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['sessionCookie', 'csrfToken', 'sessionBearer', 'serviceToken']),
    )
    expect(doc.paths['/api/token/secrets']?.get?.security).toEqual([{ serviceToken: [] }])
    expect(names('/api/token/secrets/{id}', 'get')).toEqual([
      'path:id',
      'query:stage',
      'query:version',
    ])
  })
})
