/** @module The Account page's "Due for rotation": decrypted names and paths of the secrets due, linked, oldest first. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { useVaultStore } from '../stores/vault.store.ts'
import StaleSecrets from './StaleSecrets.vue'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault
beforeEach(async () => {
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
  await useVaultStore().login(api.username, api.password)
})

async function mountSection() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/vault/account')
  const w = mount(StaleSecrets, { global: { plugins: [router] } })
  await flushPromises()
  return w
}

describe('StaleSecrets', () => {
  it('says when nothing is due', async () => {
    const store = useVaultStore()
    await store.createSecret({
      meta: { name: 'New', description: '', tags: [], path: '' },
      value: 'v',
      rotationDays: 7,
    })
    const w = await mountSection()
    expect(w.text()).toContain('Nothing is due for rotation.')
    expect(w.find('ul').exists()).toBe(false)
  })

  it('lists the secrets due with their paths and links, oldest first', async () => {
    const store = useVaultStore()
    await store.mkdir('/app/production')
    const db = await store.createSecret({
      meta: { name: 'DB_PASSWORD', description: '', tags: [], path: '/app/production' },
      value: 'a',
      rotationDays: 30,
    })
    const old = await store.createSecret({
      meta: { name: 'OLD_TOKEN', description: '', tags: [], path: '' },
      value: 'b',
    })
    const fine = await store.createSecret({
      meta: { name: 'FINE', description: '', tags: [], path: '' },
      value: 'c',
    })
    api.age(db.id, 45)
    api.age(old.id, 120)
    api.age(fine.id, 45)
    const w = await mountSection()
    expect(w.find('[role="status"]').text()).toBe('2 secrets are due.')
    const rows = w.findAll('li.due-item').map((li) => ({
      name: li.find('a').text(),
      href: li.find('a').attributes('href'),
      path: li.find('.due-path').text(),
      age: li.find('.due-age').text(),
    }))
    expect(rows).toEqual([
      {
        name: 'OLD_TOKEN',
        href: `/vault/secrets/${old.id}`,
        path: '/OLD_TOKEN',
        age: '120 days old, no interval: 90 days',
      },
      {
        name: 'DB_PASSWORD',
        href: `/vault/secrets/${db.id}`,
        path: '/app/production/DB_PASSWORD',
        age: '45 days old, interval 30 days',
      },
    ])
  })
})
