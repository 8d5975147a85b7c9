/** @module Tests of the vault store against the fake API with the real keyring: keys, lock, KDF downgrade, CSRF, check-and-set. */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { installFakeVaultApi, TEST_KDF } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { codeOf } from '../lib/errors.ts'
import { rememberedKdf, rememberKdf } from '../lib/kdf-memory.ts'
import { AUTO_LOCK_KEY, useVaultStore, versionWithStage } from './vault.store.ts'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

/** Every key buffer the store received from the keyring, to check they are zero after lock. */
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

let api: FakeVault

beforeEach(async () => {
  keys.length = 0
  localStorage.clear()
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
})

const meta = (name: string, tags: string[] = []) => ({ name, description: '', tags, path: '' })

async function loggedIn() {
  const store = useVaultStore()
  await store.login(api.username, api.password)
  return store
}

describe('useVaultStore', () => {
  it('logs in with authKey only, unlocks and decrypts the list', async () => {
    const store = await loggedIn()
    expect(store.status).toBe('unlocked')
    const login = api.requests.find((r) => r.url === '/api/login')
    expect(JSON.parse(login!.body!)).toEqual({ username: 'alice', authKey: api.account.authKey })
    for (const r of api.requests) expect(r.body ?? '').not.toContain(api.password)

    await store.createSecret({ meta: meta('Stripe key', ['prod']), value: 'sk_live_123' })
    // A fresh store (another tab) decrypts the same list from the server's ciphertext.
    setActivePinia(createPinia())
    const other = await loggedIn()
    expect(other.items.map((i) => i.meta)).toEqual([meta('Stripe key', ['prod'])])
    const stored = [...api.secrets.values()][0]!
    expect(JSON.stringify(stored)).not.toContain('Stripe key')
    expect(JSON.stringify(stored)).not.toContain('sk_live_123')
    expect((await other.readValue(stored.summary.id)).value).toBe('sk_live_123')
  })

  it('lock overwrites every key with zeros and drops the decrypted metadata', async () => {
    const store = await loggedIn()
    const item = await store.createSecret({ meta: meta('DB password'), value: 'hunter2' })
    expect(keys.length).toBeGreaterThanOrEqual(2)
    expect(keys.every((k) => k.some((b) => b !== 0))).toBe(true)

    store.lock()

    expect(store.status).toBe('locked')
    expect(store.lockReason).toBe('manual')
    expect(store.items).toEqual([])
    for (const k of keys) expect([...k].every((b) => b === 0)).toBe(true)
    await expect(store.readValue(item.id)).rejects.toThrow('locked')
    // The session survives a lock: Unlock needs only the password, no new login.
    const logins = api.requests.filter((r) => r.url === '/api/login').length
    await store.unlock(api.password)
    expect(store.status).toBe('unlocked')
    expect(api.requests.filter((r) => r.url === '/api/login')).toHaveLength(logins)
    expect(store.items.map((i) => i.meta?.name)).toEqual(['DB password'])
  })

  it('refuses a downgraded KDF from prelogin and sends no login', async () => {
    api.preloginOverride = {
      kdf: { ...TEST_KDF, memoryKiB: 1024 },
      salt: api.account.salt,
    }
    const store = useVaultStore()
    const err = await store.login(api.username, api.password).catch((e: unknown) => e)
    expect(codeOf(err)).toBe('kdf_too_weak')
    expect(api.requests.map((r) => r.url)).toEqual(['/api/prelogin'])
    expect(store.status).not.toBe('unlocked')

    api.preloginOverride = { kdf: { ...TEST_KDF, iterations: 1 }, salt: api.account.salt }
    expect(codeOf(await store.login(api.username, api.password).catch((e: unknown) => e))).toBe(
      'kdf_too_weak',
    )
    expect(api.requests.filter((r) => r.url === '/api/login')).toEqual([])
  })

  it('sends X-CSRF-Token with every request that changes something', async () => {
    const store = await loggedIn()
    const item = await store.createSecret({ meta: meta('a'), value: 'v1' })
    await store.updateSecret(item.id, { value: 'v2' })
    await store.deleteSecret(item.id)
    await store.logout()
    const after = api.requests.slice(api.requests.findIndex((r) => r.url === '/api/login') + 1)
    const writes = after.filter((r) => r.method !== 'GET')
    expect(writes.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/secrets',
      `PUT /api/secrets/${item.id}`,
      `DELETE /api/secrets/${item.id}`,
      'POST /api/logout',
    ])
    for (const r of writes) expect(r.headers['x-csrf-token']).toBe(api.csrfToken)
    expect(store.status).toBe('anonymous')
  })

  it('saves with If-Match and gets 409 conflict when someone else saved in between', async () => {
    const store = await loggedIn()
    const item = await store.createSecret({ meta: meta('Token'), value: 'one' })
    const saved = await store.updateSecret(item.id, { meta: meta('Token', ['ci']) })
    expect(api.requests.at(-1)!.headers['if-match']).toBe('"1"')
    expect(saved.meta?.tags).toEqual(['ci'])

    api.touch(item.id)
    const err = await store.updateSecret(item.id, { value: 'two' }).catch((e: unknown) => e)
    expect(codeOf(err)).toBe('conflict')
    // Nothing changed on the server.
    expect(api.secrets.get(item.id)!.summary.versions).toHaveLength(1)
  })

  it('restores an old version as a new current one, marked restoredFrom', async () => {
    const store = await loggedIn()
    const item = await store.createSecret({ meta: meta('Key'), value: 'first' })
    await store.updateSecret(item.id, { value: 'second' })
    const restored = await store.restoreVersion(item.id, 1)
    const v3 = restored.summary.versions.find((v) => v.version === 3)!
    expect(v3).toMatchObject({ restoredFrom: 1, stages: ['current'] })
    expect(versionWithStage(restored.summary, 'previous')).toBe(2)
    expect((await store.readValue(item.id)).value).toBe('first')
  })

  it('refuses a value of another version than the one asked for (a server swapping versions)', async () => {
    const store = await loggedIn()
    const item = await store.createSecret({ meta: meta('Key'), value: 'first' })
    await store.updateSecret(item.id, { value: 'second' })
    // A hostile server answers ?version=1 with the current version 2 (both open under their own AD).
    const honest = api.fetch as unknown as typeof fetch
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
      honest(String(input).replace(/\?version=\d+$/, ''), init),
    )
    const err = await store.restoreVersion(item.id, 1).catch((e: unknown) => e)
    expect(codeOf(err)).toBe('wrong_version')
    // Nothing was restored under a wrong "restored from" label.
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)
    await expect(store.readValue(item.id, 1)).rejects.toMatchObject({ code: 'wrong_version' })
  })

  it('a save answered after a lock neither lists anything while locked nor leaves the secret unreadable after unlock', async () => {
    const store = await loggedIn()
    const saving = store.createSecret({ meta: meta('Saved at lock time'), value: 'v' })
    store.lock('idle')
    await saving
    expect(store.items).toEqual([])
    await store.unlock(api.password)
    expect(store.items.map((i) => i.meta?.name)).toEqual(['Saved at lock time'])
  })

  it('a logout the server did not confirm wipes the keys but does not claim the session ended', async () => {
    const store = await loggedIn()
    const honest = api.fetch as unknown as typeof fetch
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
      String(input) === '/api/logout'
        ? Promise.reject(new TypeError('Failed to fetch'))
        : honest(input, init),
    )
    await expect(store.logout()).rejects.toMatchObject({ code: 'network' })
    // The cookie may still work on the server: locked (Unlock offers Log out again), not anonymous.
    expect(store.status).toBe('locked')
    expect(store.lockReason).toBe('logout_failed')
    expect(store.items).toEqual([])
    for (const k of keys) expect([...k].every((b) => b === 0)).toBe(true)

    vi.stubGlobal('fetch', honest)
    await store.logout()
    expect(store.status).toBe('anonymous')
    expect(api.session.active).toBe(false)
  })

  it('auto-locks after the idle time even when no vault page is showing', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    try {
      const store = await loggedIn()
      store.setAutoLockMinutes(1)
      // No VaultLayout is mounted here, as when the tab shows the create page or My links.
      vi.advanceTimersByTime(65_000)
      expect(store.status).toBe('locked')
      expect(store.lockReason).toBe('idle')
      for (const k of keys) expect([...k].every((b) => b === 0)).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })

  it('after a reload offers Unlock: a wrong password is refused here, the right one opens the vault', async () => {
    await loggedIn()
    setActivePinia(createPinia()) // a reload: memory gone, the session cookie stays
    const store = useVaultStore()
    await store.init()
    expect(store.status).toBe('locked')
    expect(store.account?.username).toBe('alice')
    expect(codeOf(await store.unlock('wrong password!').catch((e: unknown) => e))).toBe(
      'decrypt_failed',
    )
    expect(store.status).toBe('locked')
    await store.unlock(api.password)
    expect(store.status).toBe('unlocked')
  })

  it('after a reload, refuses an account answer weaker than last time before deriving, until those exact settings are accepted', async () => {
    await loggedIn()
    expect(await rememberedKdf(api.username)).toEqual(TEST_KDF)
    // As if this browser had last used stronger settings: the account answer is now a decrease.
    const before = { ...TEST_KDF, iterations: TEST_KDF.iterations + 2 }
    await rememberKdf(api.username, before)
    setActivePinia(createPinia())
    const store = useVaultStore()
    await store.init()
    const refused = await store.unlock(api.password).catch((e: unknown) => e)
    expect(refused).toMatchObject({
      code: 'kdf_downgrade',
      details: { kdf: { previous: before, offered: TEST_KDF } },
    })
    expect(store.status).toBe('locked')
    // Accepting other settings than the ones offered does not count.
    const other = { ...TEST_KDF, memoryKiB: TEST_KDF.memoryKiB + 1024 }
    expect(
      codeOf(await store.unlock(api.password, { acceptWeakerKdf: other }).catch((e: unknown) => e)),
    ).toBe('kdf_downgrade')
    await store.unlock(api.password, { acceptWeakerKdf: { ...TEST_KDF } })
    expect(store.status).toBe('unlocked')
    expect(await rememberedKdf(api.username)).toEqual(TEST_KDF)
  })

  it('a 401 from the server ends the session and forgets the keys', async () => {
    const store = await loggedIn()
    api.session.active = false
    await expect(store.refresh()).rejects.toMatchObject({ status: 401 })
    expect(store.status).toBe('anonymous')
    expect(store.lockReason).toBe('session')
    for (const k of keys) expect([...k].every((b) => b === 0)).toBe(true)
  })

  it('keeps the auto-lock minutes in range and in this browser', () => {
    const store = useVaultStore()
    expect(store.autoLockMinutes).toBe(15)
    store.setAutoLockMinutes(5)
    expect(localStorage.getItem(AUTO_LOCK_KEY)).toBe('5')
    store.setAutoLockMinutes(0)
    expect(store.autoLockMinutes).toBe(15)
  })

  it('deletes into the recovery window, restores, and purges for good', async () => {
    const store = await loggedIn()
    const a = await store.createSecret({ meta: meta('Keep me'), value: 'a' })
    const b = await store.createSecret({ meta: meta('Purge me'), value: 'b' })
    await store.deleteSecret(a.id)
    await store.deleteSecret(b.id)
    expect(store.items).toEqual([])
    await store.refreshDeleted()
    expect(store.deletedItems.map((i) => i.meta?.name).sort()).toEqual(['Keep me', 'Purge me'])

    await store.restoreDeleted(a.id)
    expect(store.items.map((i) => i.meta?.name)).toEqual(['Keep me'])
    await store.purge(b.id)
    expect(store.deletedItems).toEqual([])
    expect(api.secrets.has(b.id)).toBe(false)
    await store.refresh()
    expect(store.items.map((i) => i.meta?.name)).toEqual(['Keep me'])
  })
})
