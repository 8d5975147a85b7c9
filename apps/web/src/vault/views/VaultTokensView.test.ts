/**
 * @module Tests of the Access tokens page: the list in words, a new token shown once with Copy,
 * refusals beside the field they name, Revoke behind a confirmation, and the folder's shortcut.
 * The real client makes and lists tokens over the fake vault API; only failures are stubbed.
 */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { ClientError } from '../../shared/api/share.api.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import type { TokenInfoResponse } from '@secretsentry/contract/types'
import { useVaultStore } from '../stores/vault.store.ts'
import VaultTokensView from './VaultTokensView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const DAY = 86_400_000

/** A row as GET /api/tokens lists it, for the folder at `path`. */
function token(over: Partial<TokenInfoResponse> & { path?: string } = {}): TokenInfoResponse {
  const { path = '/app/production', ...rest } = over
  return {
    id: 'dG9rZW4taWQtMDAwMDAwMQ',
    name: 'api-production',
    rootFolderId: store.folders.find((f) => f.path === (path === '/' ? '' : path))!.id,
    includeSubfolders: false,
    readWrite: false,
    stage: 'current',
    createdAt: new Date(Date.now() - 3 * DAY).toISOString(),
    expiresAt: new Date(Date.now() + 87 * DAY).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    lastUsedClient: null,
    grants: 1,
    ownerWrappedKey: 'AAAA',
    tokenMeta: 'AAAA',
    ...rest,
  }
}

let store: ReturnType<typeof useVaultStore>
let api: FakeVault

beforeEach(async () => {
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
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
    api.tokens = [
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
        name: 'token-dG9rZW4t',
        path: '/',
        expiresAt: new Date(Date.now() - 2 * DAY).toISOString(),
      }),
    ]
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
    expect(expired!.text()).toContain('token-dG9rZW4t')
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
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const { w } = await mountView()
    expect(w.find('h2').text()).toBe('No tokens yet')

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
    const app = store.folders.find((f) => f.path === '/app')!
    await folder.setValue(app.id)
    await w.find('input#token-name').setValue('  ci  ')
    // 90 days unless chosen otherwise.
    const expires = w.find('select#token-expires')
    expect((expires.element as HTMLSelectElement).selectedOptions[0]!.text).toBe('After 90 days')
    await expires.setValue('')
    expect(w.find('#token-expires-hint').text()).toContain('Works until you revoke it')
    await w.find('input#token-subfolders').setValue(true)
    const writes = w.findAll('input[type="checkbox"]')[1]!
    expect(w.find('#token-rw-warning').exists()).toBe(false)
    await writes.setValue(true)
    expect(w.find('#token-rw-warning').text()).toContain('can add and change secrets')
    await writes.setValue(false)
    await w.find('form').trigger('submit')
    await flushPromises()

    // The server got the flags and three grants (/app and both subfolders), never the token.
    expect(api.tokens).toHaveLength(1)
    const made = api.tokens[0]!
    expect(made).toMatchObject({
      name: 'ci',
      rootFolderId: app.id,
      includeSubfolders: true,
      readWrite: false,
      stage: 'current',
      expiresAt: null,
      grants: 3,
    })
    // The form gives way to the token, shown in a read-only field with its warning.
    expect(w.find('form').exists()).toBe(false)
    const field = w.find('textarea#token-text')
    const text = (field.element as HTMLTextAreaElement).value
    expect(text).toMatch(new RegExp(`^sst_${made.id}_[A-Za-z0-9_-]{43}$`))
    expect(field.attributes('readonly')).toBeDefined()
    const sent = api.requests.filter((r) => r.url.startsWith('/api/tokens')).map((r) => r.body)
    expect(sent.join('')).not.toContain(text.slice(27))
    expect(w.text()).toContain('You will not see it again.')
    expect(w.find('pre').text()).toBe(
      `SECRETSENTRY_SERVER=${window.location.origin} \\\nSECRETSENTRY_TOKEN=… \\\nsecretsentry run --path /app -- node app.js`,
    )
    // The snippet never carries the token itself.
    expect(w.find('pre').text()).not.toContain(text)
    expect(items(w)).toHaveLength(1)
    expect(items(w)[0]!.find('.path').text()).toBe('/app and subfolders')

    await button(w, 'Copy')!.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(text)
    expect(button(w, 'Copied')).toBeDefined()
    expect(w.find('#token-copy-status').text()).toBe('Token copied to the clipboard.')

    await button(w, 'Done, I have stored it')!.trigger('click')
    expect(w.find('#token-text').exists()).toBe(false)
    expect(w.html()).not.toContain(text)
    w.unmount()

    // Coming back to the page: listed, never shown again (nothing kept it).
    const again = await mountView()
    expect(items(again.w)).toHaveLength(1)
    expect(again.w.html()).not.toContain(text)
    expect(JSON.stringify(store.$state)).not.toContain(text)
    again.w.unmount()
  })

  it('shows a refusal beside the field it names, and a general one above the buttons', async () => {
    // A live token already has the name: the server's 409 names the field.
    api.tokens = [token({ name: 'ci' })]
    const { w } = await mountView()
    await button(w, 'New token')!.trigger('click')
    await w.find('input#token-name').setValue('ci')
    await w.find('form').trigger('submit')
    await flushPromises()
    const name = w.find('input#token-name')
    expect(name.attributes('aria-invalid')).toBe('true')
    expect(name.attributes('aria-describedby')).toBe('token-name-error')
    expect(w.find('#token-name-error').text()).toBe(
      'An active token already has this name. Choose another, or revoke that token first.',
    )
    expect(document.activeElement).toBe(name.element)
    // Editing the field clears its message.
    await name.setValue('ci-2')
    expect(w.find('#token-name-error').exists()).toBe(false)

    vi.spyOn(store, 'createToken').mockRejectedValueOnce(new ClientError(0, 'network', 'offline'))
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('form [role="alert"]').exists()).toBe(true)
    expect(w.find('#token-name-error').exists()).toBe(false)
    w.unmount()
  })

  it('opens the form on the folder a folder’s action names (?folder=id)', async () => {
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
    api.tokens = [t]
    const revoke = vi.spyOn(store, 'revokeToken')
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
    expect(api.requests.some((r) => r.method === 'DELETE' && r.url === `/api/tokens/${t.id}`)).toBe(
      true,
    )
    expect(items(w)[0]!.find('.badge').text()).toBe('Revoked')
    expect(w.find('.notice-ok').text()).toContain('Revoked api-production.')
    w.unmount()
  })

  it('keeps the confirmation open with the error when the revoke fails', async () => {
    api.tokens = [token()]
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
