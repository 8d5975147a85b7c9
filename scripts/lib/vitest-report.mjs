/** @module scripts/lib/vitest-report — turns one vitest JSON report into passed/failed/skipped counts */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The vitest CLI script that a package in `dir` would run (its own version, resolved like an import). */
export function vitestEntry(dir) {
  const require = createRequire(join(dir, 'package.json'))
  const manifestPath = require.resolve('vitest/package.json')
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8'))
  return join(dirname(manifestPath), typeof bin === 'string' ? bin : bin.vitest)
}

/** Arguments for `vitest run` that keep the normal console output and also write a JSON report. */
export function vitestArgs(reportPath) {
  return [
    'run',
    '--passWithNoTests',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportPath}`,
  ]
}

/** Reads a report file; undefined when the run died before writing one. */
export function readReport(reportPath) {
  try {
    return JSON.parse(readFileSync(reportPath, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * Counts a suite. Failures that are not failed tests still count, so a broken suite can never
 * read as green: no report at all, a test file that throws on import, or a non-zero exit.
 */
export function summarizeVitest(report, exitCode) {
  if (!report)
    return { passed: 0, failed: 1, skipped: 0, note: `crashed (exit ${exitCode}, no report)` }
  const passed = report.numPassedTests ?? 0
  let failed = report.numFailedTests ?? 0
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  const notes = []
  const brokenFiles = (report.testResults ?? []).filter(
    (file) =>
      file.status === 'failed' &&
      !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length
  if (brokenFiles > 0) {
    failed += brokenFiles
    notes.push(`${brokenFiles} file(s) failed to run`)
  }
  if (exitCode !== 0 && failed === 0) {
    failed = 1
    notes.push(`exit ${exitCode} with no failed test`)
  }
  return { passed, failed, skipped, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) }
}
