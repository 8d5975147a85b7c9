/** @module Runs a package's browser known-answer vectors inside a page: the entry is bundled with esbuild as an IIFE and injected, so the same code the web app ships is exercised by Chromium's own crypto. */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import type { Page } from 'playwright-core'

export interface VectorReport {
  passed: number
  failed: { name: string; error: string }[]
}

/** Reads a package's vector file (relative to its directory). */
export async function readVectors<T>(packageDir: string, file: string): Promise<T> {
  return JSON.parse(await readFile(resolve(packageDir, file), 'utf8')) as T
}

/**
 * Bundles `entry` (which exports `runVectorChecks`) under `globalName`, injects it into `page`
 * (already on our origin; its context must bypass CSP) and returns its report for `vectors`.
 */
export async function runVectorsInPage(
  page: Page,
  entry: string,
  globalName: string,
  vectors: unknown,
): Promise<VectorReport> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName,
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' })
  return page.evaluate(
    async ([name, v]) => {
      const api = (window as unknown as Record<string, VectorApi | undefined>)[name]
      if (api === undefined) throw new Error(`bundle did not define window.${name}`)
      return api.runVectorChecks(v)
    },
    [globalName, vectors] as const,
  )
}

interface VectorApi {
  runVectorChecks(v: unknown): Promise<VectorReport>
}
