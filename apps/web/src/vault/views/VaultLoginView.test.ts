/** @module Tests of the login page: a downgraded KDF is refused with a clear error and no login request; wrong password; success. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi, TEST_KDF } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { KDF_REFUSED, WRONG_PASSWORD } from '../lib/errors.ts'
import VaultLoginView from './VaultLoginView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault

beforeEach(async () => {
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
})

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
  await vi.waitFor(() => expect(w.find('button[type="submit"]').text()).toBe('Log in'), {
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
