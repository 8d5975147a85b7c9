/**
 * @module Issue 12 (instance policy) in real browsers against the built server: an administrator
 * named in ADMIN_USERS closes registration and turns anonymous shares off; a fresh browser then
 * sees no create form and no way to register, but the explanation; an invite link registers a
 * new account, which can then create shares. axe checks the admin page and the restricted pages.
 * With SCREENSHOT_DIR set, it also saves the admin page and the restricted create page at 1280
 * and 390 px wide, light and dark.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserSkipReason, launchBrowser, type TestBrowser } from './support/browser.ts'
import { startServer, type RunningServer } from './support/server.ts'
import { createViaUi } from './support/ui.ts'
import { registerViaUi } from './support/vault-flow.ts'

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const SLOW = { timeout: 60_000 }

/** The serious or critical axe violations on the page (all are printed). */
async function seriousViolations(page: Page, label: string): Promise<string[]> {
  await page.addScriptTag({ content: await AXE_SOURCE })
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            d: Document,
            o: object,
          ): Promise<{ violations: { id: string; impact: string | null }[]; passes: unknown[] }>
        }
      }
    ).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return {
      passed: r.passes.length,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact })),
    }
  })
  if (result.passed === 0) throw new Error(`axe checked no rule on ${label}`)
  if (result.violations.length) console.log(`[axe] ${label}: ${JSON.stringify(result.violations)}`)
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id)
}

async function screenshots(page: Page, name: string): Promise<void> {
  const dir = process.env['SCREENSHOT_DIR']
  if (!dir) return
  mkdirSync(dir, { recursive: true })
  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height })
      await page.emulateMedia({ colorScheme: scheme })
      await page.screenshot({
        path: path.join(dir, `${name}-${width}-${scheme}.png`),
        fullPage: true,
      })
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.emulateMedia({ colorScheme: 'light' })
}

describe.skipIf(browserSkipReason !== null)('instance policy and the admin page', () => {
  let server: RunningServer
  let adminBrowser: TestBrowser
  let fresh: TestBrowser
  let admin: Page
  const password = `master ${randomUUID()}`

  beforeAll(async () => {
    server = await startServer({ env: { ADMIN_USERS: 'root' } })
    // bypassCSP: the strict CSP rightly refuses the injected axe script.
    adminBrowser = await launchBrowser({ bypassCSP: true })
    fresh = await launchBrowser({ bypassCSP: true })
    admin = await adminBrowser.context.newPage()
    await registerViaUi(admin, server.origin, 'root', password)
  }, 180_000)

  afterAll(async () => {
    await adminBrowser?.close()
    await fresh?.close()
    await server?.cleanup()
  })

  it('the Admin link shows for the administrator only; the page lists the policy, accounts and audit', async () => {
    const other = await fresh.context.newPage()
    await other.goto(`${server.origin}/`)
    await other.getByRole('button', { name: 'Create secret link' }).waitFor()
    expect(await other.getByRole('link', { name: 'Admin' }).count()).toBe(0)
    await other.close()

    await admin.goto(`${server.origin}/`)
    await admin.getByRole('link', { name: 'Admin' }).click()
    await admin.getByRole('heading', { name: 'Administration' }).waitFor()
    await admin.getByRole('radio', { name: /^Open/ }).waitFor()
    await admin.getByRole('row', { name: /root/ }).waitFor()
    expect(await seriousViolations(admin, 'admin page')).toEqual([])
  })

  /**
   * Other processes (WORKERS=2) follow a policy change within their 5 s cache: waits until six
   * answers in a row agree, as a visitor a few seconds later would see. Each answer comes over a
   * new connection: the cluster hands out connections, not requests, in turn, so answers over
   * one kept-alive connection would all come from one worker.
   */
  type Policy = { registration: string; anonymousShares: boolean }
  async function policySettled<P>(ok: (p: P) => boolean): Promise<void> {
    for (let agreed = 0, deadline = Date.now() + 15_000; agreed < 6;) {
      agreed = ok((await policyOnNewConnection()) as P) ? agreed + 1 : 0
      if (Date.now() > deadline) throw new Error('the policy did not reach every worker in 15 s')
      if (agreed === 0) await new Promise((r) => setTimeout(r, 250))
    }
  }

  const policyOnNewConnection = () =>
    new Promise<unknown>((resolve, reject) => {
      http
        .get(`${server.origin}/api/policy`, { agent: false }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (body += chunk))
          res.on('end', () => {
            try {
              resolve(JSON.parse(body))
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)))
            }
          })
        })
        .on('error', reject)
    })

  it('closing registration and anonymous shares: a fresh browser sees why, not a form', async () => {
    await admin.getByRole('radio', { name: /^Closed/ }).check()
    await admin.getByRole('checkbox', { name: /Allow shares without an account/ }).uncheck()
    await admin.getByRole('button', { name: 'Save policy' }).click()
    await admin.getByText('Policy saved.').waitFor()
    await admin.getByText('Changed the policy').waitFor()
    await screenshots(admin, 'admin')
    await policySettled<Policy>((p) => p.registration === 'closed' && !p.anonymousShares)

    const page = await fresh.context.newPage()
    await page.goto(`${server.origin}/`)
    await page.getByRole('heading', { name: 'Log in to create a share' }).waitFor()
    expect(await page.getByRole('textbox', { name: 'Secret', exact: true }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Create secret link' }).count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Create an account' }).count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Log in' }).getAttribute('href')).toBe(
      '/vault/login?next=/',
    )
    expect(await seriousViolations(page, 'create page, anonymous shares off')).toEqual([])
    await screenshots(page, 'create-restricted')

    await page.goto(`${server.origin}/vault/login`)
    await page.getByText('This server does not accept new accounts.').waitFor()
    expect(await page.getByRole('link', { name: 'Create one' }).count()).toBe(0)
    await page.goto(`${server.origin}/vault/register`)
    await page.getByRole('heading', { name: 'Registration is closed' }).waitFor()
    expect(await page.getByRole('button', { name: 'Create account' }).count()).toBe(0)
    expect(await seriousViolations(page, 'register page, closed')).toEqual([])
    await page.close()
  })

  it('the largest share and the longest expiry: the create form offers only what the server takes', async () => {
    type Caps = { maxShareBytes: number; maxExpirySeconds: number }
    const settled = (ok: (p: Caps) => boolean) => policySettled<Caps>(ok)
    // The earlier test closed anonymous shares: the caps are checked by a logged-in creator too.
    await admin.goto(`${server.origin}/admin`)
    await admin.getByLabel('Largest share (KiB)').fill('1')
    await admin.getByLabel('Longest expiry').selectOption({ label: '1 hour' })
    await admin.getByRole('button', { name: 'Save policy' }).click()
    await admin.getByText('Policy saved.').waitFor()
    await settled((p) => p.maxShareBytes === 1024 && p.maxExpirySeconds === 3600)

    await admin.goto(`${server.origin}/`)
    const expiry = admin.getByLabel('Expires after')
    await expiry.waitFor()
    const offered = await expiry.locator('option').allTextContents()
    expect(offered.map((o) => o.trim())).toEqual(['5 minutes', '1 hour'])
    await admin.getByRole('textbox', { name: 'Secret', exact: true }).fill('x'.repeat(2048))
    await admin.getByText('This secret is 2.0 KB; this server takes at most 1.0 KB.').waitFor()
    expect(await admin.getByRole('button', { name: 'Create secret link' }).isDisabled()).toBe(true)

    // Back to the defaults: the form offers 30 days again and takes the 2 KiB secret.
    await admin.goto(`${server.origin}/admin`)
    await admin.getByLabel('Largest share (KiB)').fill('1024')
    await admin.getByLabel('Longest expiry').selectOption({ label: '30 days' })
    await admin.getByRole('button', { name: 'Save policy' }).click()
    await admin.getByText('Policy saved.').waitFor()
    await settled((p) => p.maxShareBytes === 1024 * 1024 && p.maxExpirySeconds === 30 * 86400)
    await admin.goto(`${server.origin}/`)
    await admin.getByLabel('Expires after').locator('option', { hasText: '30 days' }).waitFor({
      state: 'attached',
    })
    await admin.getByRole('textbox', { name: 'Secret', exact: true }).fill('x'.repeat(2048))
    expect(await admin.getByRole('button', { name: 'Create secret link' }).isDisabled()).toBe(false)
    await admin.goto(`${server.origin}/admin`)
    await admin.getByRole('heading', { name: 'Administration' }).waitFor()
  })

  it('an invite link registers a new account, which may then create shares', async () => {
    await admin.getByRole('radio', { name: /^Invite only/ }).check()
    await admin.getByRole('button', { name: 'Save policy' }).click()
    await admin.getByText('Policy saved.').waitFor()
    await admin.getByRole('button', { name: 'Create invite link' }).click()
    const link = await admin.getByLabel('New invite link (shown only now)').inputValue()
    expect(link).toMatch(new RegExp(`^${server.origin}/vault/register\\?invite=[A-Za-z0-9_-]{43}$`))
    await policySettled<Policy>((p) => p.registration === 'invite')

    const page = await fresh.context.newPage()
    await page.goto(link)
    await page.getByLabel('Invite').waitFor()
    expect(await page.getByLabel('Invite').inputValue()).toBe(
      new URL(link).searchParams.get('invite'),
    )
    await page.getByLabel('Username').fill('guest')
    await page.getByLabel('Master password', { exact: true }).fill(password)
    await page.getByLabel('Repeat the master password').fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Your vault is empty' }).waitFor(SLOW)

    // Logged in (cookie + CSRF token), the create form is back and its share is accepted.
    const shareLink = await createViaUi(page, server.origin, { text: `for guest ${randomUUID()}` })
    expect(shareLink).toMatch(/\/s#/)

    // The invite is spent: a second registration with it is refused.
    const again = await fresh.context.newPage()
    await again.goto(link)
    await again.getByLabel('Username').fill('guest2')
    await again.getByLabel('Master password', { exact: true }).fill(password)
    await again.getByLabel('Repeat the master password').fill(password)
    await again.getByRole('button', { name: 'Create account' }).click()
    await again
      .getByText(
        'This invite link is unknown, expired, revoked or used already. Ask for a new one.',
      )
      .waitFor(SLOW)

    await admin.reload()
    await admin.getByRole('row', { name: /guest/ }).waitFor()
    await admin.getByText('Used', { exact: true }).waitFor()
  })
})
