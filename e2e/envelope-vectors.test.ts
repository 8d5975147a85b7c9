/** @module The envelope's v1 known-answer vectors pass inside Chromium, on our own origin (a secure context), with both backends. */
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { ENVELOPE_DIR } from './support/paths.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { readVectors, runVectorsInPage } from './support/vectors.ts'

describe.skipIf(browserSkipReason !== null)('envelope vectors in Chromium', () => {
  // bypassCSP only in this suite: the app's CSP rightly refuses injected test code.
  const suite = useServerAndBrowsers(['browser'], { bypassCSP: true })

  it('runs every vector with WebCrypto and noble and they all pass', async () => {
    const vectors = await readVectors<{ vectors: unknown[] }>(ENVELOPE_DIR, 'test/vectors/v1.json')
    expect(vectors.vectors.length).toBeGreaterThan(0)

    const page = await suite.browser.context.newPage()
    await page.goto(`${suite.server.origin}/`)
    const secure = await page.evaluate(() => window.isSecureContext && Boolean(crypto.subtle))
    expect(secure).toBe(true)
    const report = await runVectorsInPage(
      page,
      resolve(ENVELOPE_DIR, 'test/browser-vectors.ts'),
      'EnvelopeVectors',
      vectors,
    )
    expect(report.failed).toEqual([])
    // Keys, fragment and prepareOpen once per vector, plus seal and open per backend: at least 6 each.
    expect(report.passed).toBeGreaterThanOrEqual(vectors.vectors.length * 6)
  })
})
