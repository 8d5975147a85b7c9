/** @module Tests of registration: the form's own checks before any work, and a taken name said plainly. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import { setFakePolicy } from '../../testing/fake-share-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { KDF_MEMORY_KEY } from '../lib/kdf-memory.ts'
import VaultRegisterView from './VaultRegisterView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault

beforeEach(async () => {
  setActivePinia(createPinia())
  localStorage.clear()
  api = await installFakeVaultApi()
})

async function mountRegister() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/vault/register')
  return mount(VaultRegisterView, { global: { plugins: [router] } })
}

describe('VaultRegisterView', () => {
  it('checks the name, length and repeat before deriving or sending anything', async () => {
    const w = await mountRegister()
    for (const id of ['username', 'new-password', 'confirm-password']) {
      expect(w.find(`label[for="${id}"]`).exists(), id).toBe(true)
    }
    await w.find('input#username').setValue('-bad name')
    await w.find('input#new-password').setValue('short')
    await w.find('input#confirm-password').setValue('other')
    await w.find('form').trigger('submit')
    await flushPromises()
    const errors = w.findAll('.field-error').map((e) => e.text())
    expect(errors).toEqual([
      'Use letters, digits and . _ @ - only, starting with a letter or digit.',
      'Use at least 12 characters; a few random words work well.',
      'The two passwords differ.',
    ])
    expect(api.requests).toEqual([])
  })

  it('says when the name is taken', async () => {
    const w = await mountRegister()
    await w.find('input#username').setValue('  Alice ')
    await w.find('input#new-password').setValue('a long enough password')
    await w.find('input#confirm-password').setValue('a long enough password')
    await w.find('form').trigger('submit')
    await vi.waitFor(() => expect(w.find('[role="alert"]').exists()).toBe(true), {
      timeout: 55_000,
      interval: 50,
    })
    expect(w.find('[role="alert"]').text()).toBe('That username is taken. Choose another one.')
    // The name went out normalised (trimmed, lower case), with authKey and wrapped keys only.
    const body = JSON.parse(api.requests.find((r) => r.url === '/api/register')!.body!)
    expect(body.username).toBe('alice')
    expect(Object.keys(body).sort()).toEqual(
      ['authKey', 'folder', 'kdf', 'salt', 'username', 'wrappedUserKey'].sort(),
    )
    expect(JSON.stringify(body)).not.toContain('a long enough password')
    // Settings are remembered only once the server accepted them.
    expect(localStorage.getItem(KDF_MEMORY_KEY)).toBeNull()
  }, 60_000)
})

describe('VaultRegisterView and the instance policy', () => {
  async function mountAt(path: string) {
    const router = createRouter({ history: createMemoryHistory(), routes })
    await router.push(path)
    const w = mount(VaultRegisterView, { global: { plugins: [router] } })
    await flushPromises()
    return w
  }

  it('registration closed: no form, the reason, and the way to log in', async () => {
    setFakePolicy({ registration: 'closed' })
    const w = await mountAt('/vault/register')
    expect(w.find('form').exists()).toBe(false)
    expect(w.find('h1').text()).toBe('Registration is closed')
    expect(w.find('a').attributes('href')).toBe('/vault/login')
  })

  it('open: no invite field', async () => {
    const w = await mountAt('/vault/register')
    expect(w.find('input#invite').exists()).toBe(false)
  })

  it('invite only: the field, filled from the link, is required and sent with the registration', async () => {
    setFakePolicy({ registration: 'invite' })
    const token = 'A'.repeat(42) + 'Q'
    const empty = await mountAt('/vault/register')
    expect((empty.find('input#invite').element as HTMLInputElement).value).toBe('')
    await empty.find('input#username').setValue('newcomer')
    await empty.find('input#new-password').setValue('a long enough password')
    await empty.find('input#confirm-password').setValue('a long enough password')
    await empty.find('form').trigger('submit')
    await flushPromises()
    expect(empty.find('#invite-hint').text()).toBe(
      'Paste the invite link (or its code) an administrator gave you.',
    )
    expect(api.requests).toEqual([])
    empty.unmount()

    const w = await mountAt(`/vault/register?invite=${token}`)
    expect((w.find('input#invite').element as HTMLInputElement).value).toBe(token)
    await w.find('input#username').setValue(api.username)
    await w.find('input#new-password').setValue('a long enough password')
    await w.find('input#confirm-password').setValue('a long enough password')
    await w.find('form').trigger('submit')
    await vi.waitFor(() => expect(w.find('[role="alert"]').exists()).toBe(true), {
      timeout: 55_000,
      interval: 50,
    })
    const sent = api.requests.find((r) => r.url === '/api/register')
    expect(JSON.parse(sent?.body ?? '{}')).toMatchObject({ invite: token })
  })
})
