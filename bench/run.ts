/** @module `pnpm bench`: measures the built server under load and in Chromium (SPEC §8) and prints a Markdown table for the README. */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import {
  chromiumAvailable,
  measurePageCrypto,
  measureRevealPage,
  type PageCryptoFigures,
  type RevealPageFigures,
} from './lib/browser.ts'
import { measureCrypto, type CryptoFigures } from './lib/crypto.ts'
import { createTextShareFragment } from './lib/fixtures.ts'
import { runLoad, type LoadFigures, type RequestPlan } from './lib/load.ts'
import { createBodyStream, createPool, openablePool, type OpenableShare } from './lib/pool.ts'
import {
  REPO_ROOT,
  SERVER_MAIN,
  rssBytes,
  startBenchServer,
  type BenchServer,
} from './lib/server.ts'
import { summarize, type Summary } from './lib/stats.ts'
import { measureVault, type VaultFigures } from './lib/vault.ts'

function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`)
  return value
}

const settings = {
  seconds: envInt('BENCH_SECONDS', 10),
  connections: envInt('BENCH_CONNECTIONS', 50),
  warmupSeconds: envInt('BENCH_WARMUP_SECONDS', 2),
  payloadBytes: envInt('BENCH_PAYLOAD_BYTES', 1024),
  /** The rate the precomputed pools are sized for; beyond it bodies repeat (409s, shown as non-2xx). */
  maxRate: envInt('BENCH_MAX_RATE', 25_000),
  startupRuns: envInt('BENCH_STARTUP_RUNS', 5),
  browserSamples: envInt('BENCH_BROWSER_SAMPLES', 5),
  /** Rows to store before the "scale" comparison of opens; 0 skips it (1,000,000 takes minutes). */
  scaleRows: envInt('BENCH_SCALE_ROWS', 0),
  /** Secrets in the vault whose list is timed; 0 skips the vault figures. */
  vaultSecrets: envInt('BENCH_VAULT_SECRETS', 1000),
  vaultSamples: envInt('BENCH_VAULT_SAMPLES', 5),
  crypto: process.env.BENCH_SKIP_CRYPTO !== '1',
  browser: process.env.BENCH_SKIP_BROWSER !== '1',
}

function ensureBuilt(): void {
  const web = resolve(REPO_ROOT, 'apps/web/dist/index.html')
  for (const [pkg, output] of [
    ['@secretsentry/web', web],
    ['@secretsentry/server', SERVER_MAIN],
  ] as const) {
    if (existsSync(output)) continue
    console.log(`building ${pkg} (no ${output})`)
    execFileSync('pnpm', ['--filter', pkg, 'run', 'build'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' },
    })
  }
}

const MiB = 1024 * 1024
const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a'
const ms = (n: number): string => (n < 10 ? fmt(n, 2) : n < 100 ? fmt(n, 1) : fmt(n))

function log(figures: LoadFigures): void {
  const l = figures.latencyMs
  console.log(
    `${figures.name}: ${fmt(figures.reqPerSec)} req/s, p50 ${l.p50} / p90 ${l.p90} / p99 ${l.p99} ms (max ${l.max}), ` +
      `${figures.non2xx} non-2xx, ${figures.errors} errors, status ${JSON.stringify(figures.statusCodes)}`,
  )
}

/** A warm-up (not reported) then the measured run, with the same plan. */
async function warmAndRun(
  name: string,
  server: BenchServer,
  plan: RequestPlan,
): Promise<LoadFigures> {
  const load = { origin: server.origin, connections: settings.connections }
  if (settings.warmupSeconds > 0) {
    await runLoad(`${name} warm-up`, { ...load, seconds: settings.warmupSeconds }, plan)
  }
  const figures = await runLoad(name, { ...load, seconds: settings.seconds }, plan)
  log(figures)
  return figures
}

async function measureStartup(): Promise<{ startup: Summary; idleRss: number }> {
  const samples: number[] = []
  let idleRss = -1
  for (let i = 0; i < Math.max(1, settings.startupRuns); i++) {
    const server = await startBenchServer()
    samples.push(server.startupMs)
    if (i === 0) {
      // Idle: started, answered one health check, then left alone for a second.
      await new Promise((r) => setTimeout(r, 1000))
      idleRss = rssBytes(server.pid)
    }
    await server.stop()
  }
  return { startup: summarize(samples), idleRss }
}

/** GET /healthz: what this machine's HTTP stack and load generator can do at all, for context. */
async function measureBaseline(): Promise<LoadFigures> {
  const server = await startBenchServer()
  try {
    return await warmAndRun('healthz', server, { method: 'GET', path: '/healthz' })
  } finally {
    await server.stop()
  }
}

async function measureCreates(): Promise<{ figures: LoadFigures; rssAfter: number }> {
  const pool = createPool(
    settings.maxRate * (settings.seconds + settings.warmupSeconds),
    settings.payloadBytes,
  )
  let next = 0
  const server = await startBenchServer()
  try {
    const figures = await warmAndRun('create', server, {
      method: 'POST',
      nextPath: () => '/api/share',
      nextBody: () => pool.bodies[next++ % pool.bodies.length] as Buffer,
    })
    if (next > pool.bodies.length) console.warn('create pool exhausted: raise BENCH_MAX_RATE')
    return { figures, rssAfter: rssBytes(server.pid) }
  } finally {
    await server.stop()
  }
}

/** POSTs the creates of `shares` with a few requests in flight; fails loudly on anything but 201. */
async function seedShares(origin: string, shares: OpenableShare[]): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < shares.length) {
      const share = shares[next++] as OpenableShare
      const res = await fetch(`${origin}/api/share`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: share.create.toString('utf8'),
      })
      if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
}

const VIEWS_EACH = 100

/** Enough 100-view shares for one measured open phase (with its warm-up) at up to maxRate. */
function openPoolSize(): number {
  return Math.ceil((settings.maxRate * (settings.seconds + settings.warmupSeconds)) / VIEWS_EACH)
}

/** Opens rotate round robin over the shares: consecutive opens hit different rows, as real traffic would. */
function openPlan(shares: OpenableShare[]): { plan: RequestPlan; used: () => number } {
  let next = 0
  let current = shares[0] as OpenableShare
  return {
    plan: {
      method: 'POST',
      nextPath: () => {
        current = shares[next++ % shares.length] as OpenableShare
        return `/api/share/${current.id}/open`
      },
      nextBody: () => current.open,
    },
    used: () => next,
  }
}

async function measureOpens(): Promise<{ figures: LoadFigures; shares: number }> {
  const shares = openablePool(openPoolSize(), settings.payloadBytes, VIEWS_EACH)
  const server = await startBenchServer()
  try {
    await seedShares(server.origin, shares)
    const { plan, used } = openPlan(shares)
    const figures = await warmAndRun('open', server, plan)
    if (used() > shares.length * VIEWS_EACH)
      console.warn('open pool exhausted: raise BENCH_MAX_RATE')
    return { figures, shares: shares.length }
  } finally {
    await server.stop()
  }
}

/** SPEC §8 scale: opens on a nearly empty database, then again after `rows` more shares are stored. */
async function measureScale(rows: number): Promise<{ empty: LoadFigures; full: LoadFigures }> {
  const server = await startBenchServer()
  try {
    const before = openablePool(openPoolSize(), settings.payloadBytes, VIEWS_EACH)
    await seedShares(server.origin, before)
    const empty = await warmAndRun('open, empty db', server, openPlan(before).plan)
    console.log(`storing ${fmt(rows)} shares…`)
    const fill = await runLoad(
      'fill',
      { origin: server.origin, connections: settings.connections, amount: rows },
      {
        method: 'POST',
        nextPath: () => '/api/share',
        nextBody: createBodyStream(settings.payloadBytes),
      },
    )
    log(fill)
    if (fill.ok < rows) console.warn(`only ${fill.ok} of ${rows} fill creates succeeded`)
    const after = openablePool(openPoolSize(), settings.payloadBytes, VIEWS_EACH)
    await seedShares(server.origin, after)
    const full = await warmAndRun(`open, +${fmt(rows)} rows`, server, openPlan(after).plan)
    return { empty, full }
  } finally {
    await server.stop()
  }
}

async function measureVaultFigures(): Promise<VaultFigures> {
  const server = await startBenchServer()
  try {
    return await measureVault(server.origin, {
      secrets: settings.vaultSecrets,
      samples: settings.vaultSamples,
      browser: settings.browser,
    })
  } finally {
    await server.stop()
  }
}

async function measureBrowser(): Promise<{
  reveal: RevealPageFigures
  crypto: PageCryptoFigures[]
} | null> {
  if (!chromiumAvailable()) {
    console.warn('Chromium not found at /usr/bin/chromium: browser figures skipped')
    return null
  }
  const server = await startBenchServer()
  try {
    const reveal = await measureRevealPage(
      server.origin,
      () => createTextShareFragment(server.origin, 'bench reveal page'),
      settings.browserSamples,
    )
    const crypto = await measurePageCrypto(server.origin, 'x'.repeat(settings.payloadBytes), 50)
    return { reveal, crypto }
  } finally {
    await server.stop()
  }
}

function loadRows(label: string, f: LoadFigures, budgetRate: string): string[] {
  const l = f.latencyMs
  return [
    `| ${label}/s | ${fmt(f.reqPerSec)} | ${budgetRate} |`,
    `| ${label} latency p50 / p90 / p99 (max) | ${l.p50} / ${l.p90} / ${l.p99} ms (${l.max}) | p99 < 20 ms |`,
    `| ${label} non-2xx / errors | ${fmt(f.non2xx)} / ${fmt(f.errors)} of ${fmt(f.total)} | 0 |`,
  ]
}

function cryptoRow(
  where: string,
  c: { backend: string; sealMs: Summary; openMs: Summary },
  extra = '',
): string {
  return `| ${where} text share, ${c.backend}${extra}: seal / open, median (p90) | ${ms(c.sealMs.median)} / ${ms(c.openMs.median)} ms (${ms(c.sealMs.p90)} / ${ms(c.openMs.p90)}) | ${extra ? 'n/a (Argon2id)' : '< 5 ms'} |`
}

async function main(): Promise<void> {
  ensureBuilt()
  const cpuList = cpus()
  const env = {
    node: process.version,
    cpus: `${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'}`,
    memory: `${fmt(totalmem() / 1024 ** 3, 1)} GiB`,
    // Not configurable on the server: WAL with synchronous=FULL is how it always runs (SPEC §7).
    synchronous: 'FULL (WAL)',
  }
  console.log('settings', { ...settings, ...env })

  console.log('\n== startup and idle memory')
  const { startup, idleRss } = await measureStartup()
  console.log(`spawn to first /healthz: median ${ms(startup.median)} ms over ${startup.n} starts`)
  console.log(`idle RSS: ${fmt(idleRss / MiB, 1)} MiB`)

  console.log('\n== load')
  const baseline = await measureBaseline()
  const creates = await measureCreates()
  const opens = await measureOpens()
  const scale = settings.scaleRows > 0 ? await measureScale(settings.scaleRows) : null

  let vault: VaultFigures | null = null
  if (settings.vaultSecrets > 0) {
    console.log(`\n== vault (${fmt(settings.vaultSecrets)} secrets)`)
    vault = await measureVaultFigures()
    console.log(JSON.stringify(vault))
  }

  let nodeCrypto: CryptoFigures[] = []
  if (settings.crypto) {
    console.log('\n== crypto in Node')
    const text = 'x'.repeat(settings.payloadBytes)
    nodeCrypto = [
      await measureCrypto('webcrypto', text, 200),
      await measureCrypto('noble', text, 200),
      await measureCrypto('auto', text, 5, 'correct horse battery staple'),
    ]
    for (const c of nodeCrypto)
      console.log(cryptoRow('Node', c, c.passphrase ? ' + passphrase' : ''))
  }

  let browser: Awaited<ReturnType<typeof measureBrowser>> = null
  if (settings.browser) {
    console.log('\n== Chromium')
    browser = await measureBrowser()
    if (browser) console.log(JSON.stringify(browser.reveal.scripts))
  }

  const rows = [
    '| Measure | Result | Budget (SPEC §8) |',
    '|---|---|---|',
    ...loadRows('Creates', creates.figures, '≥ 7,500'),
    ...loadRows('Opens', opens.figures, '≥ 9,500'),
    `| For scale: GET /healthz/s, p99 | ${fmt(baseline.reqPerSec)}, ${baseline.latencyMs.p99} ms | — |`,
  ]
  if (scale) {
    const ratio = scale.full.latencyMs.p99 / Math.max(1, scale.empty.latencyMs.p99)
    rows.push(
      `| Opens with ${fmt(settings.scaleRows)} stored shares: req/s, p99 (empty db) | ${fmt(scale.full.reqPerSec)}, ${scale.full.latencyMs.p99} ms (${fmt(scale.empty.reqPerSec)}, ${scale.empty.latencyMs.p99} ms): p99 × ${fmt(ratio, 2)} | p99 ≤ 1.5 × empty |`,
    )
  }
  rows.push(
    `| Idle RSS (RSS after create load) | ${fmt(idleRss / MiB, 1)} MiB (${fmt(creates.rssAfter / MiB, 1)}) | idle < 50 MB |`,
    `| Spawn to first /healthz, median of ${startup.n} (max) | ${ms(startup.median)} ms (${ms(startup.max)}) | < 100 ms |`,
    ...nodeCrypto.map((c) => cryptoRow('Node', c, c.passphrase ? ' + passphrase' : '')),
  )
  if (vault) {
    const k = vault.kdf
    rows.push(
      `| Vault login in Node (prelogin, Argon2id m=${fmt(k.memoryKiB / 1024)} MiB t=${k.iterations}, login, unwrap), median of ${vault.login.n} (max) | ${ms(vault.login.median)} ms (${ms(vault.login.max)}); POST /api/login alone ${ms(vault.loginRequest.median)} ms | — |`,
      ...(vault.browser
        ? [
            `| Vault in Chromium: "Log in" pressed to the list of ${fmt(vault.secrets)} secrets on screen (${vault.browser.cardsShown} cards, the rest behind "Show more"), median of ${vault.browser.loginToListMs.n} (max) | ${ms(vault.browser.loginToListMs.median)} ms (${ms(vault.browser.loginToListMs.max)}) | — |`,
          ]
        : []),
      `| Vault list of ${fmt(vault.secrets)} secrets (GET /api/secrets ${fmt(vault.listBytes / 1024)} KiB, then every name opened), median (max) | ${ms(vault.list.median)} ms (${ms(vault.list.max)}); request alone ${ms(vault.listRequest.median)} ms | — |`,
    )
  }
  if (browser) {
    const r = browser.reveal
    rows.push(
      `| /s JavaScript, ${r.scripts.length} files: raw / gzip -9 | ${fmt(r.jsBytes / 1024, 1)} / ${fmt(r.jsGzipBytes / 1024, 1)} KiB | < 60 KB gzip |`,
      `| /s navigation to Reveal-ready, cold profile, median of ${r.revealReadyMs.n} (max) | ${ms(r.revealReadyMs.median)} ms (${ms(r.revealReadyMs.max)}) | < 300 ms |`,
      ...browser.crypto.map((c) => cryptoRow('Chromium', c)),
    )
  }
  const settingsLine =
    `Settings: ${settings.connections} connections, ${settings.seconds} s per phase after ${settings.warmupSeconds} s warm-up, ` +
    `${fmt(settings.payloadBytes)} B secrets (${fmt(settings.payloadBytes + 29)} B sealed), synchronous=${env.synchronous}, ` +
    `Node ${env.node}, ${env.cpus}, ${env.memory}; autocannon (one thread) and the server on the same machine; ` +
    `opens rotate over ${fmt(opens.shares)} shares of ${VIEWS_EACH} views. Latency resolution is 1 ms.`
  const markdown = `${rows.join('\n')}\n\n${settingsLine}\n`
  console.log(`\n${markdown}`)
  const outDir = resolve(REPO_ROOT, '.bench')
  await mkdir(outDir, { recursive: true })
  await writeFile(resolve(outDir, 'results.md'), markdown)
  await writeFile(
    resolve(outDir, 'results.json'),
    JSON.stringify(
      {
        settings,
        env,
        startup,
        idleRss,
        baseline,
        creates,
        opens,
        scale,
        vault,
        nodeCrypto,
        browser,
      },
      null,
      2,
    ),
  )
  console.log(`written to ${outDir}/results.md and results.json`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
