/** @module The CLI as users run it, for the suites that spawn it: built once per file, removed after. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { REPO_ROOT } from './paths.ts'

const CLI_DIR = join(REPO_ROOT, 'apps/cli')

/**
 * Builds the CLI bundle before the file's tests and deletes it after; returns the bundle's path
 * (valid once the tests run). Built inside apps/cli so its one external dependency,
 * better-sqlite3, resolves as installed.
 */
export function useCliBundle(): () => string {
  let packageDir = ''
  beforeAll(() => {
    packageDir = mkdtempSync(join(CLI_DIR, 'dist', '.e2e-'))
    execFileSync(process.execPath, [join(CLI_DIR, 'build.mjs'), join(packageDir, 'dist')], {
      stdio: 'pipe',
    })
  }, 120_000)
  afterAll(() => {
    if (packageDir) rmSync(packageDir, { recursive: true, force: true })
  })
  return () => join(packageDir, 'dist', 'secretsentry.mjs')
}
