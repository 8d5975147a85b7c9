/** @module Reloading the reveal page in Chromium: the key stays out of the address bar, a reload before Reveal still reveals, a reload after it cannot. */
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { createTextShare } from './support/api.ts'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { openLink, pressReveal } from './support/ui.ts'

/** API requests the page makes from now on. */
function apiRequests(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/api/')) seen.push(`${req.method()} ${req.url()}`)
  })
  return seen
}

describe.skipIf(browserSkipReason !== null)('reloading the reveal page', () => {
  const suite = useServerAndBrowsers(['recipient'])

  it('a reload before Reveal still reveals; after Reveal it shows no secret and sends nothing', async () => {
    const secret = `reload secret ${randomUUID()}`
    const share = await createTextShare(suite.server.origin, secret, { maxViews: 1 })
    const page = await suite.recipient.context.newPage()
    const api = apiRequests(page)

    await openLink(page, share.link)
    expect(page.url()).toBe(`${suite.server.origin}/s`)
    await page.reload()
    await page.getByRole('button', { name: 'Reveal secret' }).waitFor()
    expect(page.url()).toBe(`${suite.server.origin}/s`)
    expect(api).toEqual([])

    expect(await pressReveal(page)).toBe(secret)
    expect(api).toHaveLength(1)
    const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage }))
    expect(storage).not.toContain(share.fragment.slice(2))

    await page.reload()
    await page.getByRole('heading', { name: 'No secret in this link' }).waitFor()
    expect(await page.getByRole('button', { name: 'Reveal secret' }).count()).toBe(0)
    expect(api).toHaveLength(1)
  })

  it('keeps the key for its own tab only, and the newest link opened in the tab wins', async () => {
    const first = await createTextShare(suite.server.origin, `first ${randomUUID()}`)
    const second = await createTextShare(suite.server.origin, `second ${randomUUID()}`)
    const page = await suite.recipient.context.newPage()
    await openLink(page, first.link)

    // Another tab of the same browser has nothing to reveal.
    const other = await suite.recipient.context.newPage()
    await other.goto(`${suite.server.origin}/s`)
    await other.getByRole('heading', { name: 'No secret in this link' }).waitFor()

    // A second link pasted into the same tab (only the hash changes), then a reload.
    await page.goto(second.link)
    await page.waitForURL(`${suite.server.origin}/s`)
    await page.reload()
    await page.getByRole('button', { name: 'Reveal secret' }).waitFor()
    expect(await pressReveal(page)).toMatch(/^second /)
  })

  it('"Not now, forget this link" drops the key from the tab and burns nothing', async () => {
    const secret = `kept ${randomUUID()}`
    const share = await createTextShare(suite.server.origin, secret)
    const page = await suite.recipient.context.newPage()
    const api = apiRequests(page)
    await openLink(page, share.link)
    await page.getByRole('button', { name: 'Not now, forget this link' }).click()
    await page.getByRole('heading', { name: 'Link forgotten' }).waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'No secret in this link' }).waitFor()
    expect(api).toEqual([])
    // The secret is untouched: the link still opens it.
    await openLink(page, share.link)
    expect(await pressReveal(page)).toBe(secret)
  })
})
