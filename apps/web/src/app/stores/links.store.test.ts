/** @module Tests of useLinksStore: persistence, status, delete, and that links (fragments) are never stored. */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { installFakeShareApi } from '../../testing/fake-share-api.ts'
import { LABEL_MAX_LENGTH, STORAGE_KEY, useLinksStore } from './links.store.ts'
import type { SavedLink } from './links.store.ts'

const ID = 'BBBBBBBBBBBBBBBBBBBBBB'
const OTHER = 'CCCCCCCCCCCCCCCCCCCCCC'
const IN_AN_HOUR = new Date(Date.now() + 3600_000).toISOString()
let api: ReturnType<typeof installFakeShareApi>

function saved(over: Partial<SavedLink> = {}): SavedLink {
  return {
    id: ID,
    manageToken: `manage-${ID}`,
    expiresAt: IN_AN_HOUR,
    maxViews: 2,
    createdAt: '2025-01-01T10:00:00.000Z',
    hasPassphrase: true,
    label: '',
    ...over,
  }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  api = installFakeShareApi()
})

describe('useLinksStore', () => {
  it('persists links in localStorage and loads them in a new session', () => {
    useLinksStore().add(saved())
    useLinksStore().add(
      saved({ id: OTHER, manageToken: 'manage-other', createdAt: '2025-01-02T10:00:00.000Z' }),
    )
    setActivePinia(createPinia())
    const again = useLinksStore()
    expect(again.links.map((l) => l.id)).toEqual([OTHER, ID])
    expect(again.links[1]).toEqual(saved())
  })

  it('never stores the link or its fragment, even when a caller passes one', () => {
    const fragment = `1.${'s'.repeat(43)}.p`
    const withExtras = { ...saved(), fragment, link: `http://x/s#${fragment}` } as SavedLink
    useLinksStore().add(withExtras)
    const raw = localStorage.getItem(STORAGE_KEY)!
    expect(raw).not.toContain('s'.repeat(43))
    expect(Object.keys(JSON.parse(raw)[0]).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'hasPassphrase',
      'id',
      'label',
      'manageToken',
      'maxViews',
    ])
  })

  it('keeps the label trimmed and capped, and only in localStorage', () => {
    const store = useLinksStore()
    store.add(saved({ label: '  Staging DB for Alex \n' }))
    store.add(saved({ id: OTHER, label: 'x'.repeat(200) }))
    setActivePinia(createPinia())
    const again = useLinksStore()
    expect(again.links.find((l) => l.id === ID)!.label).toBe('Staging DB for Alex')
    expect(again.links.find((l) => l.id === OTHER)!.label).toBe('x'.repeat(LABEL_MAX_LENGTH))
    expect(api.fetch).not.toHaveBeenCalled()
  })

  it('loads entries saved before labels existed, with an empty label', () => {
    const { label: _none, ...old } = saved()
    localStorage.setItem(STORAGE_KEY, JSON.stringify([old, { ...saved({ id: OTHER }), label: 7 }]))
    const store = useLinksStore()
    expect(store.links.map((l) => [l.id, l.label])).toEqual([
      [ID, ''],
      [OTHER, ''],
    ])
  })

  it('ignores malformed storage instead of failing', () => {
    localStorage.setItem(STORAGE_KEY, '{"not":"an array"')
    expect(useLinksStore().links).toEqual([])
    setActivePinia(createPinia())
    localStorage.setItem(STORAGE_KEY, JSON.stringify([saved(), { id: 1 }, null]))
    expect(useLinksStore().links).toEqual([saved()])
  })

  it('forgets one link, and clears all', () => {
    const store = useLinksStore()
    store.add(saved())
    store.add(saved({ id: OTHER, manageToken: 'manage-other' }))
    store.forget(ID)
    expect(store.links.map((l) => l.id)).toEqual([OTHER])
    expect(localStorage.getItem(STORAGE_KEY)).not.toContain(ID)
    store.clear()
    expect(store.links).toEqual([])
    expect(localStorage.getItem(STORAGE_KEY)).toBeNull()
    expect(api.fetch).not.toHaveBeenCalled()
  })

  it('fetches the status with the manage token', async () => {
    api.put({ id: ID, verifier: 'v', ciphertext: 'c', ttlSeconds: 3600, maxViews: 2 })
    api.shares.get(ID)!.viewsLeft = 1
    const store = useLinksStore()
    store.add(saved())
    await store.refresh(ID)
    expect(store.statuses[ID]).toEqual({
      state: 'active',
      viewsLeft: 1,
      failedAttempts: 0,
      opens: [],
    })
    expect(api.requests[0]).toMatchObject({
      method: 'GET',
      url: `/api/share/${ID}/status`,
      headers: { authorization: `Bearer manage-${ID}` },
    })
  })

  it('marks a share the server no longer has (404) as gone', async () => {
    const store = useLinksStore()
    store.add(saved())
    await store.refresh(ID)
    expect(store.statuses[ID]).toEqual({ state: 'gone' })
  })

  it('asks about an expired share too: its receipt says it expired unread', async () => {
    api.put({ id: ID, verifier: 'v', ciphertext: 'c', ttlSeconds: 3600, maxViews: 2 })
    api.end(ID, 'expired', '2025-01-01T11:00:00.000Z')
    const store = useLinksStore()
    store.add(saved({ expiresAt: '2025-01-01T11:00:00.000Z' }))
    await store.refreshAll()
    expect(store.statuses[ID]).toEqual({
      state: 'expired',
      endedAt: '2025-01-01T11:00:00.000Z',
      opens: [],
      failedAttempts: 0,
    })
  })

  it('keeps how a share ended, so it still shows once the server has swept the receipt', async () => {
    api.put({ id: ID, verifier: 'v', ciphertext: 'c', ttlSeconds: 3600, maxViews: 1 })
    api.shares.get(ID)!.opens.push('2025-01-01T10:30:00.000Z')
    api.end(ID, 'read', '2025-01-01T10:30:00.000Z')
    useLinksStore().add(saved())
    await useLinksStore().refresh(ID)
    const ending = {
      state: 'read',
      endedAt: '2025-01-01T10:30:00.000Z',
      opens: ['2025-01-01T10:30:00.000Z'],
      failedAttempts: 0,
    }
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]')[0].ending).toEqual(ending)
    api.receipts.clear()
    setActivePinia(createPinia())
    const again = useLinksStore()
    const before = api.requests.length
    await again.refresh(ID)
    expect(again.statuses[ID]).toEqual(ending)
    // An ending is final: the server is not asked again.
    expect(api.requests).toHaveLength(before)
  })

  it('drops a malformed stored ending instead of trusting it', () => {
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify([{ ...saved(), ending: { state: 'hacked', endedAt: 'x', opens: [] } }]),
    )
    expect(useLinksStore().links[0]?.ending).toBeUndefined()
  })

  it('reports other failures as an error status', async () => {
    api.respondOnce(() => new Response('<html>bad gateway</html>', { status: 502 }))
    const store = useLinksStore()
    store.add(saved())
    await store.refresh(ID)
    expect(store.statuses[ID]).toEqual({
      state: 'error',
      message: 'The server had a problem. Please try again in a moment.',
    })
  })

  it('deletes a share now with the manage token; an already-gone share counts as deleted', async () => {
    api.put({ id: ID, verifier: 'v', ciphertext: 'c', ttlSeconds: 3600, maxViews: 2 })
    const store = useLinksStore()
    store.add(saved())
    await store.deleteNow(ID)
    expect(api.shares.has(ID)).toBe(false)
    expect(store.statuses[ID]).toMatchObject({ state: 'deleted', opens: [] })
    await expect(store.deleteNow(ID)).resolves.toBeUndefined()
    // The entry stays listed (as deleted) until the user forgets it.
    expect(store.links).toHaveLength(1)
  })
})
