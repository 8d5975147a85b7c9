/** @module Tests of the create form: defaults, validation, and a request body that holds no plaintext. */
import { prepareOpen } from '@secretsentry/envelope'
import { flushPromises, mount } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { installFakeShareApi, POLICY_DEFAULTS } from '../../testing/fake-share-api.ts'
import type { CreatedShare } from '../created-share.ts'
import { STORAGE_KEY } from '../stores/links.store.ts'
import { useInstanceStore } from '../stores/instance.store.ts'
import type { PublicPolicy } from '@secretsentry/contract/types'
import ShareForm from './ShareForm.vue'

let api: ReturnType<typeof installFakeShareApi>

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  api = installFakeShareApi()
})

const submitButton = (w: VueWrapper) => w.find('button[type="submit"]')

const policy = (over: Partial<PublicPolicy>): PublicPolicy => ({
  ...POLICY_DEFAULTS,
  viewer: null,
  ...over,
})

async function submitAndSettle(w: VueWrapper): Promise<void> {
  await w.find('form').trigger('submit')
  await vi.waitFor(() => expect(submitButton(w).text()).toBe('Create secret link'), {
    timeout: 10_000,
    interval: 20,
  })
  await flushPromises()
}

function toB64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

describe('ShareForm', () => {
  it('starts with 3 days and 1 view, every control labelled', () => {
    const w = mount(ShareForm)
    const ttl = w.find('select#ttl').element as HTMLSelectElement
    expect(ttl.value).toBe(String(3 * 86400))
    expect(ttl.selectedOptions[0]!.text.trim()).toBe('3 days')
    expect([...ttl.options].map((o) => o.text.trim())).toEqual([
      '5 minutes',
      '1 hour',
      '1 day',
      '3 days',
      '7 days',
      '30 days',
    ])
    expect((w.find('input#views').element as HTMLInputElement).value).toBe('1')
    expect((w.find('input#passphrase').element as HTMLInputElement).type).toBe('password')
    for (const id of ['secret', 'ttl', 'views', 'passphrase', 'file', 'link-label']) {
      expect(w.find(`label[for="${id}"]`).exists(), id).toBe(true)
    }
  })

  it('labels the optional label field without touching the other names; its hint only describes it', () => {
    const w = mount(ShareForm)
    const input = w.find('input#link-label')
    expect(input.attributes('maxlength')).toBe('80')
    expect(w.find('label[for="link-label"]').text()).toBe('Label (optional)')
    const hint = w.find(`#${input.attributes('aria-describedby')}`)
    expect(hint.text()).toBe(
      'Kept in this browser, to find the link in My links. Sent to the server only if you put it in a receipt below.',
    )
    expect(hint.element.closest('label')).toBeNull()
    // Browser tests find controls by label substring: no label may contain another's name.
    const names = w.findAll('label').map((l) => l.text())
    for (const name of ['Secret', 'Passphrase', 'Expires after', 'Views allowed']) {
      expect(
        names.filter((n) => n.includes(name)),
        name,
      ).toHaveLength(1)
    }
  })

  it('disables Create while the secret is empty or blank', async () => {
    const w = mount(ShareForm)
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await w.find('textarea#secret').setValue('   \n ')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await w.find('textarea#secret').setValue('s3cret')
    expect(submitButton(w).attributes('disabled')).toBeUndefined()
  })

  it.each(['0', '101', '2.5', ''])('rejects %j views with a message', async (views) => {
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('s3cret')
    await w.find('input#views').setValue(views)
    expect(w.find('input#views').attributes('aria-invalid')).toBe('true')
    expect(w.text()).toContain('Enter a whole number from 1 to 100.')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await w.find('form').trigger('submit')
    expect(api.fetch).not.toHaveBeenCalled()
  })

  it('shows and hides the passphrase', async () => {
    const w = mount(ShareForm)
    const toggle = w.findAll('button').find((b) => b.text() === 'Show')!
    await toggle.trigger('click')
    expect((w.find('input#passphrase').element as HTMLInputElement).type).toBe('text')
    expect(toggle.attributes('aria-pressed')).toBe('true')
    await toggle.trigger('click')
    expect((w.find('input#passphrase').element as HTMLInputElement).type).toBe('password')
  })

  it('sends a request body that holds no plaintext, passphrase or key, and the link opens the secret', async () => {
    const secret = 'canary-plaintext-4d1e'
    const passphrase = 'canary-passphrase-9b2c'
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue(secret)
    await w.find('select#ttl').setValue('3600')
    await w.find('input#views').setValue('2')
    await w.find('input#passphrase').setValue(passphrase)
    await submitAndSettle(w)

    const created = w.emitted<[CreatedShare]>('created')?.[0]?.[0]
    expect(created).toBeDefined()
    expect(api.requests).toHaveLength(1)
    const req = api.requests[0]!
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/share')
    const body = JSON.parse(req.body!) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual([
      'ciphertext',
      'id',
      'maxViews',
      'ttlSeconds',
      'verifier',
    ])
    expect(body['ttlSeconds']).toBe(3600)
    expect(body['maxViews']).toBe(2)
    const fragment = created!.link.split('#')[1]!
    for (const needle of [
      secret,
      passphrase,
      toB64url(secret),
      fragment,
      fragment.split('.')[1]!,
    ]) {
      expect(req.body).not.toContain(needle)
    }

    expect(created!.link).toMatch(/^http:\/\/localhost(:\d+)?\/s#1\.[A-Za-z0-9_-]{43}\.p$/)
    expect(created).toMatchObject({ maxViews: 2, ttlSeconds: 3600, hasPassphrase: true })
    // The link really is the key: the envelope opens what was uploaded.
    const opener = await prepareOpen(fragment, passphrase)
    expect(opener.id).toBe(body['id'])
    const record = await opener.decrypt({
      ciphertext: body['ciphertext'] as string,
      ttlSeconds: 3600,
      maxViews: 2,
    })
    expect(record).toEqual({ kind: 'text', text: secret })
  })

  it('remembers the new share in My links without its link', async () => {
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('remember me')
    await submitAndSettle(w)
    const created = w.emitted<[CreatedShare]>('created')![0]![0]
    const stored = localStorage.getItem(STORAGE_KEY)!
    const [saved] = JSON.parse(stored) as Record<string, unknown>[]
    expect(saved).toMatchObject({ id: created.id, maxViews: 1, hasPassphrase: false })
    expect(stored).not.toContain(created.link.split('#')[1]!.split('.')[1]!)
    expect(stored).not.toContain('remember me')
  })

  it('keeps the label in My links only: no request carries it', async () => {
    const label = 'canary-label-7f3a'
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('labelled secret')
    await w.find('input#link-label').setValue(`  ${label}  `)
    await submitAndSettle(w)
    expect(api.requests).toHaveLength(1)
    for (const req of api.requests) {
      expect(req.url).not.toContain(label)
      expect(req.body ?? '').not.toContain(label)
      expect(JSON.stringify(req.headers)).not.toContain(label)
    }
    const body = JSON.parse(api.requests[0]!.body!) as Record<string, unknown>
    expect(body).not.toHaveProperty('label')
    const [saved] = JSON.parse(localStorage.getItem(STORAGE_KEY)!) as Record<string, unknown>[]
    expect(saved!['label']).toBe(label)
    expect(w.emitted<[CreatedShare]>('created')![0]![0].label).toBe(label)
    // The form is ready for the next link, with no label carried over.
    expect((w.find('input#link-label').element as HTMLInputElement).value).toBe('')
  })

  it('offers no receipt where the server sends no mail and nobody is logged in', () => {
    useInstanceStore().policy = policy({})
    const w = mount(ShareForm)
    expect(w.find('fieldset').exists()).toBe(false)
    expect(w.find('input[name="receipt"]').exists()).toBe(false)
  })

  it('an email receipt: the address it goes to, the label only when ticked, within the allowed domains', async () => {
    useInstanceStore().policy = policy({ receipts: { email: true, emailDomains: ['example.org'] } })
    const w = mount(ShareForm)
    expect(w.find('legend').text()).toBe('Receipt (optional)')
    // No account option for a visitor who is not logged in.
    expect(w.findAll('input[name="receipt"]').map((i) => i.attributes('value'))).toEqual([
      'none',
      'email',
    ])
    expect(w.text()).toContain('keeps this address in clear until the link ends')
    await w.find('textarea#secret').setValue('receipt secret canary')
    await w.find('input#link-label').setValue('Staging DB')
    await w.find('input[name="receipt"][value="email"]').setValue(true)
    const address = w.find('input#receipt-email')
    expect(w.find('label[for="receipt-email"]').text()).toBe('Receipt address')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await address.setValue('me@example.com')
    expect(w.find('#receipt-email-error').text()).toBe(
      'This server sends receipts only to addresses at example.org.',
    )
    expect(address.attributes('aria-invalid')).toBe('true')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await address.setValue('me@example.org')
    expect(w.find('#receipt-email-error').exists()).toBe(false)
    await submitAndSettle(w)
    const body = JSON.parse(api.requests[0]!.body!) as Record<string, unknown>
    expect(body['receipt']).toEqual({ to: 'email', email: 'me@example.org' })
    expect(api.requests[0]!.body).not.toContain('Staging DB')
    expect(api.requests[0]!.body).not.toContain('receipt secret canary')

    await w.find('textarea#secret').setValue('second')
    await w.find('input#link-label').setValue('Prod key')
    await w.find('input[name="receipt-with-label"]').setValue(true)
    await submitAndSettle(w)
    const second = JSON.parse(api.requests[1]!.body!) as Record<string, unknown>
    expect(second['receipt']).toEqual({ to: 'email', email: 'me@example.org', label: 'Prod key' })
  })

  it('a label that cannot go in a receipt is said so, and Create waits', async () => {
    useInstanceStore().policy = policy({ receipts: { email: true, emailDomains: [] } })
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('x')
    await w.find('input[name="receipt"][value="email"]').setValue(true)
    await w.find('input#receipt-email').setValue('me@example.com')
    await w.find('input[name="receipt-with-label"]').setValue(true)
    expect(w.find('#receipt-with-label-hint').text()).toBe('Type a label above, or untick this.')
    await w.find('input#link-label').setValue('see https://example.com')
    expect(w.find('#receipt-with-label-hint').text()).toBe(
      'To go in a receipt, the label must not contain a link or angle brackets.',
    )
    expect(submitButton(w).attributes('disabled')).toBeDefined()
  })

  it('a logged-in viewer may send the receipt to the account', async () => {
    useInstanceStore().policy = policy({ viewer: { username: 'ana', admin: false } })
    const w = mount(ShareForm)
    expect(w.findAll('input[name="receipt"]').map((i) => i.attributes('value'))).toEqual([
      'none',
      'account',
    ])
    await w.find('textarea#secret').setValue('x')
    await w.find('input[name="receipt"][value="account"]').setValue(true)
    await submitAndSettle(w)
    const body = JSON.parse(api.requests[0]!.body!) as Record<string, unknown>
    expect(body['receipt']).toEqual({ to: 'account' })
  })

  it('an account choice that went away with a logout is not sent', async () => {
    const instance = useInstanceStore()
    instance.policy = policy({ viewer: { username: 'ana', admin: false } })
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('x')
    await w.find('input[name="receipt"][value="account"]').setValue(true)
    instance.policy = policy({ receipts: { email: true, emailDomains: [] } })
    await flushPromises()
    expect(w.findAll('input[name="receipt"]').map((i) => i.attributes('value'))).toEqual([
      'none',
      'email',
    ])
    expect(
      (w.find('input[name="receipt"][value="none"]').element as HTMLInputElement).checked,
    ).toBe(true)
    await submitAndSettle(w)
    const body = JSON.parse(api.requests[0]!.body!) as Record<string, unknown>
    expect(body).not.toHaveProperty('receipt')
  })

  it('the address field points at its error only while there is one', async () => {
    useInstanceStore().policy = policy({ receipts: { email: true, emailDomains: [] } })
    const w = mount(ShareForm)
    await w.find('input[name="receipt"][value="email"]').setValue(true)
    const address = w.find('input#receipt-email')
    expect(address.attributes('aria-describedby')).toBeUndefined()
    await address.setValue('not an address')
    expect(address.attributes('aria-describedby')).toBe('receipt-email-error')
    expect(w.find('#receipt-email-error').text()).toBe(
      'Enter an email address like you@example.com.',
    )
  })

  it('says in words that the account has nowhere to send the receipt', async () => {
    useInstanceStore().policy = policy({ viewer: { username: 'ana', admin: false } })
    api.respondOnce(() =>
      api.json(400, {
        error: {
          code: 'invalid_input',
          message: 'receipt.to: this account has no webhook or alert email to send a receipt to',
          field: 'receipt.to',
        },
      }),
    )
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('x')
    await w.find('input[name="receipt"][value="account"]').setValue(true)
    await submitAndSettle(w)
    expect(w.find('[role="alert"]').text()).toBe(
      'Your account has no webhook or alert email for the receipt. Set one under Notifications on the Account page, or choose another receipt.',
    )
    expect(w.emitted('created')).toBeUndefined()
  })

  it('stores an empty label when none is given', async () => {
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('no label')
    await w.find('input#link-label').setValue('   ')
    await submitAndSettle(w)
    const [saved] = JSON.parse(localStorage.getItem(STORAGE_KEY)!) as Record<string, unknown>[]
    expect(saved!['label']).toBe('')
  })

  it('shows "try again in N s" for 429', async () => {
    api.respondOnce(() =>
      api.json(
        429,
        { error: { code: 'rate_limited', message: 'Slow down' } },
        { 'retry-after': '42' },
      ),
    )
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('s3cret')
    await submitAndSettle(w)
    expect(w.find('[role="alert"]').text()).toBe('Too many requests. Try again in 42 s.')
    expect(w.emitted('created')).toBeUndefined()
    // The secret is still there to retry.
    expect((w.find('textarea#secret').element as HTMLTextAreaElement).value).toBe('s3cret')
  })

  it('says the secret is too large for 413', async () => {
    api.respondOnce(() =>
      api.json(413, { error: { code: 'payload_too_large', message: 'Too large' } }),
    )
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('s3cret')
    await submitAndSettle(w)
    expect(w.find('[role="alert"]').text()).toContain('too large for this server')
  })

  it('says the server is unreachable when fetch fails', async () => {
    api.fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const w = mount(ShareForm)
    await w.find('textarea#secret').setValue('s3cret')
    await submitAndSettle(w)
    expect(w.find('[role="alert"]').text()).toBe(
      'Could not reach the server. Check your connection and try again.',
    )
  })

  it('encrypts a chosen file as a file record', async () => {
    const w = mount(ShareForm)
    const input = w.find('input#file')
    const file = new File([new Uint8Array([104, 105])], 'note.txt', { type: 'text/plain' })
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    expect(w.text()).toContain('note.txt')
    expect(w.find('textarea#secret').exists()).toBe(false)
    await submitAndSettle(w)
    const created = w.emitted<[CreatedShare]>('created')![0]![0]
    const body = JSON.parse(api.requests[0]!.body!) as { ciphertext: string }
    expect(api.requests[0]!.body).not.toContain('note.txt')
    const opener = await prepareOpen(created.link.split('#')[1]!)
    const record = await opener.decrypt({
      ciphertext: body.ciphertext,
      ttlSeconds: 259200,
      maxViews: 1,
    })
    expect(record).toMatchObject({ kind: 'file', name: 'note.txt', type: 'text/plain' })
  })
})
