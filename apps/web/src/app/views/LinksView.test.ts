/** @module Tests of "My links": status per link, delete with confirmation, forget, clear all. */
import { RouterLinkStub, flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
    expect(items[1]!.text()).toContain('No longer on the server')
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
    expect(w.findAll('li')[0]!.text()).toContain('Deleted')
    expect(buttons(w, 'Delete now')).toHaveLength(0)
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

describe('LinksView: how each share ended', () => {
  const MINUTE = 60_000
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

  /** A link this browser made, stored on the fake server, ended by `end` when given. */
  function made(
    id: string,
    opts: { maxViews?: number; hasPassphrase?: boolean; opens?: number[] } = {},
  ): void {
    const maxViews = opts.maxViews ?? 1
    api.put({ id, verifier: 'v', ciphertext: 'c', ttlSeconds: 3600, maxViews })
    const share = api.shares.get(id)!
    for (const msAgo of opts.opens ?? []) share.opens.push(ago(msAgo))
    share.viewsLeft = maxViews - share.opens.length
    useLinksStore().add({
      id,
      manageToken: `manage-${id}`,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      maxViews,
      createdAt: ago(10 * MINUTE),
      hasPassphrase: opts.hasPassphrase ?? false,
      label: id.slice(0, 4),
    })
  }

  const card = (w: ReturnType<typeof mountView>, label: string) => {
    const found = w.findAll('li').find((li) => li.find('h2').text().startsWith(label))
    if (!found) throw new Error(`no card ${label}`)
    return found
  }

  afterEach(() => vi.useRealTimers())

  it('says "Read 2 minutes ago", "Expired unread", "Deleted", "Destroyed after 5 wrong passphrases"', async () => {
    made('READ__________________', { opens: [2 * MINUTE] })
    api.end('READ__________________', 'read', ago(2 * MINUTE))
    made('EXPI__________________')
    api.end('EXPI__________________', 'expired', ago(3 * 3600_000))
    made('DELE__________________')
    api.end('DELE__________________', 'deleted', ago(5 * MINUTE))
    made('DEST__________________', { hasPassphrase: true })
    api.end('DEST__________________', 'destroyed', ago(MINUTE))
    const w = mountView()
    await flushPromises()
    const read = card(w, 'READ')
    expect(read.find('.badge').text()).toBe('Read')
    expect(read.find('.outcome').text()).toMatch(/^Read\s+2 minutes ago/)
    expect(card(w, 'EXPI').find('.outcome').text()).toMatch(/^Expired unread\s+3 hours ago/)
    expect(card(w, 'DELE').find('.outcome').text()).toMatch(/^Deleted\s+5 minutes ago/)
    expect(card(w, 'DEST').find('.outcome').text()).toMatch(
      /^Destroyed after 5 wrong passphrases\s+1 minute ago/,
    )
    expect(card(w, 'DEST').find('.badge').classes()).toContain('badge-destroyed')
    // An ended share cannot be deleted again, and has no views left to show.
    for (const label of ['READ', 'EXPI', 'DELE', 'DEST']) {
      expect(card(w, label).text()).not.toContain('Delete now')
      expect(card(w, label).text()).not.toContain('Views left')
    }
  })

  it('an expired multi-view share says how many views were opened, and when', async () => {
    made('PART__________________', { maxViews: 3, opens: [90 * MINUTE] })
    api.end('PART__________________', 'expired', ago(MINUTE))
    const w = mountView()
    await flushPromises()
    const c = card(w, 'PART')
    expect(c.find('.outcome').text()).toMatch(/^Expired after 1 of 3 views/)
    expect(c.find('.opens').text()).toMatch(/Opened\s+2 hours ago/)
  })

  it('lists the opens of a live multi-view share so far, newest first', async () => {
    made('LIVE__________________', { maxViews: 5, opens: [60 * MINUTE, 3 * MINUTE] })
    made('NONE__________________', { maxViews: 5 })
    const w = mountView()
    await flushPromises()
    const c = card(w, 'LIVE')
    expect(c.find('.badge').text()).toBe('Active')
    expect(c.text()).toContain('3 of 5')
    expect(c.find('.opens').text()).toMatch(/^Opened\s+3 minutes ago,\s+60 minutes ago$/)
    expect(card(w, 'NONE').text()).toContain('Not opened yet.')
  })

  it('keeps relative times current while the page stays open', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    made('READ__________________', { opens: [2 * MINUTE] })
    api.end('READ__________________', 'read', ago(2 * MINUTE))
    const w = mountView()
    await flushPromises()
    expect(card(w, 'READ').find('.outcome time').text()).toBe('2 minutes ago')
    vi.advanceTimersByTime(3 * MINUTE)
    await flushPromises()
    expect(card(w, 'READ').find('.outcome time').text()).toBe('5 minutes ago')
  })
})
