/** @module The whole product in two real browsers: create a text share, send the link, reveal it once, then the calm "gone" message. */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { shareStatus } from './support/api.ts'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { createViaUi, manageTokenFor, openLink, pressReveal, shareIdOfLink } from './support/ui.ts'

const GONE = "This secret doesn't exist, has expired, or has already been viewed."

describe.skipIf(browserSkipReason !== null)('create → reveal in two browsers', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])

  it('reveals the text once, in another browser, and only after Reveal is pressed', async () => {
    const secret = `flow secret ${randomUUID()}\nsecond line`
    const createPage = await suite.creator.context.newPage()
    const link = await createViaUi(createPage, suite.server.origin, { text: secret, maxViews: 1 })
    expect(link).toMatch(new RegExp(`^${suite.server.origin}/s#1\\.[A-Za-z0-9_-]{43}$`))

    const id = shareIdOfLink(link)
    const token = await manageTokenFor(createPage, id)
    // "My links" keeps the token, never the link (whose fragment is the key).
    const stored = await createPage.evaluate(() => JSON.stringify({ ...localStorage }))
    expect(stored).not.toContain(new URL(link).hash.slice(1))

    const page = await suite.recipient.context.newPage()
    await openLink(page, link)
    await page.getByRole('heading', { name: 'Someone shared a secret with you' }).waitFor()
    // The page took the key out of the address bar as soon as it read it.
    expect(page.url()).toBe(`${suite.server.origin}/s`)
    const before = await shareStatus(suite.server.origin, id, token)
    expect(before?.viewsLeft).toBe(1)
    expect(before?.opens).toEqual([])

    expect(await pressReveal(page)).toBe(secret)
    expect(page.url()).not.toContain('#')
    await page.getByText('This was the last view').waitFor()
    const after = await shareStatus(suite.server.origin, id, token)
    expect(after === null || after.viewsLeft === 0).toBe(true)

    // A second visit (same link, fresh tab) can only get the calm message.
    const again = await suite.recipient.context.newPage()
    await openLink(again, link)
    await again.getByRole('button', { name: 'Reveal secret' }).click()
    await again.getByRole('heading', { name: 'Secret not available' }).waitFor()
    expect(await again.getByText(GONE).isVisible()).toBe(true)
    expect(await again.getByRole('textbox', { name: 'Secret text' }).count()).toBe(0)
  })

  it('gives the same message for a link that never existed', async () => {
    const page = await suite.recipient.context.newPage()
    // A well-formed fragment whose share was never created.
    await openLink(page, `${suite.server.origin}/s#1.${'A'.repeat(43)}`)
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    await page.getByRole('heading', { name: 'Secret not available' }).waitFor()
    expect(await page.getByText(GONE).isVisible()).toBe(true)
  })
})
