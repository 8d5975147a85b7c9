/**
 * @module Rotation intervals in a real browser against the built server: set on a new secret,
 * changed in the editor, and, with the page's clock two days on (the server keeps its own, real
 * time), the "Rotate" badge in the list, the notice on the secret's page and the Account page's
 * list of secrets due; axe-clean in light and dark, no sideways scrolling at phone width.
 */
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { registerViaUi } from './support/vault-flow.ts'

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const DAY_MS = 86_400_000

/** Serious and critical axe violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<{ id: string; impact: string | null }[]> {
  await page.addScriptTag({ content: await AXE_SOURCE })
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(d: Document): Promise<{ violations: { id: string; impact: string | null }[] }> }
      }
    ).axe
    return (await axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)

describe.skipIf(browserSkipReason !== null)('rotation in the web app', () => {
  // bypassCSP: the strict CSP rightly refuses the injected axe script.
  const suite = useServerAndBrowsers(['browser'], { bypassCSP: true })

  it('interval on create and edit; two days later the badge, the notice and the Account list', async () => {
    const o = suite.server.origin
    const page = await suite.browser.context.newPage()
    await registerViaUi(page, o, `rot-${Date.now()}`, 'rotation master password')

    // A new secret with an interval of 30 days.
    await page.getByRole('link', { name: 'Add your first secret' }).click()
    await page.getByLabel('Name').fill('DB_PASSWORD')
    await page.getByLabel(/^Path/).fill('/app/production')
    await page.getByLabel(/^Rotate every/).fill('30')
    await page.getByLabel('Value', { exact: true }).fill('first value')
    await page.getByRole('button', { name: 'Save secret' }).click()
    await page.getByRole('heading', { level: 1, name: 'DB_PASSWORD' }).waitFor()
    await page.getByText('rotate every 30 days').waitFor()

    // Changed in the editor to one day; the value stays.
    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    const field = page.getByLabel(/^Rotate every/)
    expect(await field.inputValue()).toBe('30')
    await field.fill('1')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved.', { exact: false }).waitFor()
    await page.getByText('rotate every 1 day', { exact: false }).waitFor()
    expect(await page.locator('.due').count()).toBe(0)

    // A second secret without an interval stays fresh: 2 days is far from 90.
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await page.getByRole('link', { name: 'New secret' }).first().click()
    await page.getByLabel('Name').fill('PLAIN')
    await page.getByLabel('Value', { exact: true }).fill('plain value')
    await page.getByRole('button', { name: 'Save secret' }).click()
    await page.getByRole('heading', { level: 1, name: 'PLAIN' }).waitFor()

    // Two days on, as far as this page can tell.
    await page.clock.setFixedTime(Date.now() + 2 * DAY_MS)
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    const list = page.getByRole('list', { name: 'Secrets' })
    await list.waitFor()
    const dbRow = list.getByRole('listitem').filter({ hasText: 'DB_PASSWORD' })
    await dbRow.getByText('Rotate', { exact: true }).waitFor()
    expect(await dbRow.locator('.rotate').textContent()).toBe(
      'Rotate due for rotation: 2 days old, interval 1 day',
    )
    const plainRow = list.getByRole('listitem').filter({ hasText: 'PLAIN' })
    expect(await plainRow.locator('.rotate').count()).toBe(0)

    const dir = process.env.SCREENSHOT_DIR
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 })
        expect(await seriousViolations(page)).toEqual([])
        expect(await scrollsSideways(page)).toBe(false)
        await expect(dbRow.getByText('Rotate', { exact: true }).isVisible()).resolves.toBe(true)
        if (dir) {
          mkdirSync(dir, { recursive: true })
          await page.screenshot({ path: join(dir, `rotation-list-${width}-${colorScheme}.png`) })
        }
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.emulateMedia({ colorScheme: 'light' })

    // The Account page lists it by its decrypted path, with a link to it.
    await page.getByRole('link', { name: 'Account', exact: true }).click()
    const due = page.getByRole('list', { name: 'Secrets due for rotation' })
    await due.waitFor()
    expect(await due.getByRole('listitem').count()).toBe(1)
    expect(await due.textContent()).toContain('/app/production/DB_PASSWORD')
    expect(await due.textContent()).toContain('2 days old, interval 1 day')
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 })
        await due.scrollIntoViewIfNeeded()
        expect(await seriousViolations(page)).toEqual([])
        expect(await scrollsSideways(page)).toBe(false)
        if (dir)
          await page.screenshot({ path: join(dir, `rotation-account-${width}-${colorScheme}.png`) })
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.emulateMedia({ colorScheme: 'light' })

    await due.getByRole('link', { name: 'DB_PASSWORD' }).click()
    await page.getByRole('heading', { level: 1, name: 'DB_PASSWORD' }).waitFor()
    expect(await page.locator('.due').textContent()).toContain(
      'the current value is 2 days old (interval 1 day)',
    )
    expect(await seriousViolations(page)).toEqual([])

    // A new current value is fresh again: the badge and the notice go.
    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    await page.getByLabel(/^New value/).fill('second value')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved.', { exact: false }).waitFor()
    await page.clock.setFixedTime(Date.now() + 60_000)
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await list.waitFor()
    expect(await list.locator('.rotate').count()).toBe(0)
  })
})
