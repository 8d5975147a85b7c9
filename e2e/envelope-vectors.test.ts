/** @module The envelope's v1 known-answer vectors pass inside Chromium, on our own origin (a secure context), with both backends. */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { ENVELOPE_DIR } from './support/paths.ts'
import { useServerAndBrowsers } from './support/suite.ts'

interface VectorReport {
  passed: number
  failed: { name: string; error: string }[]
}

describe.skipIf(browserSkipReason !== null)('envelope vectors in Chromium', () => {
  // bypassCSP only in this suite: the app's CSP rightly refuses injected test code.
  const suite = useServerAndBrowsers(['browser'], { bypassCSP: true })

  it('runs every vector with WebCrypto and noble and they all pass', async () => {
    const bundle = await build({
      entryPoints: [resolve(ENVELOPE_DIR, 'test/browser-vectors.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'EnvelopeVectors',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    })
    const code = bundle.outputFiles[0]?.text ?? ''
    const vectors = JSON.parse(
      await readFile(resolve(ENVELOPE_DIR, 'test/vectors/v1.json'), 'utf8'),
    ) as { vectors: unknown[] }
    expect(vectors.vectors.length).toBeGreaterThan(0)

    const page = await suite.browser.context.newPage()
    await page.goto(`${suite.server.origin}/`)
    const secure = await page.evaluate(() => window.isSecureContext && Boolean(crypto.subtle))
    expect(secure).toBe(true)
    await page.addScriptTag({ content: code })
    const report = await page.evaluate(
      (v) =>
        (
          window as unknown as {
            EnvelopeVectors: { runVectorChecks(v: unknown): Promise<VectorReport> }
          }
        ).EnvelopeVectors.runVectorChecks(v),
      vectors,
    )
    expect(report.failed).toEqual([])
    // Keys, fragment and prepareOpen once per vector, plus seal and open per backend: at least 6 each.
    expect(report.passed).toBeGreaterThanOrEqual(vectors.vectors.length * 6)
  })
})
