/**
 * The vault client against the real server app (app.request, in-memory database), as the CLI
 * uses it (bearer session): every operation once, with a canary that must never be sent in clear.
 */
import { makeTestApp } from '@secretsentry/server/test/test-app'
import { KDF_MINIMUMS } from '@secretsentry/keyring'
import { describe, expect, it, vi } from 'vitest'
import { createShareClient } from './share.ts'
import { createVaultClient, secretPath } from './vault.ts'
import type { KdfMemory, RememberedKdf, VaultClientOptions } from './vault.ts'
import type { FetchLike } from './http.ts'

// Registration derives at KDF_DEFAULTS unless the keyring defaults are lowered for the test.
vi.mock('@secretsentry/keyring', async (importOriginal) => {
  const real = await importOriginal<typeof import('@secretsentry/keyring')>()
  return { ...real, KDF_DEFAULTS: { algorithm: 'argon2id', ...real.KDF_MINIMUMS } }
})

const ORIGIN = 'https://vault.example.test'
const CANARY = 'canary-vault-5d1e9b'
const PASSWORD = 'a long master password 1'

async function setup(extra: Partial<VaultClientOptions> = {}) {
  const t = await makeTestApp()
  const bodies: string[] = []
  const fetch: FetchLike = (url, init) => {
    if (init.body !== null) bodies.push(init.body)
    return t.call(url.slice(ORIGIN.length), init)
  }
  const store = new Map<string, RememberedKdf>()
  const kdfMemory: KdfMemory = { get: (k) => store.get(k), set: (k, v) => void store.set(k, v) }
  const client = (more: Partial<VaultClientOptions> = {}) =>
    createVaultClient({ origin: ORIGIN, fetch, session: 'bearer', kdfMemory, ...extra, ...more })
  return { t, bodies, client, fetch, store }
}

describe('vault client ↔ server (bearer)', () => {
  it('register → set → get → history → pending → promote → share → open → delete → restore → purge', async () => {
    const { client, bodies, fetch, store } = await setup()
    const c = client()
    const session = await c.register('alice', PASSWORD)
    expect(c.token()).toMatch(/.{20,}/)
    expect(store.size).toBe(1)
    expect([...store.values()][0]).toEqual({
      memoryKiB: KDF_MINIMUMS.memoryKiB,
      iterations: KDF_MINIMUMS.iterations,
      parallelism: KDF_MINIMUMS.parallelism,
    })

    const meta = { name: 'DB_PASSWORD', description: 'd', tags: ['prod'], path: '/app/production' }
    const created = await session.create({ meta, value: CANARY })
    expect(secretPath(created.meta!)).toBe('/app/production/DB_PASSWORD')
    const found = await session.resolve('/app/production/DB_PASSWORD')
    expect(found.id).toBe(created.id)
    expect((await session.read(found.summary)).value).toBe(CANARY)

    const v2 = await session.update(found.summary, { value: `${CANARY}-2` })
    const pending = await session.update(v2.summary, { value: `${CANARY}-3`, stage: 'pending' })
    expect((await session.read(pending.summary)).value).toBe(`${CANARY}-2`)
    expect((await session.read(pending.summary, { stage: 'pending' })).value).toBe(`${CANARY}-3`)
    expect((await session.read(pending.summary, { version: 1 })).value).toBe(CANARY)
    expect(pending.summary.versions.map((v) => [v.version, v.stages])).toEqual(
      expect.arrayContaining([
        [3, ['pending']],
        [2, ['current']],
      ]),
    )
    const promoted = await session.promote(pending.summary)
    expect((await session.read(promoted.summary)).value).toBe(`${CANARY}-3`)
    expect((await session.read(promoted.id, { stage: 'previous' })).value).toBe(`${CANARY}-2`)

    const link = await session.share(created.id, { ttlSeconds: 600, maxViews: 1 })
    expect(link.link.startsWith(`${ORIGIN}/s#`)).toBe(true)
    expect(await session.shares(created.id)).toHaveLength(1)
    const opened = await createShareClient({ origin: ORIGIN, fetch }).open(link.link)
    expect(opened.record).toEqual({ kind: 'text', text: `${CANARY}-3` })

    await session.delete(created.id)
    expect(await session.list()).toHaveLength(0)
    expect((await session.list({ deleted: true })).map((i) => i.id)).toEqual([created.id])
    await session.restore(created.id)
    expect((await session.list()).map((i) => i.meta?.name)).toEqual(['DB_PASSWORD'])
    await session.delete(created.id)
    await session.purge(created.id)
    expect(await session.list({ deleted: true })).toHaveLength(0)
    const audit = await session.audit({ limit: 50 })
    expect(audit.events.length).toBeGreaterThan(0)

    for (const body of bodies) {
      expect(body).not.toContain(CANARY)
      expect(body).not.toContain(PASSWORD)
      expect(body).not.toContain('DB_PASSWORD')
    }
  })

  it('login, exportUserKey → openWithUserKey in a new client, logout ends the token', async () => {
    const { client } = await setup()
    const first = await client().register('bob', PASSWORD)
    await first.create({ meta: { name: 'K', description: '', tags: [], path: '' }, value: 'v' })
    const c = client()
    const session = await c.login('Bob', PASSWORD)
    const token = c.token()!
    const userKey = session.exportUserKey()
    session.lock()
    expect(userKey.some((b) => b !== 0)).toBe(true)

    const later = client()
    const reopened = await later.openWithUserKey(token, userKey)
    expect(reopened.account.username).toBe('bob')
    expect((await reopened.read((await reopened.resolve('K')).summary)).value).toBe('v')

    await later.logout()
    expect(later.token()).toBeNull()
    await expect(client().openWithUserKey(token, userKey)).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
    })
  })

  it('a wrong password is invalid_credentials; a password change checks the current one here, then takes effect', async () => {
    const { client } = await setup()
    await client().register('carol', PASSWORD)
    await expect(client().login('carol', 'not the password at all')).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    const session = await client().login('carol', PASSWORD)
    await expect(session.changePassword('wrong current pw', 'x'.repeat(16))).rejects.toMatchObject({
      code: 'decrypt_failed',
    })
    await session.changePassword(PASSWORD, 'the new master password')
    await expect(client().login('carol', PASSWORD)).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    const again = await client().login('carol', 'the new master password')
    expect(again.account.username).toBe('carol')
  })
  it('a rotation interval: set on create, changed and cleared on update, checked before sending', async () => {
    const { client, bodies } = await setup()
    const session = await client().register('rita', PASSWORD)
    const meta = { name: 'API_KEY', description: '', tags: [], path: '/app' }
    const created = await session.create({ meta, value: CANARY, rotationDays: 30 })
    expect(created.summary.rotationDays).toBe(30)
    const weekly = await session.update(created.summary, { rotationDays: 7 })
    expect(weekly.summary).toMatchObject({ rotationDays: 7, revision: 2 })
    // A new value keeps the interval unless told otherwise.
    const next = await session.update(weekly.summary, { value: `${CANARY}-2` })
    expect(next.summary.rotationDays).toBe(7)
    const cleared = await session.update(next.summary, { rotationDays: null })
    expect(cleared.summary.rotationDays).toBeNull()
    const sent = bodies.length
    for (const bad of [0, 3651, 1.5]) {
      await expect(session.update(cleared.summary, { rotationDays: bad })).rejects.toMatchObject({
        code: 'bad_input',
        details: { field: 'rotationDays' },
      })
      await expect(session.create({ meta, value: 'x', rotationDays: bad })).rejects.toMatchObject({
        code: 'bad_input',
      })
    }
    expect(bodies.length).toBe(sent)
    expect(bodies.join('')).not.toContain(CANARY)
  })
})
