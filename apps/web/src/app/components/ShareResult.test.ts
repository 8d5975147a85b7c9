/** @module Tests of the result view: link, copy, QR code, policy, passphrase note and Delete now. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { installFakeShareApi } from '../../testing/fake-share-api.ts'
import type { CreatedShare } from '../created-share.ts'
import { useLinksStore } from '../stores/links.store.ts'
import ShareResult from './ShareResult.vue'

const ID = 'AAAAAAAAAAAAAAAAAAAAAA'
const LINK = `http://localhost:3000/s#1.${'x'.repeat(43)}`

function share(over: Partial<CreatedShare> = {}): CreatedShare {
  return {
    link: LINK,
    id: ID,
    expiresAt: new Date(Date.now() + 3 * 86400_000).toISOString(),
    ttlSeconds: 3 * 86400,
    maxViews: 1,
    hasPassphrase: false,
    label: '',
    ...over,
  }
}

let api: ReturnType<typeof installFakeShareApi>

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  api = installFakeShareApi()
})

const button = (w: ReturnType<typeof mount>, text: string) =>
  w.findAll('button').find((b) => b.text() === text)

describe('ShareResult', () => {
  it('shows the full link read-only, the expiry, the views and a QR code', () => {
    const w = mount(ShareResult, { props: { share: share({ maxViews: 3 }) } })
    const input = w.find('#link')
    expect((input.element as HTMLTextAreaElement).value).toBe(LINK)
    expect(input.attributes('readonly')).toBeDefined()
    expect(w.find('label[for="link"]').text()).toBe('Secret link')
    expect(w.text()).toContain('in 3 days')
    expect(w.text()).toContain('3 views, then it is destroyed')
    const svg = w.find('svg.qr')
    expect(svg.attributes('role')).toBe('img')
    expect(svg.attributes('aria-label')).toBe('QR code of the secret link')
    expect(svg.find('path').attributes('d')).toMatch(/^M\d+ \d+h\d+v1h-\d+z/)
  })

  it('shows the label when the creator gave one, and no Label row otherwise', () => {
    const w = mount(ShareResult, { props: { share: share({ label: 'Staging DB for Alex' }) } })
    expect(w.find('dl').text()).toContain('Staging DB for Alex')
    const plain = mount(ShareResult, { props: { share: share() } })
    expect(plain.findAll('dt').map((d) => d.text())).not.toContain('Label')
  })

  it('reminds the sender to send the passphrase separately', () => {
    const w = mount(ShareResult, { props: { share: share({ hasPassphrase: true }) } })
    expect(w.text()).toContain('Send the passphrase separately')
    const plain = mount(ShareResult, { props: { share: share() } })
    expect(plain.text()).not.toContain('Send the passphrase separately')
    expect(plain.text()).toContain('Anyone who has this link can open the secret.')
  })

  it('copies the link and says "Copied"', async () => {
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const w = mount(ShareResult, { props: { share: share() } })
    await button(w, 'Copy')!.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(LINK)
    expect(button(w, 'Copied')).toBeDefined()
    expect(w.text()).toContain('Link copied to the clipboard.')
  })

  it('selects the link for a manual copy when the clipboard is refused', async () => {
    const writeText = vi.fn(async () => {
      throw new DOMException('denied', 'NotAllowedError')
    })
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const w = mount(ShareResult, { props: { share: share() }, attachTo: document.body })
    await button(w, 'Copy')!.trigger('click')
    await flushPromises()
    const input = w.find('#link').element as HTMLTextAreaElement
    expect(document.activeElement).toBe(input)
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, LINK.length])
    expect(w.text()).toContain('Press Ctrl+C')
    w.unmount()
  })

  it('deletes the share after a confirmation, with the manage token', async () => {
    api.put({ id: ID, verifier: 'v', ciphertext: 'c', ttlSeconds: 300, maxViews: 1 })
    const links = useLinksStore()
    links.add({
      id: ID,
      manageToken: `manage-${ID}`,
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
      maxViews: 1,
      createdAt: new Date().toISOString(),
      hasPassphrase: false,
      label: '',
    })
    const w = mount(ShareResult, { props: { share: share() } })
    await button(w, 'Delete now')!.trigger('click')
    expect(api.fetch).not.toHaveBeenCalled()
    expect(w.text()).toContain('Delete this secret now?')
    await button(w, 'Yes, delete it')!.trigger('click')
    await flushPromises()
    expect(api.requests).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        url: `/api/share/${ID}`,
        headers: expect.objectContaining({ authorization: `Bearer manage-${ID}` }),
      }),
    ])
    expect(w.find('h1').text()).toBe('Secret deleted')
    expect(w.find('#link').exists()).toBe(false)
    expect(links.statuses[ID]).toMatchObject({ state: 'deleted' })
  })

  it('cancels Delete now without a request', async () => {
    const w = mount(ShareResult, { props: { share: share() } })
    await button(w, 'Delete now')!.trigger('click')
    await button(w, 'Cancel')!.trigger('click')
    expect(api.fetch).not.toHaveBeenCalled()
    expect(button(w, 'Delete now')).toBeDefined()
  })

  it('emits "again" from Create another', async () => {
    const w = mount(ShareResult, { props: { share: share() } })
    await button(w, 'Create another')!.trigger('click')
    expect(w.emitted('again')).toHaveLength(1)
  })
})
