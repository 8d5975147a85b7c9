/** @module Issue 8 item 4 in Chromium: a server that lowers an account's KDF below what this browser last used gets no Argon2id run and no login until the user says "Log in anyway". */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { registerViaUi } from './support/vault-flow.ts'

const SLOW = { timeout: 60_000 }
/** OWASP's floor, which the client accepts on its own: only the memory of last time catches it. */
const FLOOR = { algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 }

describe.skipIf(browserSkipReason !== null)('a lowered KDF after registration', () => {
  const suite = useServerAndBrowsers(['browser'])

  it('warns with old and new settings, sends no login until Log in anyway, then sends it', async () => {
    const username = `kdf-${randomUUID().slice(0, 8)}`
    const password = `master ${randomUUID()}`
    const page = await suite.browser.context.newPage()
    await registerViaUi(page, suite.server.origin, username, password)
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor()

    // The server turned hostile: its prelogin answer asks for the floor instead of 64 MiB, t=3.
    await page.route('**/api/prelogin', async (route) => {
      const res = await route.fetch()
      const body = (await res.json()) as { salt: string }
      await route.fulfill({ response: res, json: { ...body, kdf: FLOOR } })
    })
    const logins: string[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/login') logins.push(r.url())
    })
    await page.getByLabel('Username').fill(username)
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Log in' }).click()
    const warning = page.getByRole('alert')
    await warning.getByText('weaker protection of your master password than last time').waitFor()
    const text = await warning.innerText()
    expect(text).toContain('Last time in this browser: 64 MiB of memory, 3 passes')
    expect(text).toContain('Now: 19 MiB of memory, 2 passes')
    expect(text).toContain('tampered with')
    expect(await page.getByText('Deriving your keys').count()).toBe(0)
    expect(logins).toEqual([])

    // The account really has 64 MiB, t=3: keys derived with the floor are refused by the server,
    // which shows that "anyway" went through with what the user accepted.
    await page.getByRole('button', { name: 'Log in anyway' }).click()
    await page.getByRole('alert').getByText('Wrong username or master password.').waitFor(SLOW)
    expect(logins).toHaveLength(1)
    await page.close()
  })
})
