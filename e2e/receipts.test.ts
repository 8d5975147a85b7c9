/**
 * @module Read receipts in real browsers: a link opened in another browser shows as "Read …" in
 * the creator's My links, from the server's receipt (no secret kept). Set LAYOUT_SCREENS=<dir>
 * to save My links with read, expired, destroyed and live rows at 390 and 1280 px, light and dark.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { createTextShare, openShare, shareStatus } from './support/api.ts'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
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
