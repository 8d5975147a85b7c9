/** @module Tests of "My links": status per link, delete with confirmation, forget, clear all. */
import { RouterLinkStub, flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { installFakeShareApi } from '../../testing/fake-share-api.ts'
import { STORAGE_KEY, useLinksStore } from '../stores/links.store.ts'
import LinksView from './LinksView.vue'

const LIVE = 'DDDDDDDDDDDDDDDDDDDDDD'
const GONE = 'EEEEEEEEEEEEEEEEEEEEEE'
let api: ReturnType<typeof installFakeShareApi>

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  api = installFakeShareApi()
})

function seed(labels: { live?: string; gone?: string } = {}): void {
  api.put({ id: LIVE, verifier: 'v', ciphertext: 'c', ttlSeconds: 3600, maxViews: 3 })
  api.shares.get(LIVE)!.viewsLeft = 2
  const store = useLinksStore()
  for (const [id, createdAt, label] of [
    [LIVE, '2025-01-02T00:00:00.000Z', labels.live ?? ''],
    [GONE, '2025-01-01T00:00:00.000Z', labels.gone ?? ''],
  ] as const) {
    store.add({
      id,
      manageToken: `manage-${id}`,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      maxViews: 3,
      createdAt,
      hasPassphrase: false,
      label,
    })
  }
}

const mountView = () => mount(LinksView, { global: { stubs: { RouterLink: RouterLinkStub } } })
const buttons = (w: ReturnType<typeof mountView>, text: string) =>
  w.findAll('button').filter((b) => b.text() === text)

describe('LinksView', () => {
  it('explains the empty list', () => {
    const w = mountView()
    expect(w.text()).toContain('No links yet')
    expect(w.text()).toContain('The links themselves are not stored')
  })

  it('shows each link with its status fetched with the manage token', async () => {
    seed()
    const w = mountView()
    await flushPromises()
    const items = w.findAll('li')
    expect(items).toHaveLength(2)
    expect(items[0]!.text()).toContain('Active')
    expect(items[0]!.text()).toContain('2 of 3')
    expect(items[1]!.text()).toContain('Gone')
    expect(items[1]!.text()).toContain('no longer exists on the server')
    expect(api.requests.map((r) => r.headers['authorization']).sort()).toEqual([
      `Bearer manage-${LIVE}`,
      `Bearer manage-${GONE}`,
    ])
  })

  it('titles a card with its label, the creation time below; unlabelled cards keep "Created …"', async () => {
    seed({ live: 'Staging DB for Alex' })
    const w = mountView()
    await flushPromises()
    const [labelled, plain] = w.findAll('li')
    const title = labelled!.find('h2')
    expect(title.text()).toMatch(/^Staging DB for Alex\s*, status: Active$/)
    expect(labelled!.find('.item-heading .hint').text()).toMatch(/^Created .+ · .+/)
    expect(plain!.find('h2').text()).toMatch(/^Created .+, status: Gone$/)
    expect(plain!.find('.item-heading .hint').text()).not.toContain('Created')
  })

  it('shows entries saved before labels existed', async () => {
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify([
        {
          id: GONE,
          manageToken: `manage-${GONE}`,
          expiresAt: new Date(Date.now() + 3600_000).toISOString(),
          maxViews: 1,
          createdAt: '2025-01-01T00:00:00.000Z',
          hasPassphrase: true,
        },
      ]),
    )
    const w = mountView()
    await flushPromises()
    const items = w.findAll('li')
    expect(items).toHaveLength(1)
    expect(items[0]!.find('h2').text()).toMatch(/^Created .+, status: Gone$/)
    expect(items[0]!.text()).toContain('Forget')
  })

  it('deletes a link after confirmation', async () => {
    seed()
    const w = mountView()
    await flushPromises()
    await buttons(w, 'Delete now')[0]!.trigger('click')
    await buttons(w, 'Yes, delete it')[0]!.trigger('click')
    await flushPromises()
    expect(api.shares.has(LIVE)).toBe(false)
    expect(w.findAll('li')[0]!.text()).toContain('Gone')
  })

  it('forgets a link without deleting the share', async () => {
    seed()
    const w = mountView()
    await flushPromises()
    const before = api.requests.length
    await buttons(w, 'Forget')[0]!.trigger('click')
    expect(w.findAll('li')).toHaveLength(1)
    expect(api.requests).toHaveLength(before)
    expect(api.shares.has(LIVE)).toBe(true)
  })

  it('clears all after confirmation', async () => {
    seed()
    const w = mountView()
    await flushPromises()
    await buttons(w, 'Clear all')[0]!.trigger('click')
    await buttons(w, 'Yes, forget all')[0]!.trigger('click')
    expect(w.findAll('li')).toHaveLength(0)
    expect(w.text()).toContain('No links yet')
  })
})
