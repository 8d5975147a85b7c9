/** @module The keyring's v1 known-answer vectors pass inside Chromium, on our own origin, where the web app runs them. */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { REPO_ROOT } from './support/paths.ts'
import { useServerAndBrowsers } from './support/suite.ts'

const KEYRING_DIR = resolve(REPO_ROOT, 'packages/keyring')

interface VectorReport {
  passed: number
  failed: { name: string; error: string }[]
}

describe.skipIf(browserSkipReason !== null)('keyring vectors in Chromium', () => {
  // bypassCSP only in this suite: the app's CSP rightly refuses injected test code.
  const suite = useServerAndBrowsers(['browser'], { bypassCSP: true })

  it('derives, wraps, seals and opens every vector exactly as the node:crypto generator did', async () => {
    const bundle = await build({
      entryPoints: [resolve(KEYRING_DIR, 'test/browser-vectors.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'KeyringVectors',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    })
    const code = bundle.outputFiles[0]?.text ?? ''
    const vectors = JSON.parse(
      await readFile(resolve(KEYRING_DIR, 'test/vectors/v1.json'), 'utf8'),
    ) as { accounts: unknown[]; fields: unknown[]; invalidOpens: unknown[] }
    expect(vectors.accounts.length).toBeGreaterThan(0)

    const page = await suite.browser.context.newPage()
    await page.goto(`${suite.server.origin}/`)
    await page.addScriptTag({ content: code })
    const report = await page.evaluate(
      (v) =>
        (
          window as unknown as {
            KeyringVectors: { runVectorChecks(v: unknown): Promise<VectorReport> }
          }
        ).KeyringVectors.runVectorChecks(v),
      vectors,
    )
    expect(report.failed).toEqual([])
    // One per account, three per field and one per invalid open at least: all of them ran.
    expect(report.passed).toBeGreaterThanOrEqual(
      vectors.accounts.length + vectors.fields.length * 3 + vectors.invalidOpens.length,
    )
  })
})
