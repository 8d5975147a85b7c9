/** @module Tests of a secret's page: reveal, edit with check-and-set (the 409 message and Reload), restore. */
import { flushPromises, mount } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { CONFLICT_MESSAGE } from '../lib/errors.ts'
import { useVaultStore } from '../stores/vault.store.ts'
import VaultSecretView from './VaultSecretView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault
let id: string

beforeEach(async () => {
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
  const store = useVaultStore()
  await store.login(api.username, api.password)
  const item = await store.createSecret({
    meta: { name: 'Stripe key', description: 'live', tags: ['prod'], path: '/pay/prod' },
    value: 'sk_live_1',
  })
  id = item.id
})

async function mountPage(): Promise<VueWrapper> {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push(`/vault/secrets/${id}`)
  const w = mount(VaultSecretView, { props: { id }, global: { plugins: [router] } })
  await flushPromises()
  return w
}

const button = (w: VueWrapper, text: string) => {
  const b = w.findAll('button').find((x) => x.text().startsWith(text))
  if (!b) throw new Error(`no button "${text}" in ${w.text()}`)
  return b
}

describe('VaultSecretView', () => {
  it('shows the decrypted metadata and reveals the value only on request', async () => {
    const w = await mountPage()
    expect(w.find('h1').text()).toBe('Stripe key')
    expect(w.text()).toContain('/pay/prod')
    expect(w.text()).not.toContain('sk_live_1')
    const reads = () =>
      api.requests.filter(
        (r) =>
          r.method === 'GET' &&
          r.url.startsWith(`/api/secrets/${id}`) &&
          !r.url.endsWith('/shares'),
      )
    expect(reads()).toHaveLength(0)
    await button(w, 'Reveal value').trigger('click')
    await flushPromises()
    expect((w.find('textarea#secret-value-shown').element as HTMLTextAreaElement).value).toBe(
      'sk_live_1',
    )
    expect(reads()).toHaveLength(1)
    await button(w, 'Hide').trigger('click')
    expect(w.find('textarea#secret-value-shown').exists()).toBe(false)
  })

  it('on 409 says someone else changed it and offers Reload; after Reload the edit goes through', async () => {
    const w = await mountPage()
    await button(w, 'Edit').trigger('click')
    await w.find('input#secret-name').setValue('Stripe key (rotated)')
    api.touch(id) // another browser saved in between
    await w.find('form').trigger('submit')
    await flushPromises()
    const alert = w.find('[role="alert"]')
    expect(alert.text()).toContain(CONFLICT_MESSAGE)
    expect(api.secrets.get(id)!.summary.meta.revision).toBe(1)

    await button(w, 'Reload').trigger('click')
    await flushPromises()
    expect(w.text()).toContain('Reloaded with the latest changes')
    await w.find('input#secret-name').setValue('Stripe key (rotated)')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[role="alert"]').exists() ? w.find('[role="alert"]').text() : null).toBe(null)
    expect(w.find('h1').text()).toBe('Stripe key (rotated)')
    expect(api.secrets.get(id)!.summary.meta.revision).toBe(2)
  })

  it('restores an older version from the timeline', async () => {
    const store = useVaultStore()
    await store.updateSecret(id, { value: 'sk_live_2' })
    const w = await mountPage()
    expect(w.findAll('.version')).toHaveLength(2)
    await button(w, 'Restore this version').trigger('click')
    await vi.waitFor(() => expect(w.text()).toContain('Version 1 restored as version 3'))
    expect((await store.readValue(id)).value).toBe('sk_live_1')
  })
})

describe('VaultSecretView move', () => {
  it('moves the secret to another folder; its value still opens there', async () => {
    const store = useVaultStore()
    const dest = await store.mkdir('/ops/prod')
    const w = await mountPage()
    await button(w, 'Move').trigger('click')
    const options = w.findAll('select#move-dest option').map((o) => o.text())
    expect(options).toEqual(['/ops', '/ops/prod'])
    await w.find('select#move-dest').setValue(dest.id)
    await w
      .findAll('.confirm button')
      .find((b) => b.text() === 'Move')!
      .trigger('click')
    await flushPromises()
    expect(w.find('[role="status"]').text()).toBe('Moved to /ops/prod.')
    expect(w.find('.path').text()).toBe('/ops/prod')
    expect(store.find(id)?.summary.folderId).toBe(dest.id)
    expect((await store.readValue(id)).value).toBe('sk_live_1')
    const move = api.requests.find((r) => r.url.endsWith('/move'))!
    expect(move.headers['if-match']).toBe('"1"')
    expect(move.body).not.toContain('Stripe')
  })
})

describe('VaultSecretView rotation interval', () => {
  it('sets, shows and clears the interval; only a change is sent', async () => {
    const w = await mountPage()
    expect(w.find('.dates').text()).toContain('no rotation interval')
    await button(w, 'Edit').trigger('click')
    const field = w.find('input#secret-rotation')
    expect((field.element as HTMLInputElement).value).toBe('')
    await field.setValue('0')
    const before = api.requests.length
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('#secret-rotation-hint').text()).toContain('whole number of days from 1 to 3650')
    expect(api.requests.length).toBe(before)

    await field.setValue('30')
    await w.find('form').trigger('submit')
    await flushPromises()
    const put = api.requests.filter((r) => r.method === 'PUT').at(-1)!
    expect(JSON.parse(put.body!)).toMatchObject({ rotationDays: 30 })
    expect(w.find('.dates').text()).toContain('rotate every 30 days')
    expect(w.find('.due').exists()).toBe(false)

    // 40 days on, the page says the value is due.
    api.age(id, 40)
    await useVaultStore().refresh()
    await flushPromises()
    expect(w.find('.due').text()).toContain('the current value is 40 days old (interval 30 days)')

    // Saving without touching the interval does not send it; clearing it sends null.
    await button(w, 'Edit').trigger('click')
    expect((w.find('input#secret-rotation').element as HTMLInputElement).value).toBe('30')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(
      JSON.parse(api.requests.filter((r) => r.method === 'PUT').at(-1)!.body!),
    ).not.toHaveProperty('rotationDays')
    await button(w, 'Edit').trigger('click')
    await w.find('input#secret-rotation').setValue('')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(JSON.parse(api.requests.filter((r) => r.method === 'PUT').at(-1)!.body!)).toMatchObject({
      rotationDays: null,
    })
    expect(w.find('.dates').text()).toContain('no rotation interval')
  })
})
