/** @module scripts/lib/vitest-report tests — the summary line must never read green for a broken suite */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { readReport, summarizeVitest, vitestArgs, vitestEntry } from './vitest-report.mjs'

const fixture = join(import.meta.dirname, 'fixtures', 'vitest-suite')
const outDir = mkdtempSync(join(tmpdir(), 'vitest-report-test-'))
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('summarizeVitest', () => {
  test('counts a real vitest run: pass, fail, skip + todo, and a file that throws on import', () => {
    const reportPath = join(outDir, 'report.json')
    const run = spawnSync(process.execPath, [vitestEntry(fixture), ...vitestArgs(reportPath)], {
      cwd: fixture,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
    })
    expect(run.status).not.toBe(0)
    const summary = summarizeVitest(readReport(reportPath), run.status)
    expect(summary).toMatchObject({ passed: 1, failed: 2, skipped: 2 })
    expect(summary.note).toContain('1 file(s) failed to run')
  })

  test('a run that wrote no report counts as one failure', () => {
    expect(readReport(join(outDir, 'missing.json'))).toBeUndefined()
    expect(summarizeVitest(undefined, 1)).toMatchObject({ passed: 0, failed: 1, skipped: 0 })
  })

  test('a non-zero exit with no failed test counts as one failure', () => {
    const report = { numPassedTests: 3, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 }
    expect(summarizeVitest(report, 1)).toMatchObject({ passed: 3, failed: 1 })
    expect(summarizeVitest(report, 0)).toEqual({ passed: 3, failed: 0, skipped: 0 })
  })
})
