/** @module Issue 3 in two real browsers: register → add a secret → edit → restore a version → share → open the share elsewhere → read the activity. */
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { vaultFlow, type VaultFlowResult } from './support/vault-flow.ts'

describe.skipIf(browserSkipReason !== null)('the vault, end to end', () => {
  const suite = useServerAndBrowsers(['owner', 'recipient'])
  const password = `master ${randomUUID()}`
  const secret = {
    name: `Payments key ${randomUUID().slice(0, 6)}`,
    description: 'Live key for the payments service',
    tags: ['prod', 'payments'],
    path: '/pay/prod/key',
    value: `sk_live_${randomUUID()}`,
    newValue: `sk_live_${randomUUID()}`,
  }
  let flow: VaultFlowResult

  beforeAll(async () => {
    flow = await vaultFlow({
      origin: suite.server.origin,
      owner: suite.owner,
      recipient: suite.recipient,
      password,
      secret,
    })
  })

  it('restoring version 1 made its value current again', () => {
    expect(flow.currentAfterRestore).toBe(secret.value)
  })

  it('the other browser revealed the shared value from the one-time link', () => {
    expect(flow.link).toMatch(new RegExp(`^${suite.server.origin}/s#1\\.[A-Za-z0-9_-]{43}$`))
    expect(flow.revealed).toBe(secret.value)
    expect(flow.sharesAfterOpen).toContain('Read')
  })

  it('the activity tells, in words, what happened to the secret by its name, and by whom', () => {
    const name = `“${secret.name}”`
    for (const sentence of [
      'Account created',
      `Created ${name}`,
      `Edited ${name} · name or details; new value, version 2`,
      `Brought back an older value of ${name} · version 1, saved as version 3`,
      `Shared ${name} · link expires after`,
      `A share link of ${name} was opened`,
      'by you, in a browser',
      'by someone with the link, in a browser',
    ]) {
      expect(flow.activity, sentence).toContain(sentence)
    }
    // Names come from the decrypted list, never from the server's audit rows; no API terms.
    expect(flow.activity).not.toMatch(/\bOK\b|revision|\d+ s\b|[0-9a-f]{8}|registered/)
  })

  it('no request carried the master password, the name, tags, description or value in clear', async () => {
    await flow.recorder.settle()
    const secrets = [
      password,
      secret.name,
      secret.description,
      secret.value,
      secret.newValue,
      secret.path,
    ]
    for (const r of flow.recorder.requests) {
      const where = `${r.method} ${r.url}`
      const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body?.toString('utf8') ?? ''}`
      for (const s of secrets) expect(text, where).not.toContain(s)
    }
    const writes = flow.recorder.requests.filter(
      (r) =>
        r.browser === 'owner' &&
        r.method !== 'GET' &&
        new URL(r.url).pathname.startsWith('/api/secrets'),
    )
    expect(writes.length).toBeGreaterThanOrEqual(4)
    // Every state-changing vault request proves it comes from the app (CSRF token).
    for (const r of writes) expect(r.headers['x-csrf-token'], r.url).toMatch(/^[A-Za-z0-9_-]{20,}$/)
  })

  it('ran Argon2id in the pinned vault chunk, not in a worker (whose script cannot carry integrity)', () => {
    const paths = flow.recorder.requests.map((r) => new URL(r.url).pathname)
    expect(paths.some((p) => /^\/assets\/vault-[\w-]+\.js$/.test(p))).toBe(true)
    expect(paths.filter((p) => /worker/i.test(p))).toEqual([])
  })

  it('Lock erases the keys: the page asks for the master password again, and the list is gone', async () => {
    const page = flow.page
    await page.getByRole('button', { name: 'Lock', exact: true }).click()
    await page.getByRole('heading', { name: 'Unlock your vault' }).waitFor()
    expect(await page.getByText(secret.name).count()).toBe(0)
    await page.getByLabel('Master password').fill('not the password')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('alert').getByText('Wrong master password.').waitFor({ timeout: 60_000 })
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('heading', { name: 'Activity' }).waitFor({ timeout: 60_000 })
  })

  it('logs in again from a fresh browser and finds the secret, by search and by tag', async () => {
    const page = await suite.recipient.context.newPage()
    await page.goto(`${suite.server.origin}/vault`)
    await page.getByLabel('Username').fill(flow.username)
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Log in' }).click()
    const list = page.getByRole('list', { name: 'Secrets' })
    await list.getByRole('link', { name: secret.name }).waitFor({ timeout: 60_000 })
    await page.getByLabel('Search').fill('no such secret here')
    await page.getByRole('heading', { name: 'No match' }).waitFor()
    await page.getByLabel('Search').fill('PAYMENTS service')
    await list.getByRole('link', { name: secret.name }).waitFor()
    await page.getByLabel('Search').fill('')
    await page.getByRole('button', { name: /^prod/ }).click()
    await list.getByRole('link', { name: secret.name }).waitFor()
  })

  it('changes the master password: the old one no longer logs in, the new one does, the secret is still readable', async () => {
    const page = flow.page
    const next = `new master ${randomUUID()}`
    await page.getByRole('link', { name: 'Account', exact: true }).click()
    await page.getByLabel('Current master password').fill('wrong current password')
    await page.getByLabel('New master password', { exact: true }).fill(next)
    await page.getByLabel('Repeat the new master password').fill(next)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page
      .getByRole('alert')
      .getByText('The current master password is wrong. Nothing was changed.')
      .waitFor({ timeout: 60_000 })
    await page.getByLabel('Current master password').fill(password)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Master password changed.').waitFor({ timeout: 90_000 })

    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor()
    await page.getByLabel('Username').fill(flow.username)
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page
      .getByRole('alert')
      .getByText('Wrong username or master password.')
      .waitFor({ timeout: 60_000 })
    await page.getByLabel('Master password').fill(next)
    await page.getByRole('button', { name: 'Log in' }).click()
    // Back where the session ended (the account page), then to the secret.
    await page.getByRole('heading', { name: 'Account', exact: true }).waitFor({ timeout: 60_000 })
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await page.getByRole('link', { name: secret.name }).click()
    await page.getByRole('button', { name: 'Reveal value' }).click()
    expect(await page.getByRole('textbox', { name: 'Secret value' }).inputValue()).toBe(
      secret.value,
    )
  })
})
