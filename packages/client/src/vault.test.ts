/** Unit tests of the vault client over a fake fetch with a real keyring account: KDF policy hooks, lock, auth headers, version checks. */
import { createAccount, KDF_MINIMUMS } from '@secretsentry/keyring'
import type { KdfParams, NewAccount } from '@secretsentry/keyring'
import type { SecretSummary } from '@secretsentry/contract/types'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { errorResponse, fakeFetch, jsonResponse } from './fake-fetch.test-support.ts'
import { createVaultClient, kdfMemoryKey, latestVersion } from './vault.ts'
import type { KdfMemory, RememberedKdf, VaultClientOptions } from './vault.ts'

/** Every key buffer the client got from the keyring, to check they are zero after lock. */
const keys = vi.hoisted(() => [] as Uint8Array[])

vi.mock('@secretsentry/keyring', async (importOriginal) => {
  const real = await importOriginal<typeof import('@secretsentry/keyring')>()
  return {
    ...real,
    unwrapUserKey: (...args: Parameters<typeof real.unwrapUserKey>) => {
      const k = real.unwrapUserKey(...args)
      keys.push(k)
      return k
    },
    openFolder: (...args: Parameters<typeof real.openFolder>) => {
      const f = real.openFolder(...args)
      keys.push(f.key)
      return f
    },
  }
})

const ORIGIN = 'https://vault.example.test'
const PASSWORD = 'correct horse battery staple'
const TEST_KDF: KdfParams = { algorithm: 'argon2id', ...KDF_MINIMUMS }
const STRONGER: RememberedKdf = {
  memoryKiB: KDF_MINIMUMS.memoryKiB * 2,
  iterations: 3,
  parallelism: 1,
}

let account: NewAccount
beforeAll(async () => {
  account = await createAccount(PASSWORD, TEST_KDF)
})

const accountBody = () => ({
  userId: 'AAAAAAAAAAAAAAAAAAAAAA',
  username: 'alice',
  kdf: account.kdf,
  salt: account.salt,
  wrappedUserKey: account.wrappedUserKey,
  createdAt: '2026-01-01T00:00:00.000Z',
})

/** The account routes, and secrets kept as the client sent them (opaque strings). */
function fakeVault(prelogin: { kdf: KdfParams; salt: string } = { kdf: TEST_KDF, salt: '' }) {
  const fake = fakeFetch()
  const secrets = new Map<
    string,
    { summary: SecretSummary; values: Map<number, { wrappedKey: string; ciphertext: string }> }
  >()
  fake.route('POST /api/prelogin', () =>
    jsonResponse(200, { ...prelogin, salt: prelogin.salt || account.salt }),
  )
  fake.route('POST /api/login', (_req, body) =>
    (body as { authKey: string }).authKey === account.authKey
      ? jsonResponse(200, {
          account: accountBody(),
          csrfToken: 'csrf-1',
          expiresAt: '2030-01-01T00:00:00.000Z',
          ...((body as { session?: string }).session === 'bearer' ? { token: 'bearer-1' } : {}),
        })
      : errorResponse(401, 'invalid_credentials'),
  )
  fake.route('GET /api/account', () =>
    jsonResponse(200, { account: accountBody(), csrfToken: 'csrf-2' }),
  )
  fake.route('GET /api/folders', () =>
    jsonResponse(200, {
      folders: [{ ...account.folder, key: undefined, createdAt: '2026-01-01T00:00:00.000Z' }],
    }),
  )
  fake.route('GET /api/secrets', () =>
    jsonResponse(200, { secrets: [...secrets.values()].map((s) => s.summary) }),
  )
  fake.route('POST /api/secrets', (_req, body) => {
    const b = body as {
      id: string
      folderId: string
      meta: { ciphertext: string }
      value: { wrappedKey: string; ciphertext: string }
    }
    const summary: SecretSummary = {
      id: b.id,
      folderId: b.folderId,
      revision: 1,
      meta: { revision: 1, ciphertext: b.meta.ciphertext },
      versions: [{ version: 1, size: 1, createdAt: 'x', restoredFrom: null, stages: ['current'] }],
      rotationDays: null,
      createdAt: 'x',
      updatedAt: 'x',
      deletedAt: null,
      purgeAt: null,
    }
    secrets.set(b.id, { summary, values: new Map([[1, b.value]]) })
    fake.route(`GET /api/secrets/${b.id}`, () => {
      const s = secrets.get(b.id)!
      const current = s.summary.versions.find((v) => v.stages.includes('current'))!.version
      return jsonResponse(200, {
        ...s.summary,
        value: { version: current, ...s.values.get(current)!, createdAt: 'x' },
      })
    })
    return jsonResponse(201, summary)
  })
  return { fake, secrets }
}

function memory(initial?: RememberedKdf) {
  const store = new Map<string, RememberedKdf>()
  if (initial) store.set(kdfMemoryKey(ORIGIN, 'alice'), initial)
  const kdfMemory: KdfMemory = { get: (k) => store.get(k), set: (k, v) => void store.set(k, v) }
  return { store, kdfMemory }
}

const client = (fetch: VaultClientOptions['fetch'], more: Partial<VaultClientOptions> = {}) =>
  createVaultClient({ origin: ORIGIN, fetch, session: 'cookie', ...more })

const urls = (fake: ReturnType<typeof fakeFetch>) =>
  fake.requests.map((r) => `${r.method} ${r.url.slice(ORIGIN.length)}`)

describe('KDF policy', () => {
  it('refuses settings below the floor before any login request', async () => {
    const { fake } = fakeVault({ kdf: { ...TEST_KDF, memoryKiB: 1024 }, salt: '' })
    const err = await client(fake.fetch)
      .login('alice', PASSWORD)
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'kdf_too_weak', status: 0 })
    expect(urls(fake)).toEqual(['POST /api/prelogin'])
  })

  it('asks before weaker settings than last time, sends nothing on no, goes on with exactly those on yes', async () => {
    const { fake } = fakeVault()
    const { store, kdfMemory } = memory(STRONGER)
    const confirm = vi.fn(async () => false)
    const err = await client(fake.fetch, { kdfMemory, confirmWeakerKdf: confirm })
      .login('alice', PASSWORD)
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'kdf_downgrade' })
    expect((err as { details: unknown }).details).toEqual({
      kdf: { previous: { algorithm: 'argon2id', ...STRONGER }, offered: TEST_KDF },
    })
    expect(confirm).toHaveBeenCalledWith({ algorithm: 'argon2id', ...STRONGER }, TEST_KDF)
    expect(urls(fake)).toEqual(['POST /api/prelogin'])
    // Nothing was remembered from a refused login.
    expect([...store.values()]).toEqual([STRONGER])

    confirm.mockResolvedValue(true)
    await client(fake.fetch, { kdfMemory, confirmWeakerKdf: confirm }).login('alice', PASSWORD)
    expect(urls(fake)).toContain('POST /api/login')
    // Accepted and logged in: the settings now in use are the ones remembered.
    expect([...store.values()]).toEqual([
      { memoryKiB: TEST_KDF.memoryKiB, iterations: TEST_KDF.iterations, parallelism: 1 },
    ])
  })

  it('without a confirm hook, only acceptWeakerKdf equal to the offer goes on', async () => {
    const { fake } = fakeVault()
    const { kdfMemory } = memory(STRONGER)
    const c = client(fake.fetch, { kdfMemory })
    await expect(c.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'kdf_downgrade' })
    await expect(
      c.login('alice', PASSWORD, { acceptWeakerKdf: { ...TEST_KDF, iterations: 3 } }),
    ).rejects.toMatchObject({ code: 'kdf_downgrade' })
    expect(urls(fake).filter((u) => u === 'POST /api/login')).toEqual([])
    const session = await c.login('alice', PASSWORD, { acceptWeakerKdf: { ...TEST_KDF } })
    expect(session.account.username).toBe('alice')
  })

  it('the memory key hides the username and normalises it like the server', () => {
    const key = kdfMemoryKey(ORIGIN, 'Alice ')
    expect(key).toBe(kdfMemoryKey(ORIGIN, 'alice'))
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(key).not.toBe(kdfMemoryKey('https://other.example', 'alice'))
  })
})

describe('sessions', () => {
  it('lock overwrites every key with zeros, and every later call says locked', async () => {
    keys.length = 0
    const { fake } = fakeVault()
    const session = await client(fake.fetch).login('alice', PASSWORD)
    const item = await session.create({
      meta: { name: 'a', description: '', tags: [], path: '' },
      value: 'v',
    })
    expect(keys.length).toBeGreaterThanOrEqual(2)
    expect(keys.every((k) => k.some((b) => b !== 0))).toBe(true)
    session.lock()
    expect(session.locked).toBe(true)
    for (const k of keys) expect([...k].every((b) => b === 0)).toBe(true)
    await expect(session.read(item.id)).rejects.toMatchObject({ code: 'locked' })
    await expect(session.list()).rejects.toMatchObject({ code: 'locked' })
    expect(() => session.exportUserKey()).toThrow(/locked/)
  })

  it('cookie sessions send the CSRF token on writes only; bearer sessions send only the token', async () => {
    const { fake } = fakeVault()
    const cookie = await client(fake.fetch).login('alice', PASSWORD)
    await cookie.create({ meta: { name: 'a', description: '', tags: [], path: '' }, value: 'v' })
    await cookie.list()
    const login = fake.requests.find((r) => r.url.endsWith('/api/login'))!
    expect(JSON.parse(login.body!)).toEqual({ username: 'alice', authKey: account.authKey })
    const post = fake.requests.find((r) => r.method === 'POST' && r.url.endsWith('/api/secrets'))!
    expect(post.headers['x-csrf-token']).toBe('csrf-1')
    const get = fake.requests.filter((r) => r.method === 'GET' && r.url.endsWith('/api/secrets'))
    expect(get.every((r) => r.headers['x-csrf-token'] === undefined)).toBe(true)

    const { fake: fake2 } = fakeVault()
    const c = client(fake2.fetch, { session: 'bearer' })
    const bearer = await c.login('alice', PASSWORD)
    expect(c.token()).toBe('bearer-1')
    expect(
      JSON.parse(fake2.requests.find((r) => r.url.endsWith('/api/login'))!.body!),
    ).toMatchObject({ session: 'bearer' })
    await bearer.create({ meta: { name: 'a', description: '', tags: [], path: '' }, value: 'v' })
    const after = fake2.requests.slice(2)
    expect(after.every((r) => r.headers['authorization'] === 'Bearer bearer-1')).toBe(true)
    expect(after.every((r) => r.headers['x-csrf-token'] === undefined)).toBe(true)
  })

  it('refuses an answer carrying another version than the one asked for', async () => {
    const { fake, secrets } = fakeVault()
    const session = await client(fake.fetch).login('alice', PASSWORD)
    const item = await session.create({
      meta: { name: 'a', description: '', tags: [], path: '' },
      value: 'v1',
    })
    // The server claims version 2 is current but sends version 1's (authentic) value.
    const s = secrets.get(item.id)!
    s.summary = {
      ...s.summary,
      versions: [
        { ...s.summary.versions[0]!, stages: [] },
        { version: 2, size: 1, createdAt: 'x', restoredFrom: null, stages: ['current'] },
      ],
    }
    fake.route(`GET /api/secrets/${item.id}`, () =>
      jsonResponse(200, {
        ...s.summary,
        value: { version: 1, ...s.values.get(1)!, createdAt: 'x' },
      }),
    )
    await expect(session.read(item.id)).rejects.toMatchObject({ code: 'wrong_version' })
    expect(latestVersion(s.summary)).toBe(2)
  })

  it('metadata that does not open is listed as unreadable, not thrown', async () => {
    const { fake, secrets } = fakeVault()
    const session = await client(fake.fetch).login('alice', PASSWORD)
    const a = await session.create({
      meta: { name: 'a', description: '', tags: [], path: '' },
      value: 'v',
    })
    const b = await session.create({
      meta: { name: 'b', description: '', tags: [], path: '' },
      value: 'v',
    })
    // b's metadata moved onto a: bound to b's id, it must not open as a's.
    secrets.get(a.id)!.summary.meta = { ...secrets.get(b.id)!.summary.meta }
    const list = await session.list()
    expect(list.find((i) => i.id === a.id)!.meta).toBeNull()
    expect(list.find((i) => i.id === b.id)!.meta?.name).toBe('b')
  })

  it('a failed logout is thrown (the session may live on); a 401 counts as logged out', async () => {
    const { fake } = fakeVault()
    const c = client(fake.fetch, { session: 'bearer' })
    await c.login('alice', PASSWORD)
    fake.route('POST /api/logout', () => errorResponse(503, 'internal'))
    await expect(c.logout()).rejects.toMatchObject({ code: 'internal' })
    expect(c.token()).toBe('bearer-1')
    fake.route('POST /api/logout', () => errorResponse(401, 'unauthenticated'))
    await c.logout()
    expect(c.token()).toBeNull()
  })
})

describe('request shapes', () => {
  it('update, promote, delete, restore, purge, shares, revoke and audit send what the API expects', async () => {
    const { fake, secrets } = fakeVault()
    const session = await client(fake.fetch).login('alice', PASSWORD)
    const meta = { name: 'n', description: '', tags: [], path: '' }
    const item = await session.create({ meta, value: 'v1' })
    const id = item.id
    const summary = secrets.get(id)!.summary
    const echo = () => jsonResponse(200, { ...summary, revision: summary.revision + 1 })
    fake.route(`PUT /api/secrets/${id}`, echo)
    fake.route(`POST /api/secrets/${id}/restore`, echo)
    fake.route(`DELETE /api/secrets/${id}`, () =>
      jsonResponse(200, { deletedAt: 'x', purgeAt: 'y' }),
    )
    fake.route(`DELETE /api/secrets/${id}?purge=true`, () => jsonResponse(204, undefined))
    fake.route(`GET /api/secrets/${id}/shares`, () => jsonResponse(200, { shares: [] }))
    fake.route(`DELETE /api/secrets/${id}/shares/a%2Fb`, () => jsonResponse(204, undefined))
    fake.route('GET /api/audit?limit=5&event=secret.read', () =>
      jsonResponse(200, { events: [], next: null }),
    )
    const at = fake.requests.length

    await session.update(summary, {
      meta: { ...meta, name: 'm' },
      value: 'second-plaintext-7f3a',
      stage: 'pending',
    })
    await session.promote(summary)
    await expect(session.delete(id)).resolves.toEqual({ deletedAt: 'x', purgeAt: 'y' })
    await session.restore(id)
    await session.purge(id)
    await expect(session.shares(id)).resolves.toEqual([])
    await session.revokeShare(id, 'a/b')
    await session.audit({ limit: 5, event: 'secret.read', before: '' })

    const sent = fake.requests.slice(at)
    expect(sent.map((r) => `${r.method} ${r.url.slice(ORIGIN.length)}`)).toEqual([
      `PUT /api/secrets/${id}`,
      `PUT /api/secrets/${id}`,
      `DELETE /api/secrets/${id}`,
      `POST /api/secrets/${id}/restore`,
      `DELETE /api/secrets/${id}?purge=true`,
      `GET /api/secrets/${id}/shares`,
      `DELETE /api/secrets/${id}/shares/a%2Fb`,
      'GET /api/audit?limit=5&event=secret.read',
    ])
    // Check-and-set on the revision the caller showed; the new value takes the next version.
    expect(sent[0]!.headers['if-match']).toBe(`"${summary.revision}"`)
    const update = JSON.parse(sent[0]!.body!)
    expect(update.meta.revision).toBe(2)
    expect(update.value).toMatchObject({ version: 2, stage: 'pending' })
    // Long enough that random base64 cannot contain it by chance ('v2' did, about 1 run in 16).
    expect(sent[0]!.body).not.toContain('second-plaintext-7f3a')
    expect(JSON.parse(sent[1]!.body!)).toEqual({ promote: 'pending' })
    expect(sent.every((r) => r.method === 'GET' || r.headers['x-csrf-token'] === 'csrf-1')).toBe(
      true,
    )
  })

  it('maps a 409 to conflict and a 413 quota to quota_exceeded with the server message', async () => {
    const { fake, secrets } = fakeVault()
    const session = await client(fake.fetch).login('alice', PASSWORD)
    const item = await session.create({
      meta: { name: 'n', description: '', tags: [], path: '' },
      value: 'v',
    })
    const summary = secrets.get(item.id)!.summary
    fake.route(`PUT /api/secrets/${item.id}`, () => errorResponse(409, 'conflict'))
    await expect(session.update(summary, { value: 'w' })).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    })
    fake.route('POST /api/secrets', () => errorResponse(413, 'quota_exceeded'))
    await expect(
      session.create({ meta: { name: 'x', description: '', tags: [], path: '' }, value: 'v' }),
    ).rejects.toMatchObject({ code: 'quota_exceeded', message: 'quota_exceeded message' })
  })
})
