/**
 * @module Read receipts in real browsers: a link opened in another browser shows as "Read …" in
 * the creator's My links, from the server's receipt (no secret kept); and a receipt asked for on
 * the create form or in the vault's Share panel arrives by mail at a real SMTP server, once. Set
 * LAYOUT_SCREENS=<dir> to save My links with read, expired, destroyed and live rows and both
 * forms' receipt choices at 390 and 1280 px, light and dark.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTextShare, openShare, shareStatus } from './support/api.ts'
import { browserSkipReason, launchBrowser, type TestBrowser } from './support/browser.ts'
import { startServer, type RunningServer } from './support/server.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { addSecretViaUi, registerViaUi } from './support/vault-flow.ts'
import { createViaUi, manageTokenFor, openLink, pressReveal, shareIdOfLink } from './support/ui.ts'

const SCREENS = process.env['LAYOUT_SCREENS'] ?? ''
if (SCREENS) mkdirSync(SCREENS, { recursive: true })

/** The My links card whose title starts with `label`. */
const card = (page: Page, label: string) =>
  page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: label }) })

describe.skipIf(browserSkipReason !== null)('read receipts in My links', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])

  it('a link opened in another browser shows as "Read …" in the creator\'s My links', async () => {
    const { origin } = suite.server
    const creator = await suite.creator.context.newPage()
    const link = await createViaUi(creator, origin, { text: `receipt ${randomUUID()}` })
    const id = shareIdOfLink(link)
    const token = await manageTokenFor(creator, id)

    await creator.getByRole('link', { name: 'My links' }).click()
    const row = creator.getByRole('listitem').first()
    await row.locator('.badge', { hasText: 'Active' }).waitFor()
    await row.getByText('Not opened yet.').waitFor()

    const recipient = await suite.recipient.context.newPage()
    await openLink(recipient, link)
    await pressReveal(recipient)

    // The share row is gone; its receipt says what happened, to the manage token only.
    const status = await shareStatus(origin, id, token)
    expect(status?.state).toBe('read')
    expect(status?.opens).toHaveLength(1)
    expect(
      await shareStatus(
        origin,
        id,
        token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toBe(null)

    await creator.reload()
    await row
      .locator('.outcome')
      .getByText(/^Read$/)
      .waitFor()
    expect(await row.locator('.outcome').innerText()).toMatch(/^Read\s+(now|\d+ seconds? ago)/)
    expect(await row.locator('.badge').innerText()).toBe('Read')
    expect(await row.getByRole('button', { name: 'Delete now' }).count()).toBe(0)
  })

  it('My links with read, expired, destroyed and live rows lays out at 390 and 1280 px', async () => {
    const { origin } = suite.server
    const page = await suite.creator.context.newPage()
    await page.goto(`${origin}/`)
    await page.evaluate(() => localStorage.clear())
    const now = Date.now()
    const minutes = (n: number) => new Date(now - n * 60_000).toISOString()

    const read = await createTextShare(origin, 'read one')
    await openShare(origin, read.fragment)
    const multi = await createTextShare(origin, 'three views', { maxViews: 3 })
    await openShare(origin, multi.fragment)
    await openShare(origin, multi.fragment)
    const destroyed = await createTextShare(origin, 'guarded', { passphrase: 'right one' })
    for (let i = 0; i < 5; i++) await openShare(origin, destroyed.fragment, `wrong ${i}`)
    const live = await createTextShare(origin, 'untouched')
    const entry = (
      s: { id: string; manageToken: string; expiresAt: string },
      label: string,
      createdMinutesAgo: number,
      more: Record<string, unknown> = {},
    ) => ({
      id: s.id,
      manageToken: s.manageToken,
      expiresAt: s.expiresAt,
      maxViews: 1,
      createdAt: minutes(createdMinutesAgo),
      hasPassphrase: false,
      label,
      ...more,
    })
    const links = [
      entry(read, 'Wi-Fi password for the office', 30),
      entry(multi, 'Deploy key for the build team', 20, { maxViews: 3 }),
      entry(destroyed, 'Root password, staging', 10, { hasPassphrase: true }),
      entry(live, '', 5),
      // Expiry takes at least 5 minutes on a real server: this ending is one the browser
      // remembered from an earlier status answer (links.store keeps endings it has seen).
      entry(
        { id: 'AAAAAAAAAAAAAAAAAAAAAA', manageToken: 'A'.repeat(43), expiresAt: minutes(60 * 20) },
        'Recovery codes (expired)',
        60 * 24 * 3,
        {
          ending: { state: 'expired', endedAt: minutes(60 * 20), opens: [], failedAttempts: 0 },
        },
      ),
    ]
    await page.evaluate((value) => {
      localStorage.setItem('secretsentry.links.v1', value)
    }, JSON.stringify(links))
    await page.goto(`${origin}/links`)
    await card(page, 'Wi-Fi password').getByText('Read', { exact: true }).first().waitFor()
    expect(await card(page, 'Deploy key').locator('.opens').innerText()).toMatch(
      /^OPENED\s+(now|\d+ seconds? ago), (now|\d+ seconds? ago)$/i,
    )
    expect(await card(page, 'Root password').locator('.outcome').innerText()).toMatch(
      /^Destroyed after 5 wrong passphrases/,
    )
    expect(await card(page, 'Recovery codes').locator('.outcome').innerText()).toMatch(
      /^Expired unread\s+20 hours ago/,
    )

    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 })
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme })
        await page.evaluate(
          () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
        )
        const sideways = await page.evaluate(
          () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
        )
        expect(sideways, `My links scrolls sideways at ${width} px`).toBe(false)
        if (SCREENS) {
          await page.screenshot({
            path: join(SCREENS, `my-links-receipts-${width}-${colorScheme}.png`),
            fullPage: true,
          })
        }
      }
    }
  })
})

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** A real SMTP server on 127.0.0.1 that keeps what it accepts (plain SMTP: loopback only). */
async function smtpReceiver() {
  const mails: { to: string[]; raw: string }[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          // Quoted-printable soft breaks and escapes undone, so the text reads as written.
          raw: Buffer.concat(chunks)
            .toString()
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    mails,
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The mails that arrive at `smtp` after `seen` of them had, waited for up to 30 s; then a pause, so a second send would show. */
async function newMails(smtp: { mails: { to: string[]; raw: string }[] }, seen: number) {
  const until = Date.now() + 30_000
  while (smtp.mails.length === seen && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100))
  await new Promise((r) => setTimeout(r, 2500))
  return smtp.mails.slice(seen)
}

/** axe's violations on the page as it is now, in light and dark (its script injected once). */
async function axeViolations(
  page: Page,
): Promise<Record<string, { id: string; impact: string | null }[]>> {
  await page.addScriptTag({ content: await AXE_SOURCE })
  const found: Record<string, { id: string; impact: string | null }[]> = {}
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    found[colorScheme] = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run(d: Document): Promise<{ violations: { id: string; impact: string | null }[] }>
          }
        }
      ).axe
      return (await axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact }))
    })
  }
  return found
}

describe.skipIf(browserSkipReason !== null)(
  'a receipt asked for on the create form or in the vault',
  () => {
    const closers: (() => Promise<unknown>)[] = []
    afterAll(async () => {
      for (const close of closers.reverse()) await close()
    })
    let smtp: Awaited<ReturnType<typeof smtpReceiver>>
    let server: RunningServer
    let creator: TestBrowser
    let recipient: TestBrowser
    beforeAll(async () => {
      smtp = await smtpReceiver()
      closers.push(smtp.close)
      server = await startServer({
        env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'receipts@example.test' },
      })
      closers.push(
        () => server.cleanup(),
        () => server.stop(),
      )
      // CSP bypassed for axe's injected script only; the recipient sees the page as served.
      creator = await launchBrowser({ bypassCSP: true })
      recipient = await launchBrowser()
      closers.push(
        () => creator.close(),
        () => recipient.close(),
      )
    })

    it('By email: the address gets one mail once the link is read, naming the label, never the secret or link', async () => {
      const secret = `receipt canary ${randomUUID()}`
      const page = await creator.context.newPage()
      await page.goto(`${server.origin}/`)
      await page.getByRole('textbox', { name: 'Secret', exact: true }).fill(secret)
      await page.getByLabel('Label').fill('Wi-Fi for the guests')
      await page.getByRole('radio', { name: 'By email' }).check()
      await page.getByText('keeps this address in clear until the link ends').waitFor()
      await page.getByRole('textbox', { name: 'Receipt address' }).fill('owner@example.test')
      await page.getByRole('checkbox', { name: 'Name the link in the receipt' }).check()
      expect(await axeViolations(page)).toEqual({ light: [], dark: [] })
      if (SCREENS) {
        for (const width of [390, 1280]) {
          await page.setViewportSize({ width, height: 1100 })
          for (const colorScheme of ['light', 'dark'] as const) {
            await page.emulateMedia({ colorScheme })
            await page.screenshot({
              path: join(SCREENS, `create-receipt-${width}-${colorScheme}.png`),
              fullPage: true,
            })
          }
        }
      }
      await page.getByRole('button', { name: 'Create secret link' }).click()
      const linkField = page.getByRole('textbox', { name: 'Secret link', exact: true })
      await linkField.waitFor()
      const link = await linkField.inputValue()

      const reader = await recipient.context.newPage()
      await openLink(reader, link)
      expect(await pressReveal(reader)).toBe(secret)

      // Once: a second look finds nothing more.
      const mails = await newMails(smtp, 0)
      expect(mails).toHaveLength(1)
      const { to, raw } = mails[0]!
      expect(to).toEqual(['owner@example.test'])
      expect(raw).toMatch(/^Subject: SecretSentry: your secret link was read$/m)
      expect(raw).toContain('Your secret link "Wi-Fi for the guests"')
      expect(raw).not.toContain(secret)
      expect(raw).not.toContain(new URL(link).hash.slice(1))
      expect(raw).not.toMatch(/https?:|:\/\/|\/s#/)
      const status = await shareStatus(
        server.origin,
        shareIdOfLink(link),
        await manageTokenFor(page, shareIdOfLink(link)),
      )
      expect(status?.state).toBe('read')
    })

    it("the vault's Share panel: the same receipt choices, one mail naming the label, never the value or link", async () => {
      const seen = smtp.mails.length
      const page = await creator.context.newPage()
      await page.setViewportSize({ width: 390, height: 900 })
      await registerViaUi(
        page,
        server.origin,
        `e2e-${randomUUID().slice(0, 8)}`,
        `master ${randomUUID()}`,
      )
      const value = `vault receipt canary ${randomUUID()}`
      await addSecretViaUi(page, {
        name: 'Staging DB',
        description: 'receipt from the vault',
        tags: [],
        path: '/staging',
        value,
      })
      await page.getByRole('button', { name: 'Share', exact: true }).click()
      const panel = page.getByRole('region', { name: 'Share the current value' })
      // The owner is logged in: the account's channels are offered, and email as this server mails.
      expect(
        await panel
          .getByRole('radio')
          .evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value)),
      ).toEqual(['none', 'email', 'account'])
      await panel.getByRole('textbox', { name: /^Label/ }).fill('For Alex, staging')
      await panel.getByRole('radio', { name: 'By email' }).check()
      await panel.getByText('keeps this address in clear until the link ends').waitFor()
      await panel.getByRole('textbox', { name: 'Receipt address' }).fill('owner@example.test')
      await panel.getByRole('checkbox', { name: 'Name the link in the receipt' }).check()
      expect(await axeViolations(page)).toEqual({ light: [], dark: [] })
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 1100 })
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          await page.evaluate(
            () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
          )
          const sideways = await page.evaluate(
            () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
          )
          expect(sideways, `the vault's Share panel scrolls sideways at ${width} px`).toBe(false)
          if (SCREENS) {
            await panel.screenshot({
              path: join(SCREENS, `vault-share-receipt-${width}-${colorScheme}.png`),
            })
          }
        }
      }
      await panel.getByRole('button', { name: 'Create secret link' }).click()
      const linkField = page.getByRole('textbox', { name: 'Secret link', exact: true })
      await linkField.waitFor()
      const link = await linkField.inputValue()

      const reader = await recipient.context.newPage()
      await openLink(reader, link)
      expect(await pressReveal(reader)).toBe(value)

      const mails = await newMails(smtp, seen)
      expect(mails).toHaveLength(1)
      const { to, raw } = mails[0]!
      expect(to).toEqual(['owner@example.test'])
      expect(raw).toMatch(/^Subject: SecretSentry: your secret link was read$/m)
      expect(raw).toContain('Your secret link "For Alex, staging"')
      expect(raw).not.toContain(value)
      expect(raw).not.toContain('Staging DB')
      expect(raw).not.toContain(new URL(link).hash.slice(1))
      expect(raw).not.toMatch(/https?:|:\/\/|\/s#/)
    })
  },
)
