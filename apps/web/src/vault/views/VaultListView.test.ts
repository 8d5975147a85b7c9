/** @module Tests of the vault list: search and tag filter over decrypted metadata, without a request, and paging of long lists. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { useVaultStore } from '../stores/vault.store.ts'
import VaultListView from './VaultListView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault

beforeEach(async () => {
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
  await useVaultStore().login(api.username, api.password)
})

async function mountList() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/vault')
  const w = mount(VaultListView, { global: { plugins: [router] } })
  await flushPromises()
  return w
}

const names = (w: Awaited<ReturnType<typeof mountList>>) =>
  w.findAll('.item-title').map((h) => h.text())

describe('VaultListView', () => {
  it('filters by words and by tag in the browser, sending nothing', async () => {
    const store = useVaultStore()
    const meta = (name: string, tags: string[], description = '') => ({
      name,
      description,
      tags,
      path: '',
    })
    await store.createSecret({
      meta: meta('Stripe live', ['prod', 'payments'], 'card payments'),
      value: 'a',
    })
    await store.createSecret({ meta: meta('Stripe test', ['staging', 'payments']), value: 'b' })
    await store.createSecret({ meta: meta('Database', ['prod']), value: 'c' })
    const w = await mountList()
    expect(names(w)).toEqual(['Database', 'Stripe live', 'Stripe test'])
    const before = api.requests.length

    await w.find('input#vault-search').setValue('stripe')
    expect(names(w)).toEqual(['Stripe live', 'Stripe test'])
    await w.find('input#vault-search').setValue('CARD')
    expect(names(w)).toEqual(['Stripe live'])
    await w.find('input#vault-search').setValue('')

    const chip = w.findAll('button.chip').find((b) => b.text().startsWith('prod'))!
    await chip.trigger('click')
    expect(chip.attributes('aria-pressed')).toBe('true')
    expect(names(w)).toEqual(['Database', 'Stripe live'])
    await w.find('input#vault-search').setValue('nothing like it')
    expect(w.text()).toContain('No match')
    expect(api.requests.length).toBe(before)
  })

  it('renders 100 cards at a time with Show more; search still covers all', async () => {
    const store = useVaultStore()
    for (let i = 0; i < 105; i++) {
      await store.createSecret({
        meta: { name: `Key ${i}`, description: '', tags: [], path: '' },
        value: String(i),
      })
    }
    const w = await mountList()
    expect(w.findAll('li.item')).toHaveLength(100)
    const more = w.findAll('button').find((b) => b.text().startsWith('Show more'))!
    expect(more.text()).toBe('Show more (5 left)')
    await w.find('input#vault-search').setValue('key 104')
    expect(names(w)).toEqual(['Key 104'])
    await w.find('input#vault-search').setValue('')
    await w
      .findAll('button')
      .find((b) => b.text().startsWith('Show more'))!
      .trigger('click')
    expect(w.findAll('li.item')).toHaveLength(105)
  }, 60_000)
})

describe('VaultListView folders', () => {
  it('shows the tree and a breadcrumb, filters by folder, creates folders and the environments', async () => {
    const store = useVaultStore()
    await store.mkdir('/app/production')
    await store.createSecret({
      meta: { name: 'DB', description: '', tags: [], path: '/app/production' },
      value: 'x',
    })
    await store.createSecret({
      meta: { name: 'Loose', description: '', tags: [], path: '' },
      value: 'y',
    })
    const w = await mountList()
    const tree = () => w.findAll('nav[aria-label="Folders"] .node').map((b) => b.text())
    expect(tree()).toEqual(['All secrets', '⌂Top level', '›app', '›production'])
    expect(names(w)).toEqual(['DB', 'Loose'])

    await w
      .findAll('.node')
      .find((b) => b.text().endsWith('production'))!
      .trigger('click')
    expect(names(w)).toEqual(['DB'])
    const crumbs = w.findAll('nav[aria-label="Folder path"] button').map((b) => b.text())
    expect(crumbs).toEqual(['All', 'Top level', 'app', 'production'])
    expect(w.find('.path').text()).toBe('/app/production')
    await w
      .findAll('.crumb')
      .find((b) => b.text() === 'Top level')!
      .trigger('click')
    expect(names(w)).toEqual(['Loose'])

    // New folder in the top level, then the environments helper in it.
    await w
      .findAll('button')
      .find((b) => b.text() === 'New folder')!
      .trigger('click')
    await w.find('input#folder-name').setValue('shop')
    await w.find('form.folder-form').trigger('submit')
    await flushPromises()
    expect(w.find('[role="status"].notice-ok').text()).toBe('Created /shop.')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Environments')!
      .trigger('click')
    await w.find('form.folder-form').trigger('submit')
    await flushPromises()
    expect(store.folders.map((f) => f.path)).toEqual([
      '',
      '/app',
      '/app/production',
      '/shop',
      '/shop/development',
      '/shop/production',
      '/shop/staging',
    ])
    // The names went to the server sealed only.
    expect(api.requests.some((r) => r.body?.includes('development'))).toBe(false)

    // A folder with a secret in it cannot be deleted: the server's reason is shown.
    await w
      .findAll('.node')
      .find((b) => b.text().endsWith('production') && !b.attributes('title')?.startsWith('/shop'))!
      .trigger('click')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Delete')!
      .trigger('click')
    await w.find('form.folder-form').trigger('submit')
    await flushPromises()
    expect(w.find('.folder-form [role="alert"]').text()).toContain('not empty')
  })

  it('links a chosen folder to a new token for it, by id (names stay off URLs the server sees)', async () => {
    const store = useVaultStore()
    const made = await store.mkdir('/app/production')
    const w = await mountList()
    const tokenLink = () => w.findAll('a').find((a) => a.text() === 'Create token for this folder')
    // "All secrets" is no folder.
    expect(tokenLink()).toBeUndefined()
    await w
      .findAll('.node')
      .find((b) => b.text().endsWith('production'))!
      .trigger('click')
    expect(tokenLink()!.attributes('href')).toBe(`/vault/tokens?folder=${made.id}`)
  })
})

describe('VaultListView rotation', () => {
  it('a "Rotate" badge with age and interval on secrets due, and only on those', async () => {
    const store = useVaultStore()
    const meta = (name: string) => ({ name, description: '', tags: [], path: '' })
    const monthly = await store.createSecret({
      meta: meta('Monthly'),
      value: 'a',
      rotationDays: 30,
    })
    const plain = await store.createSecret({ meta: meta('Plain'), value: 'b' })
    const yearly = await store.createSecret({ meta: meta('Yearly'), value: 'c', rotationDays: 365 })
    await store.createSecret({ meta: meta('Fresh'), value: 'd', rotationDays: 30 })
    for (const item of [monthly, plain, yearly]) api.age(item.id, 100)
    const w = await mountList()
    const badges = Object.fromEntries(
      w
        .findAll('li.item')
        .map((li) => [
          li.find('.item-title').text(),
          li.find('.rotate').exists() ? li.find('.rotate').text() : null,
        ]),
    )
    expect(badges).toEqual({
      Fresh: null,
      Monthly: 'Rotate due for rotation: 100 days old, interval 30 days',
      Plain: 'Rotate due for rotation: 100 days old, no interval: 90 days',
      Yearly: null,
    })
  })
})
