/** @module Tests of the recipient page: nothing is sent before Reveal, the fragment leaves the address bar, every outcome reads clearly. */
import { createShare } from '@secretsentry/envelope'
import { flushPromises, mount } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installFakeShareApi } from '../testing/fake-share-api.ts'
import RevealPage from './RevealPage.vue'

type Api = ReturnType<typeof installFakeShareApi>
let api: Api
let wrapper: VueWrapper | undefined

beforeEach(() => {
  api = installFakeShareApi()
})

afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  window.history.replaceState(null, '', '/')
  sessionStorage.clear()
})

/** A reload of the same tab: the page mounts again at /s, with no fragment in the address bar. */
async function reloadPage(): Promise<VueWrapper> {
  wrapper?.unmount()
  wrapper = undefined
  return mountPage()
}

/** Creates a real share with the real envelope, stores it in the fake API and opens /s#<fragment>. */
async function openLink(
  text: string,
  opts: { maxViews?: number; passphrase?: string; ttlSeconds?: number } = {},
): Promise<{ fragment: string; ciphertext: string }> {
  const { fragment, request } = await createShare(
    { kind: 'text', text },
    {
      ttlSeconds: opts.ttlSeconds ?? 3600,
      maxViews: opts.maxViews ?? 1,
      ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
    },
  )
  api.put(request)
  window.history.replaceState(null, '', `/s#${fragment}`)
  return { fragment, ciphertext: request.ciphertext }
}

async function mountPage(): Promise<VueWrapper> {
  wrapper = mount(RevealPage, { attachTo: document.body })
  await flushPromises()
  return wrapper
}

async function reveal(w: VueWrapper): Promise<void> {
  await w.find('form').trigger('submit')
  await vi.waitFor(
    () => {
      expect(w.find('button[type="submit"]').exists() && w.text().includes('Opening…')).toBe(false)
    },
    { timeout: 10_000, interval: 20 },
  )
  await flushPromises()
}

describe('RevealPage', () => {
  it('makes no network request before Reveal is pressed (link previewers cannot burn a view)', async () => {
    await openLink('preview-safe')
    const w = await mountPage()
    await new Promise((r) => setTimeout(r, 50))
    expect(api.fetch).not.toHaveBeenCalled()
    expect(w.text()).toContain(
      'This secret may be viewable only once. Reveal it when you are ready.',
    )
    expect(w.find('button[type="submit"]').text()).toBe('Reveal secret')
  })

  it('removes the fragment from the address bar as soon as it is read', async () => {
    const { fragment } = await openLink('fragment-leaves')
    const replace = vi.spyOn(window.history, 'replaceState')
    const w = await mountPage()
    expect(replace).toHaveBeenCalledWith(null, '', '/s')
    expect(window.location.hash).toBe('')
    expect(window.location.href).not.toContain(fragment.slice(2))
    // …and the page still works from the copy it kept.
    await reveal(w)
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('fragment-leaves')
  })

  it('reveals the text with views left and expiry, using one open request that carries only access', async () => {
    const { fragment } = await openLink('hello\nworld', { maxViews: 3 })
    const w = await mountPage()
    expect(w.find('#passphrase').exists()).toBe(false)
    await reveal(w)
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('hello\nworld')
    expect(w.text()).toContain('It can be viewed 2 more times')
    expect(w.text()).toMatch(/expires in (1 hour|60 minutes)/)
    expect(w.text()).not.toContain('This was the last view')
    expect(api.requests).toHaveLength(1)
    const [req] = api.requests
    expect(req!.method).toBe('POST')
    expect(req!.url).toMatch(/^\/api\/share\/[A-Za-z0-9_-]{22}\/open$/)
    expect(Object.keys(JSON.parse(req!.body!))).toEqual(['access'])
    expect(req!.body).not.toContain(fragment.slice(2))
  })

  it('says clearly when this was the last view', async () => {
    await openLink('only once', { maxViews: 1 })
    const w = await mountPage()
    await reveal(w)
    expect(w.text()).toContain('This was the last view; the secret is now destroyed on the server.')
    expect(w.text()).toContain('Copy it now if you need it.')
  })

  it('asks for the passphrase on .p links and opens with the right one', async () => {
    const { fragment } = await openLink('behind a passphrase', { passphrase: 'correct horse' })
    expect(fragment.endsWith('.p')).toBe(true)
    const w = await mountPage()
    const input = w.find('#passphrase')
    expect(input.exists()).toBe(true)
    expect(w.find('label[for="passphrase"]').text()).toBe('Passphrase')
    expect(w.find('button[type="submit"]').attributes('disabled')).toBeDefined()
    await input.setValue('correct horse')
    expect(w.find('button[type="submit"]').attributes('disabled')).toBeUndefined()
    await reveal(w)
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('behind a passphrase')
  })

  it('says "Wrong passphrase" with the attempts left, and lets the recipient try again', async () => {
    await openLink('guarded', { passphrase: 'right one' })
    const w = await mountPage()
    await w.find('#passphrase').setValue('wrong one')
    await reveal(w)
    expect(w.find('[role="alert"]').text()).toBe('Wrong passphrase. 4 attempts left.')
    expect(w.find('#passphrase').attributes('aria-invalid')).toBe('true')
    await w.find('#passphrase').setValue('right one')
    await reveal(w)
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('guarded')
  })

  it('says the secret is destroyed when no attempts are left', async () => {
    await openLink('doomed', { passphrase: 'right one' })
    const w = await mountPage()
    api.respondOnce(() =>
      api.json(403, { error: { code: 'wrong_access', message: 'Wrong access', attemptsLeft: 0 } }),
    )
    await w.find('#passphrase').setValue('wrong')
    await reveal(w)
    expect(w.find('h1').text()).toBe('Secret destroyed')
    expect(w.find('#passphrase').exists()).toBe(false)
  })

  it('shows one calm message for unknown, expired and used-up secrets (404)', async () => {
    await openLink('gone already')
    api.shares.clear()
    const w = await mountPage()
    await reveal(w)
    expect(w.text()).toContain(
      "This secret doesn't exist, has expired, or has already been viewed.",
    )
    expect(w.find('button[type="submit"]').exists()).toBe(false)
  })

  it('asks to wait when rate limited (429 with Retry-After)', async () => {
    await openLink('later')
    const w = await mountPage()
    api.respondOnce(() =>
      api.json(
        429,
        { error: { code: 'rate_limited', message: 'Slow down' } },
        { 'retry-after': '17' },
      ),
    )
    await reveal(w)
    expect(w.find('[role="alert"]').text()).toBe('Too many requests. Try again in 17 s.')
    // Still ready: the view was not consumed, so the recipient can try again.
    expect(w.find('button[type="submit"]').attributes('disabled')).toBeUndefined()
  })

  it('explains a decryption failure (altered ciphertext)', async () => {
    await openLink('tamper target')
    const [share] = api.shares.values()
    const bytes = share!.ciphertext.split('')
    bytes[40] = bytes[40] === 'A' ? 'B' : 'A'
    share!.ciphertext = bytes.join('')
    const w = await mountPage()
    await reveal(w)
    expect(w.find('h1').text()).toBe('Could not open the secret')
    expect(w.text()).toContain('could not be decrypted')
  })

  it('keeps the plaintext only in component state, and Done clears it from the page', async () => {
    await openLink('canary-7f3a9c', { maxViews: 2 })
    const w = await mountPage()
    await reveal(w)
    expect(w.html()).toContain('canary-7f3a9c')
    const stored = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    expect(stored).not.toContain('canary-7f3a9c')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Done, hide it')!
      .trigger('click')
    expect(w.html()).not.toContain('canary-7f3a9c')
    expect(w.find('h1').text()).toBe('Secret hidden')
  })

  it('copies the revealed text to the clipboard', async () => {
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    await openLink('copy me')
    const w = await mountPage()
    await reveal(w)
    await w
      .findAll('button')
      .find((b) => b.text() === 'Copy')!
      .trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith('copy me')
    expect(w.text()).toContain('Copied')
  })

  it('offers a download for file secrets', async () => {
    const { fragment, request } = await createShare(
      {
        kind: 'file',
        name: 'key.pem',
        type: 'application/x-pem-file',
        data: new Uint8Array([1, 2, 3]),
      },
      { ttlSeconds: 3600, maxViews: 1 },
    )
    api.put(request)
    window.history.replaceState(null, '', `/s#${fragment}`)
    const createObjectURL = vi.fn(() => 'blob:fake')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }))
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    const w = await mountPage()
    await reveal(w)
    expect(w.text()).toContain('key.pem')
    expect(w.text()).toContain('3 bytes')
    // A file is kept by downloading it; there is nothing to copy.
    expect(w.text()).toContain('Download it now if you need it.')
    expect(w.text()).not.toContain('Copy it')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Download')!
      .trigger('click')
    expect(createObjectURL).toHaveBeenCalledOnce()
    expect(click).toHaveBeenCalledOnce()
  })

  it('says a damaged link is not valid, without any request', async () => {
    window.history.replaceState(null, '', '/s#1.not-a-real-seed')
    const w = await mountPage()
    expect(w.find('h1').text()).toBe('This link is not valid')
    expect(window.location.hash).toBe('')
    expect(api.fetch).not.toHaveBeenCalled()
  })

  it('never accepts a key from a query string', async () => {
    const { fragment } = await openLink('query-key')
    for (const query of [`?${fragment}`, `?key=${fragment}`, `?k=${fragment.slice(2)}`]) {
      window.history.replaceState(null, '', `/s${query}`)
      const w = await mountPage()
      expect(w.find('h1').text()).toBe('No secret in this link')
      expect(w.find('button[type="submit"]').exists()).toBe(false)
      w.unmount()
      wrapper = undefined
    }
    expect(api.fetch).not.toHaveBeenCalled()
  })

  it('explains a link without a fragment (a fresh tab that never had one)', async () => {
    window.history.replaceState(null, '', '/s')
    const w = await mountPage()
    expect(w.find('h1').text()).toBe('No secret in this link')
    expect(w.text()).toContain('including the part after the # sign')
    expect(api.fetch).not.toHaveBeenCalled()
  })

  describe('a reload of the same tab before Reveal', () => {
    it('still offers Reveal, and reveals, while the address bar stays without the key', async () => {
      const { fragment } = await openLink('survives a reload', { maxViews: 1 })
      await mountPage()
      expect(window.location.href).not.toContain(fragment.slice(2))
      const w = await reloadPage()
      expect(window.location.hash).toBe('')
      expect(w.find('button[type="submit"]').text()).toBe('Reveal secret')
      expect(api.fetch).not.toHaveBeenCalled()
      await reveal(w)
      expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('survives a reload')
      expect(window.location.href).not.toContain(fragment.slice(2))
    })

    it('keeps the passphrase prompt of a .p link', async () => {
      await openLink('guarded reload', { passphrase: 'pw pw' })
      await mountPage()
      const w = await reloadPage()
      await w.find('#passphrase').setValue('pw pw')
      await reveal(w)
      expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('guarded reload')
    })

    it('forgets the key once the view is spent: a reload after Reveal shows no secret and sends nothing', async () => {
      const { fragment } = await openLink('spent', { maxViews: 2 })
      const w = await mountPage()
      await reveal(w)
      expect(JSON.stringify({ ...sessionStorage })).not.toContain(fragment.slice(2))
      const calls = api.fetch.mock.calls.length
      const again = await reloadPage()
      expect(again.find('h1').text()).toBe('No secret in this link')
      expect(api.fetch.mock.calls.length).toBe(calls)
    })

    it.each([
      ['gone (404)', () => api.shares.clear(), 'Secret not available'],
      [
        'destroyed (no attempts left)',
        () =>
          api.respondOnce(() =>
            api.json(403, {
              error: { code: 'wrong_access', message: 'Wrong access', attemptsLeft: 0 },
            }),
          ),
        'Secret destroyed',
      ],
    ])('forgets the key after a final failure: %s', async (_name, arrange, title) => {
      await openLink('final failure')
      const w = await mountPage()
      arrange()
      await reveal(w)
      expect(w.find('h1').text()).toBe(title)
      const again = await reloadPage()
      expect(again.find('h1').text()).toBe('No secret in this link')
    })

    it('keeps the key after a failure that spent nothing (rate limited), so a reload can retry', async () => {
      await openLink('try later')
      const w = await mountPage()
      api.respondOnce(() =>
        api.json(
          429,
          { error: { code: 'rate_limited', message: 'Slow down' } },
          { 'retry-after': '5' },
        ),
      )
      await reveal(w)
      const again = await reloadPage()
      await reveal(again)
      expect((again.find('textarea').element as HTMLTextAreaElement).value).toBe('try later')
    })

    it('the newest link opened in the tab wins', async () => {
      await openLink('first link')
      await mountPage()
      await openLink('second link')
      await reloadPage()
      const w = await reloadPage()
      await reveal(w)
      expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('second link')
    })

    it('a damaged new link replaces the kept one, so a reload cannot open the older secret', async () => {
      await openLink('older')
      await mountPage()
      window.history.replaceState(null, '', '/s#1.not-a-real-seed')
      expect((await reloadPage()).find('h1').text()).toBe('This link is not valid')
      expect((await reloadPage()).find('h1').text()).toBe('No secret in this link')
    })

    it('"Not now" forgets the key in this tab without sending anything', async () => {
      await openLink('dismissed')
      const w = await mountPage()
      await w
        .findAll('button')
        .find((b) => b.text() === 'Not now, forget this link')!
        .trigger('click')
      expect(w.find('h1').text()).toBe('Link forgotten')
      expect((await reloadPage()).find('h1').text()).toBe('No secret in this link')
      expect(api.fetch).not.toHaveBeenCalled()
    })
  })
})
