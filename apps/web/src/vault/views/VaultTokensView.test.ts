/**
 * @module Tests of the Access tokens page: the list in words, a new token shown once with Copy,
 * refusals beside the field they name, Revoke behind a confirmation, and the folder's shortcut.
 * The store's token calls are stubbed (their client is tested in packages/client); folders and
 * the session are real, over the fake vault API.
 */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { ClientError } from '../../shared/api/share.api.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import type { TokenInfo } from '../lib/tokens.ts'
import { useVaultStore } from '../stores/vault.store.ts'
import VaultTokensView from './VaultTokensView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const TEXT = `sst_${'A'.repeat(22)}_${'B'.repeat(43)}`
const DAY = 86_400_000

function token(over: Partial<TokenInfo> = {}): TokenInfo {
  return {
    id: 'dG9rZW4taWQtMDAwMDAwMQ',
    name: 'api-production',
    path: '/app/production',
    includeSubfolders: false,
    readWrite: false,
    stage: 'current',
    createdAt: new Date(Date.now() - 3 * DAY).toISOString(),
    expiresAt: new Date(Date.now() + 87 * DAY).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    lastUsedClient: null,
    ...over,
  }
}

let store: ReturnType<typeof useVaultStore>

beforeEach(async () => {
  setActivePinia(createPinia())
  const api = await installFakeVaultApi()
  store = useVaultStore()
  await store.login(api.username, api.password)
  await store.mkdir('/app/production')
  await store.mkdir('/app/staging')
})

async function mountView(path = '/vault/tokens') {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push(path)
  const w = mount(VaultTokensView, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return { w, router }
}

type Wrapper = Awaited<ReturnType<typeof mountView>>['w']
const button = (w: Wrapper, text: string) => w.findAll('button').find((b) => b.text() === text)
const items = (w: Wrapper) => w.findAll('li.token')

describe('VaultTokensView list', () => {
  it('shows each token’s folder, access, stage, expiry, last use and status', async () => {
    vi.spyOn(store, 'tokens').mockResolvedValue([
      token({
        lastUsedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
        lastUsedClient: '441a9a8f0c1d2e3f441a9a8f0c1d2e3f',
      }),
      token({
        id: 'dG9rZW4taWQtMDAwMDAwMg',
        name: 'rotation-job',
        path: '/app',
        includeSubfolders: true,
        readWrite: true,
        stage: 'any',
        expiresAt: null,
        revokedAt: new Date(Date.now() - DAY).toISOString(),
      }),
      token({
        id: 'dG9rZW4taWQtMDAwMDAwMw',
        name: null,
        path: '',
        expiresAt: new Date(Date.now() - 2 * DAY).toISOString(),
      }),
    ])
    const { w } = await mountView()
    const [active, expired, revoked] = items(w)
    // Active first, then expired, then revoked.
    expect(active!.text()).toContain('api-production')
    expect(active!.find('.badge').text()).toBe('Active')
    expect(active!.find('.path').text()).toBe('/app/production')
    expect(active!.text()).toContain('Read-only')
    expect(active!.text()).toContain('Current values')
    expect(active!.text()).toMatch(/Expires\s*in 87 days/)
    expect(active!.text()).toMatch(/Last used\s*2 hours ago from client 441a9a8f/)
    expect(active!.attributes('aria-label')).toBe('api-production')

    expect(expired!.find('.badge').text()).toBe('Expired')
    expect(expired!.text()).toContain('Unnamed token')
    expect(expired!.find('.path').text()).toBe('/')
    expect(expired!.text()).toMatch(/Expired\s*2 days ago/)
    expect(expired!.text()).toMatch(/Last used\s*Never/)

    expect(revoked!.find('.badge').text()).toBe('Revoked')
    expect(revoked!.find('.path').text()).toBe('/app and subfolders')
    expect(revoked!.text()).toContain('Read and write')
    expect(revoked!.text()).toContain('Any version')
    expect(revoked!.text()).toMatch(/Revoked\s*24 hours ago/)
    // A revoked token has nothing left to revoke.
    expect(revoked!.find('button').exists()).toBe(false)
    w.unmount()
  })

  it('says when there is no token, and shows a failed load with Try again', async () => {
    const tokens = vi
      .spyOn(store, 'tokens')
      .mockRejectedValueOnce(new ClientError(0, 'network', 'offline'))
      .mockResolvedValue([])
    const { w } = await mountView()
    expect(w.find('[role="alert"]').exists()).toBe(true)
    await button(w, 'Try again')!.trigger('click')
    await flushPromises()
    expect(tokens).toHaveBeenCalledTimes(2)
    expect(w.find('h2').text()).toBe('No tokens yet')
    w.unmount()
  })
})

describe('VaultTokensView create', () => {
  it('creates a token for the chosen folder and shows it once, with Copy', async () => {
    vi.spyOn(store, 'tokens').mockResolvedValue([])
    const made = token({ includeSubfolders: true, expiresAt: null, name: 'ci' })
    const create = vi.spyOn(store, 'createToken').mockResolvedValue({ text: TEXT, token: made })
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const { w } = await mountView()

    await button(w, 'New token')!.trigger('click')
    const folder = w.find('select#token-path')
    expect(folder.findAll('option').map((o) => o.text())).toEqual([
      '/',
      '/app',
      '/app/production',
      '/app/staging',
    ])
    // Focus starts on the first field.
    expect(document.activeElement).toBe(folder.element)
    const production = store.folders.find((f) => f.path === '/app/production')!
    await folder.setValue(production.id)
    await w.find('input#token-name').setValue('  ci  ')
    // 90 days unless chosen otherwise.
    const expires = w.find('select#token-expires')
    expect((expires.element as HTMLSelectElement).selectedOptions[0]!.text).toBe('After 90 days')
    await expires.setValue('')
    expect(w.find('#token-expires-hint').text()).toContain('Works until you revoke it')
    const [subfolders, writes] = w.findAll('input[type="checkbox"]')
    await subfolders!.setValue(true)
    expect(w.find('#token-rw-warning').exists()).toBe(false)
    await writes!.setValue(true)
    expect(w.find('#token-rw-warning').text()).toContain('can add and change secrets')
    await writes!.setValue(false)
    await w.find('form').trigger('submit')
    await flushPromises()

    expect(create).toHaveBeenCalledWith({
      path: '/app/production',
      name: 'ci',
      expiresInSeconds: null,
      includeSubfolders: true,
      readWrite: false,
      stage: 'current',
    })
    // The form gives way to the token, shown in a read-only field with its warning.
    expect(w.find('form').exists()).toBe(false)
    const field = w.find('textarea#token-text')
    expect((field.element as HTMLTextAreaElement).value).toBe(TEXT)
    expect(field.attributes('readonly')).toBeDefined()
    expect(w.text()).toContain('You will not see it again.')
    expect(w.find('pre').text()).toBe(
      `SECRETSENTRY_SERVER=${window.location.origin} SECRETSENTRY_TOKEN=… secretsentry run --path /app/production -- node app.js`,
    )
    // The snippet never carries the token itself.
    expect(w.find('pre').text()).not.toContain(TEXT)
    expect(items(w)).toHaveLength(1)

    await button(w, 'Copy')!.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(TEXT)
    expect(button(w, 'Copied')).toBeDefined()
    expect(w.find('[role="status"]').text()).toBe('Token copied to the clipboard.')

    await button(w, 'Done, I have stored it')!.trigger('click')
    expect(w.find('#token-text').exists()).toBe(false)
    expect(w.html()).not.toContain(TEXT)
    w.unmount()

    // Coming back to the page: listed, never shown again (nothing kept it).
    const again = await mountView()
    expect(again.w.html()).not.toContain(TEXT)
    expect(JSON.stringify(store.$state)).not.toContain(TEXT)
    again.w.unmount()
  })

  it('shows a refusal beside the field it names, and a general one above the buttons', async () => {
    vi.spyOn(store, 'tokens').mockResolvedValue([])
    vi.spyOn(store, 'createToken')
      .mockRejectedValueOnce(
        new ClientError(400, 'invalid_input', 'A token with this name exists.', { field: 'name' }),
      )
      .mockRejectedValueOnce(new ClientError(0, 'network', 'offline'))
    const { w } = await mountView()
    await button(w, 'New token')!.trigger('click')
    await w.find('input#token-name').setValue('ci')
    await w.find('form').trigger('submit')
    await flushPromises()
    const name = w.find('input#token-name')
    expect(name.attributes('aria-invalid')).toBe('true')
    expect(name.attributes('aria-describedby')).toBe('token-name-error')
    expect(w.find('#token-name-error').text()).toContain('A token with this name exists.')
    expect(document.activeElement).toBe(name.element)
    // Editing the field clears its message.
    await name.setValue('ci-2')
    expect(w.find('#token-name-error').exists()).toBe(false)

    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('form [role="alert"]').exists()).toBe(true)
    expect(w.find('#token-name-error').exists()).toBe(false)
    w.unmount()
  })

  it('opens the form on the folder a folder’s action names (?folder=id)', async () => {
    vi.spyOn(store, 'tokens').mockResolvedValue([])
    const staging = store.folders.find((f) => f.path === '/app/staging')!
    const { w, router } = await mountView(`/vault/tokens?folder=${staging.id}`)
    const select = w.find('select#token-path').element as HTMLSelectElement
    expect(select.selectedOptions[0]!.text).toBe('/app/staging')
    await button(w, 'Cancel')!.trigger('click')
    await flushPromises()
    expect(w.find('form').exists()).toBe(false)
    expect(router.currentRoute.value.query).toEqual({})
    w.unmount()
  })
})

describe('VaultTokensView revoke', () => {
  it('asks first, revokes by id, and lists the token as revoked', async () => {
    const t = token()
    const list = vi
      .spyOn(store, 'tokens')
      .mockResolvedValueOnce([t])
      .mockResolvedValue([{ ...t, revokedAt: new Date().toISOString() }])
    const revoke = vi.spyOn(store, 'revokeToken').mockResolvedValue()
    const { w } = await mountView()

    await w.find('li.token button').trigger('click')
    expect(revoke).not.toHaveBeenCalled()
    expect(w.find('.confirm').text()).toContain('Revoke “api-production”?')
    await button(w, 'Cancel')!.trigger('click')
    expect(w.find('.confirm').exists()).toBe(false)

    await w.find('li.token button').trigger('click')
    await button(w, 'Yes, revoke it')!.trigger('click')
    await flushPromises()
    expect(revoke).toHaveBeenCalledWith(t.id)
    expect(list).toHaveBeenCalledTimes(2)
    expect(items(w)[0]!.find('.badge').text()).toBe('Revoked')
    expect(w.find('.notice-ok').text()).toContain('Revoked api-production.')
    w.unmount()
  })

  it('keeps the confirmation open with the error when the revoke fails', async () => {
    vi.spyOn(store, 'tokens').mockResolvedValue([token()])
    vi.spyOn(store, 'revokeToken').mockRejectedValue(new ClientError(0, 'network', 'offline'))
    const { w } = await mountView()
    await w.find('li.token button').trigger('click')
    await button(w, 'Yes, revoke it')!.trigger('click')
    await flushPromises()
    expect(w.find('.confirm [role="alert"]').exists()).toBe(true)
    expect(items(w)[0]!.find('.badge').text()).toBe('Active')
    w.unmount()
  })
})
