/** @module The keyring's v1 known-answer vectors pass inside Chromium, on our own origin, where the web app runs them. */
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { REPO_ROOT } from './support/paths.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { readVectors, runVectorsInPage } from './support/vectors.ts'

const KEYRING_DIR = resolve(REPO_ROOT, 'packages/keyring')

describe.skipIf(browserSkipReason !== null)('keyring vectors in Chromium', () => {
  // bypassCSP only in this suite: the app's CSP rightly refuses injected test code.
  const suite = useServerAndBrowsers(['browser'], { bypassCSP: true })

  it('derives, wraps, seals and opens every vector exactly as the node:crypto generator did', async () => {
    const vectors = await readVectors<{
      accounts: unknown[]
      fields: unknown[]
      invalidOpens: unknown[]
      tokens: { grants: unknown[] }[]
      invalidTokens: unknown[]
      invalidGrants: unknown[]
      moves: unknown[]
    }>(KEYRING_DIR, 'test/vectors/v1.json')
    expect(vectors.accounts.length).toBeGreaterThan(0)

    const page = await suite.browser.context.newPage()
    await page.goto(`${suite.server.origin}/`)
    const report = await runVectorsInPage(
      page,
      resolve(KEYRING_DIR, 'test/browser-vectors.ts'),
      'KeyringVectors',
      vectors,
    )
    expect(report.failed).toEqual([])
    // One per account, three per field, one per invalid open, the service-token and move
    // checks (4 per token, 2 per grant, 1 per invalid token or grant, 2 per move) at least: all ran.
    expect(vectors.tokens.length).toBeGreaterThan(0)
    expect(report.passed).toBeGreaterThanOrEqual(
      vectors.accounts.length +
        vectors.fields.length * 3 +
        vectors.invalidOpens.length +
        vectors.tokens.reduce((n, t) => n + 4 + t.grants.length * 2, 0) +
        vectors.invalidTokens.length +
        vectors.invalidGrants.length +
        vectors.moves.length * 2,
    )
  })
})
