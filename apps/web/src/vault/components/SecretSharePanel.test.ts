/** @module The vault's Share panel: the create page's receipt choices, and a request that carries the label only when asked to. */
import { flushPromises, mount } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it, vi } from 'vitest'
import type { PublicPolicy } from '@secretsentry/contract/types'
import { useInstanceStore } from '../../app/stores/instance.store.ts'
import { setFakePolicy } from '../../testing/fake-share-api.ts'
import { installFakeVaultApi, type FakeVault } from '../../testing/fake-vault-api.ts'
import { useVaultStore } from '../stores/vault.store.ts'
import SecretSharePanel from './SecretSharePanel.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const VALUE = 'sk_live_canary_51c0'

/** A logged-in owner with one secret, under `policy`; the panel mounted on that secret. */
async function setup(
  policy: Partial<Omit<PublicPolicy, 'viewer'>> = {},
): Promise<{ api: FakeVault; w: VueWrapper; id: string }> {
  setActivePinia(createPinia())
  const api = await installFakeVaultApi()
  setFakePolicy(policy)
  const store = useVaultStore()
  await store.login(api.username, api.password)
  await useInstanceStore().refresh()
  const { id } = await store.createSecret({
    meta: { name: 'Stripe key', description: '', tags: [], path: '/pay' },
    value: VALUE,
  })
  const w = mount(SecretSharePanel, { props: { secretId: id } })
  await flushPromises()
  return { api, w, id }
}

const submitButton = (w: VueWrapper) => w.find('button[type="submit"]')
const receiptValues = (w: VueWrapper) =>
  w.findAll('input[name="receipt"]').map((i) => i.attributes('value'))

async function submitAndSettle(w: VueWrapper): Promise<void> {
  await w.find('form').trigger('submit')
  // Done when the result replaced the form, or the form is back to its button after a refusal.
  await vi.waitFor(
    () =>
      expect(!w.find('form').exists() || submitButton(w).text() === 'Create secret link').toBe(
        true,
      ),
    { timeout: 20_000, interval: 20 },
  )
  await flushPromises()
}

function shareBody(api: FakeVault, id: string): Record<string, unknown> {
  const posts = api.requests.filter(
    (r) => r.method === 'POST' && r.url === `/api/secrets/${id}/share`,
  )
  expect(posts).toHaveLength(1)
  return JSON.parse(posts[0]!.body!) as Record<string, unknown>
}

describe('SecretSharePanel', () => {
  it("offers the account's notifications to the owner, and no email where the server sends none", async () => {
    const { w } = await setup()
    expect(w.find('legend').text()).toBe('Receipt (optional)')
    expect(receiptValues(w)).toEqual(['none', 'account'])
    expect(
      (w.find('input[name="receipt"][value="none"]').element as HTMLInputElement).checked,
    ).toBe(true)
    for (const id of ['ttl', 'views', 'passphrase', 'link-label']) {
      expect(w.find(`label[for="${id}"]`).exists(), id).toBe(true)
    }
    const label = w.find('input#link-label')
    expect(w.find(`#${label.attributes('aria-describedby')}`).text()).toBe(
      'Shown with the new link, to tell it apart. Sent to the server only if you put it in a receipt below.',
    )
    expect(w.find('fieldset').attributes('aria-describedby')).toBe('receipt-hint')
    const account = w.find('input[name="receipt"][value="account"]')
    expect(account.element.closest('label')!.textContent!.trim()).toBe(
      "To my account's notifications",
    )
    expect(w.find(`#${account.attributes('aria-describedby')}`).text()).toBe(
      'Your webhook and alert email, as set on the Account page.',
    )
    // The opt-in appears only with a receipt to put the label in.
    expect(w.find('input[name="receipt-with-label"]').exists()).toBe(false)
  })

  it('an account receipt: the label stays here unless ticked, and is shown with the link', async () => {
    const { api, w, id } = await setup()
    await w.find('input#link-label').setValue('  For Alex  ')
    await w.find('input[name="receipt"][value="account"]').setValue(true)
    await submitAndSettle(w)
    const body = shareBody(api, id)
    expect(body['receipt']).toEqual({ to: 'account' })
    const raw = JSON.stringify(body)
    expect(raw).not.toContain('For Alex')
    expect(raw).not.toContain(VALUE)
    // The result names the link with the label, which went nowhere.
    expect(w.text()).toContain('For Alex')
    expect(w.emitted('shared')).toHaveLength(1)
  })

  it('an email receipt within the allowed domains, naming the link when ticked', async () => {
    const { api, w, id } = await setup({
      receipts: { email: true, emailDomains: ['example.org'] },
    })
    expect(receiptValues(w)).toEqual(['none', 'email', 'account'])
    expect(w.text()).toContain('keeps this address in clear until the link ends')
    expect(w.text()).toContain('Only addresses at example.org.')
    await w.find('input[name="receipt"][value="email"]').setValue(true)
    expect(w.find('label[for="receipt-email"]').text()).toBe('Receipt address')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    const address = w.find('input#receipt-email')
    await address.setValue('me@example.com')
    expect(w.find('#receipt-email-error').text()).toBe(
      'This server sends receipts only to addresses at example.org.',
    )
    expect(address.attributes('aria-invalid')).toBe('true')
    expect(address.attributes('aria-describedby')).toBe('receipt-email-error')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await address.setValue('me@example.org')
    expect(w.find('#receipt-email-error').exists()).toBe(false)
    expect(address.attributes('aria-invalid')).toBeUndefined()

    await w.find('input[name="receipt-with-label"]').setValue(true)
    expect(w.find('#receipt-with-label-hint').text()).toBe('Type a label above, or untick this.')
    expect(w.find('#receipt-with-label-hint').classes()).toContain('field-error')
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await w.find('input#link-label').setValue('see www.example.org')
    expect(w.find('#receipt-with-label-hint').text()).toBe(
      'To go in a receipt, the label must not contain a link or angle brackets.',
    )
    expect(submitButton(w).attributes('disabled')).toBeDefined()
    await w.find('input#link-label').setValue('Prod key, for Alex')
    expect(submitButton(w).attributes('disabled')).toBeUndefined()
    await submitAndSettle(w)
    expect(shareBody(api, id)['receipt']).toEqual({
      to: 'email',
      email: 'me@example.org',
      label: 'Prod key, for Alex',
    })
  })

  it('says in words that the account has nowhere to send the receipt, and keeps the form', async () => {
    const { api, w } = await setup()
    api.shareRefusal = {
      status: 400,
      code: 'invalid_input',
      message:
        'receipt.to: this account has no webhook or alert email to send a receipt to; set one in the account settings',
      field: 'receipt.to',
    }
    await w.find('input[name="receipt"][value="account"]').setValue(true)
    await submitAndSettle(w)
    expect(w.find('[role="alert"]').text()).toBe(
      'Your account has no webhook or alert email for the receipt. Set one under Notifications on the Account page, or choose another receipt.',
    )
    expect(w.emitted('shared')).toBeUndefined()
    expect(
      (w.find('input[name="receipt"][value="account"]').element as HTMLInputElement).checked,
    ).toBe(true)
  })
})
