/** @module Tests of the login page: a downgraded KDF is refused with a clear error and no login request; a decrease from last time waits for "Log in anyway"; wrong password; success. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi, TEST_KDF } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { deriveAccountKeys } from '@secretsentry/keyring'
import type { KdfParams } from '@secretsentry/keyring'
import { KDF_REFUSED, WRONG_PASSWORD } from '../lib/errors.ts'
import { KDF_MEMORY_KEY, rememberedKdf, rememberKdf } from '../lib/kdf-memory.ts'
import VaultLoginView from './VaultLoginView.vue'

// The real Argon2id, watched: a refused login must not even start it.
vi.mock('@secretsentry/keyring', async (importOriginal) => {
  const real = await importOriginal<typeof import('@secretsentry/keyring')>()
  return { ...real, deriveAccountKeys: vi.fn(real.deriveAccountKeys) }
})

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault

beforeEach(async () => {
  setActivePinia(createPinia())
  localStorage.clear()
  vi.mocked(deriveAccountKeys).mockClear()
  api = await installFakeVaultApi()
})

/** The example: this browser last logged in at the defaults (64 MiB, t=3). */
const LAST_TIME: KdfParams = {
  algorithm: 'argon2id',
  memoryKiB: 65536,
  iterations: 3,
  parallelism: 1,
}

async function mountLogin() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/vault/login')
  const w = mount(VaultLoginView, { global: { plugins: [router] } })
  return { w, router }
}

async function submit(w: Awaited<ReturnType<typeof mountLogin>>['w'], password: string) {
  await w.find('input#username').setValue(api.username)
  await w.find('input#login-password').setValue(password)
  await w.find('form').trigger('submit')
  // Done when nothing is busy: the Log in button is back, or the downgrade warning took its place.
  await vi.waitFor(() => expect(w.find('[aria-busy="true"]').exists()).toBe(false), {
    timeout: 50_000,
    interval: 20,
  })
  await flushPromises()
}

describe('VaultLoginView', () => {
  it('labels every control', async () => {
    const { w } = await mountLogin()
    for (const id of ['username', 'login-password']) {
      expect(w.find(`label[for="${id}"]`).exists(), id).toBe(true)
    }
  })

  it('refuses a downgraded KDF from prelogin: says so and sends no login', async () => {
    api.preloginOverride = { kdf: { ...TEST_KDF, memoryKiB: 8 }, salt: api.account.salt }
    const { w } = await mountLogin()
    await submit(w, api.password)
    expect(w.find('[role="alert"]').text()).toBe(KDF_REFUSED)
    expect(api.requests.map((r) => r.url)).toEqual(['/api/prelogin'])
  })

  it('stops on weaker settings than last time: warns with both, derives and sends nothing', async () => {
    await rememberKdf(api.username, LAST_TIME)
    const { w, router } = await mountLogin()
    await submit(w, api.password)
    const warning = w.find('[role="alert"]')
    expect(warning.text()).toContain('weaker protection of your master password than last time')
    expect(warning.text()).toContain('Last time in this browser: 64 MiB of memory, 3 passes')
    expect(warning.text()).toContain('Now: 19 MiB of memory, 2 passes')
    expect(warning.text()).toContain('tampered with')
    expect(api.requests.map((r) => r.url)).toEqual(['/api/prelogin'])
    expect(deriveAccountKeys).not.toHaveBeenCalled()
    expect(router.currentRoute.value.path).toBe('/vault/login')
    expect(await rememberedKdf(api.username)).toEqual(LAST_TIME)
  })

  it('Cancel leaves it there; only "Log in anyway" logs in, and then remembers the new settings', async () => {
    await rememberKdf(api.username, LAST_TIME)
    const { w, router } = await mountLogin()
    await submit(w, api.password)
    await w
      .findAll('button')
      .find((b) => b.text() === 'Cancel')!
      .trigger('click')
    expect(w.find('[role="alert"]').exists()).toBe(false)
    await w.find('form').trigger('submit')
    await vi.waitFor(() => expect(w.find('[role="alert"]').exists()).toBe(true))
    expect(api.requests.map((r) => r.url)).toEqual(['/api/prelogin', '/api/prelogin'])
    expect(deriveAccountKeys).not.toHaveBeenCalled()

    await w
      .findAll('button')
      .find((b) => b.text() === 'Log in anyway')!
      .trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/vault'), {
      timeout: 50_000,
    })
    expect(api.requests.map((r) => r.url)).toContain('/api/login')
    expect(await rememberedKdf(api.username)).toEqual(TEST_KDF)
  })

  it('accepts stronger settings than last time silently, and remembers them', async () => {
    const stronger: KdfParams = { ...TEST_KDF, iterations: TEST_KDF.iterations + 1 }
    api = await installFakeVaultApi(undefined, undefined, stronger)
    await rememberKdf(api.username, TEST_KDF)
    const { w, router } = await mountLogin()
    await submit(w, api.password)
    expect(w.find('[role="alert"]').exists()).toBe(false)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/vault'))
    expect(await rememberedKdf(api.username)).toEqual(stronger)
  })

  it('remembers only the settings, under a hash: neither the username nor the salt is stored', async () => {
    const { w, router } = await mountLogin()
    await submit(w, api.password)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/vault'))
    const stored = localStorage.getItem(KDF_MEMORY_KEY) ?? ''
    const entries = Object.entries(JSON.parse(stored) as Record<string, unknown>)
    expect(entries).toEqual([
      [
        expect.stringMatching(/^[0-9a-f]{64}$/),
        {
          memoryKiB: TEST_KDF.memoryKiB,
          iterations: TEST_KDF.iterations,
          parallelism: TEST_KDF.parallelism,
        },
      ],
    ])
    expect(stored).not.toContain(api.username)
    expect(stored).not.toContain(api.account.salt)
  })

  it('a failed login remembers nothing', async () => {
    const { w } = await mountLogin()
    await submit(w, 'not the password at all')
    expect(localStorage.getItem(KDF_MEMORY_KEY)).toBeNull()
  })

  it('says the password is wrong without saying which part', async () => {
    const { w } = await mountLogin()
    await submit(w, 'not the password at all')
    expect(w.find('[role="alert"]').text()).toBe(WRONG_PASSWORD)
  })

  it('opens the vault and goes to the list', async () => {
    const { w, router } = await mountLogin()
    await submit(w, api.password)
    expect(w.find('[role="alert"]').exists()).toBe(false)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/vault'))
    // The watch on Argon2id sees it: the refusals above that it was not called mean something.
    expect(deriveAccountKeys).toHaveBeenCalledTimes(1)
  })

  it('shows the wait from a 429', async () => {
    const { w } = await mountLogin()
    api.fetch.mockImplementationOnce(
      async () =>
        new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down' } }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '42' },
        }),
    )
    await submit(w, api.password)
    expect(w.find('[role="alert"]').text()).toBe('Too many requests. Try again in 42 s.')
  })

  it('says when the server cannot be reached', async () => {
    const { w } = await mountLogin()
    api.fetch.mockImplementationOnce(async () => {
      throw new TypeError('Failed to fetch')
    })
    await submit(w, api.password)
    expect(w.find('[role="alert"]').text()).toContain('Could not reach the server')
  })
})
