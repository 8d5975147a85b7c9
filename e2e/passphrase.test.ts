/** @module A passphrase-protected link: a wrong passphrase says how many attempts are left, the right one reveals. */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { shareStatus } from './support/api.ts'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { createViaUi, manageTokenFor, openLink, pressReveal, shareIdOfLink } from './support/ui.ts'

describe.skipIf(browserSkipReason !== null)('passphrase', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])

  it('a wrong passphrase shows 4 attempts left and burns nothing; the right one reveals', async () => {
    const secret = `passphrase secret ${randomUUID()}`
    const passphrase = `correct horse ${randomUUID()}`
    const createPage = await suite.creator.context.newPage()
    const link = await createViaUi(createPage, suite.server.origin, { text: secret, passphrase })
    // The link says a passphrase is needed ('.p' flag) but does not contain it.
    expect(link).toMatch(/#1\.[A-Za-z0-9_-]{43}\.p$/)
    const id = shareIdOfLink(link)
    const token = await manageTokenFor(createPage, id)

    const page = await suite.recipient.context.newPage()
    await openLink(page, link)
    await page.getByLabel('Passphrase').fill('not the passphrase')
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('Wrong passphrase. 4 attempts left.')
    expect(await page.getByLabel('Passphrase').getAttribute('aria-invalid')).toBe('true')
    const status = await shareStatus(suite.server.origin, id, token)
    expect(status?.failedAttempts).toBe(1)
    expect(status?.viewsLeft).toBe(1)

    expect(await pressReveal(page, passphrase)).toBe(secret)
  })
})
