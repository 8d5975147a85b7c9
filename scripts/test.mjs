/** @module scripts/test — `npm test`: install if needed, build, run every suite, print one summary line */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReport, summarizeVitest, vitestArgs, vitestEntry } from './lib/vitest-report.mjs'
import {
  BUILDS,
  buildApps,
  currentChild,
  ensureDeps,
  ROOT,
  run,
  runPnpm,
  staleBuilds,
  workspacePackages,
} from './lib/workspace.mjs'

// `npm test -- envelope lint` runs only the suites and steps whose name contains a filter.
const filters = process.argv.slice(2)
const wanted = (name) => filters.length === 0 || filters.some((filter) => name.includes(filter))

let interrupted
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = signal
    currentChild()?.kill(signal)
  })
}

await ensureDeps()

const outDir = mkdtempSync(join(tmpdir(), 'secretsentry-test-'))
/** @type {{ name: string, passed: number, failed: number, skipped: number, seconds: number, note?: string }[]} */
const results = []

function banner(name) {
  console.log(`\n━━ ${name} ━━`)
}

/** A command whose exit code is the verdict: counted as one test. */
async function step(name, start, always = false) {
  if ((!always && !wanted(name)) || interrupted) return
  banner(name)
  const began = performance.now()
  const code = await start()
  results.push({
    name,
    passed: code === 0 ? 1 : 0,
    failed: code === 0 ? 0 : 1,
    skipped: 0,
    seconds: (performance.now() - began) / 1000,
    ...(code === 0 ? {} : { note: `exit ${code}` }),
  })
}

async function vitestSuite(pkg) {
  if (!wanted(pkg.path) || interrupted) return
  banner(`${pkg.path} (vitest)`)
  const report = join(outDir, `${pkg.path.replaceAll('/', '-')}.json`)
  const began = performance.now()
  let code
  try {
    code = await run(process.execPath, [vitestEntry(pkg.dir), ...vitestArgs(report)], {
      cwd: pkg.dir,
    })
  } catch (error) {
    console.error(`Could not start vitest in ${pkg.path}: ${error.message}`)
    code = 127
  }
  results.push({
    name: pkg.path,
    ...summarizeVitest(readReport(report), code),
    seconds: (performance.now() - began) / 1000,
  })
}

// The e2e suite drives the built app; both builds come first, always from current sources.
// A filtered run still must not test stale output: it rebuilds what is out of date.
if (filters.length === 0) await step('build', () => buildApps(BUILDS))
else if (staleBuilds().length > 0) await step('build', () => buildApps(staleBuilds()), true)

// Fast unit suites first, the browser suite last.
const rank = (path) =>
  path.startsWith('packages/') ? 0 : path.startsWith('apps/') ? 1 : path === 'e2e' ? 3 : 2
const packages = workspacePackages().filter((pkg) => pkg.manifest.scripts?.test)
// The tooling's own tests (this orchestrator's counting) are a suite like the others.
if (existsSync(join(ROOT, 'scripts', 'vitest.config.mjs'))) {
  packages.push({
    dir: join(ROOT, 'scripts'),
    path: 'scripts',
    manifest: { scripts: { test: 'vitest' } },
  })
}
packages.sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path))
for (const pkg of packages) {
  if (/\bvitest\b/.test(pkg.manifest.scripts.test)) await vitestSuite(pkg)
  else
    await step(`${pkg.path} (pnpm test)`, () =>
      runPnpm(['--filter', pkg.manifest.name, 'run', 'test']),
    )
}

await step('typecheck (pnpm typecheck)', () => runPnpm(['run', 'typecheck']))
await step('lint (pnpm lint)', () => runPnpm(['run', 'lint']))

rmSync(outDir, { recursive: true, force: true })

const total = { passed: 0, failed: 0, skipped: 0 }
for (const result of results) {
  total.passed += result.passed
  total.failed += result.failed
  total.skipped += result.skipped
}

const width = Math.max(5, ...results.map((result) => result.name.length))
const row = (name, passed, failed, skipped, time, note = '') =>
  `${name.padEnd(width)}  ${String(passed).padStart(6)}  ${String(failed).padStart(6)}  ${String(skipped).padStart(7)}  ${time.padStart(7)}  ${note}`.trimEnd()
console.log('')
console.log(row('Suite', 'passed', 'failed', 'skipped', 'time'))
for (const result of results) {
  const mark = result.failed > 0 ? '✗ ' : ''
  console.log(
    row(
      result.name,
      result.passed,
      result.failed,
      result.skipped,
      `${result.seconds.toFixed(1)}s`,
      mark + (result.note ?? ''),
    ),
  )
}
if (interrupted) console.log(`Interrupted by ${interrupted}; later suites did not run.`)
if (results.length === 0) console.log(`No suite matches ${filters.join(', ')}.`)
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`)

process.exitCode = interrupted ? 130 : total.failed > 0 || results.length === 0 ? 1 : 0
