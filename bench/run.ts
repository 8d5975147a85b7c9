/** @module `pnpm bench`: measures the built server under load (SPEC §8) and prints a Markdown table for the README. */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { createTextShareFragment } from './lib/fixtures.ts'
import { runPost, type LoadFigures } from './lib/load.ts'
import { createPool, openablePool, type OpenableShare } from './lib/pool.ts'
import { REPO_ROOT, SERVER_MAIN, rssBytes, startBenchServer } from './lib/server.ts'
import { summarize, type Summary } from './lib/stats.ts'
import { measureCrypto, type CryptoFigures } from './lib/crypto.ts'
import {
  chromiumAvailable,
  measurePageCrypto,
  measureRevealPage,
  type PageCryptoFigures,
  type RevealPageFigures,
} from './lib/browser.ts'

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
  /** Upper bound on the rate the pools are sized for; beyond it bodies repeat and show up as non-2xx. */
  maxRate: envInt('BENCH_MAX_RATE', 25_000),
  startupRuns: envInt('BENCH_STARTUP_RUNS', 5),
  browserSamples: envInt('BENCH_BROWSER_SAMPLES', 5),
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

async function measureCreates(): Promise<{ figures: LoadFigures; rssAfter: number }> {
  const need = settings.maxRate * (settings.seconds + settings.warmupSeconds)
  const pool = createPool(need, settings.payloadBytes)
  let next = 0
  const body = (): Buffer => pool.bodies[next++ % pool.bodies.length] as Buffer
  const server = await startBenchServer()
  try {
    const load = { origin: server.origin, connections: settings.connections }
    if (settings.warmupSeconds > 0) {
      await runPost(
        'warmup',
        { ...load, seconds: settings.warmupSeconds },
        () => '/api/share',
        body,
      )
    }
    const figures = await runPost(
      'create',
      { ...load, seconds: settings.seconds },
      () => '/api/share',
      body,
    )
    if (next > pool.bodies.length) console.warn(`create pool exhausted: raise BENCH_MAX_RATE`)
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

async function measureOpens(): Promise<{ figures: LoadFigures; shares: number }> {
  const viewsEach = 100
  const count = Math.ceil(
    (settings.maxRate * (settings.seconds + settings.warmupSeconds)) / viewsEach,
  )
  const shares = openablePool(count, settings.payloadBytes, viewsEach)
  const server = await startBenchServer()
  try {
    await seedShares(server.origin, shares)
    // Round robin over the shares: consecutive opens hit different rows, as real traffic would.
    let next = 0
    let current = shares[0] as OpenableShare
    const path = (): string => {
      current = shares[next++ % shares.length] as OpenableShare
      return `/api/share/${current.id}/open`
    }
    const body = (): Buffer => current.open
    const load = { origin: server.origin, connections: settings.connections }
    if (settings.warmupSeconds > 0) {
      await runPost('warmup', { ...load, seconds: settings.warmupSeconds }, path, body)
    }
    const figures = await runPost('open', { ...load, seconds: settings.seconds }, path, body)
    if (next > shares.length * viewsEach) console.warn(`open pool exhausted: raise BENCH_MAX_RATE`)
    return { figures, shares: count }
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

function loadRows(f: LoadFigures, budgetRate: string): string[] {
  const l = f.latencyMs
  return [
    `| ${f.name}s/s (${fmt(settings.payloadBytes)} B, ${settings.connections} conn) | ${fmt(f.reqPerSec)} | ${budgetRate} |`,
    `| ${f.name} latency p50 / p90 / p99 (max) | ${l.p50} / ${l.p90} / ${l.p99} ms (${l.max}) | p99 < 20 ms |`,
    `| ${f.name} non-2xx / errors | ${fmt(f.non2xx)} / ${fmt(f.errors)} of ${fmt(f.total)} | 0 |`,
  ]
}

function cryptoRows(figures: CryptoFigures[], where: string): string[] {
  return figures.map(
    (c) =>
      `| ${where} text share, ${c.backend}${c.passphrase ? ' + passphrase' : ''}: seal / open (median, p90) | ${ms(c.sealMs.median)} / ${ms(c.openMs.median)} ms (${ms(c.sealMs.p90)} / ${ms(c.openMs.p90)}) | ${c.passphrase ? 'n/a (Argon2id)' : '< 5 ms'} |`,
  )
}

async function main(): Promise<void> {
  ensureBuilt()
  const cpuList = cpus()
  const env = {
    node: process.version,
    cpus: `${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'}`,
    memory: `${fmt(totalmem() / 1024 ** 3, 1)} GiB`,
    synchronous: 'FULL (server default, WAL)',
  }
  console.log('settings', { ...settings, ...env })

  console.log('\n== startup and idle memory')
  const { startup, idleRss } = await measureStartup()
  console.log(`spawn to first /healthz: median ${ms(startup.median)} ms over ${startup.n} starts`)
  console.log(`idle RSS: ${fmt(idleRss / MiB, 1)} MiB`)

  console.log('\n== creates')
  const creates = await measureCreates()
  console.log(creates.figures)

  console.log('\n== opens')
  const opens = await measureOpens()
  console.log(opens.figures)

  let nodeCrypto: CryptoFigures[] = []
  if (settings.crypto) {
    console.log('\n== crypto in Node')
    const text = 'x'.repeat(settings.payloadBytes)
    nodeCrypto = [
      await measureCrypto('webcrypto', text, 200),
      await measureCrypto('noble', text, 200),
      await measureCrypto('auto', text, 5, 'correct horse battery staple'),
    ]
    console.log(JSON.stringify(nodeCrypto))
  }

  let browser: Awaited<ReturnType<typeof measureBrowser>> = null
  if (settings.browser) {
    console.log('\n== Chromium')
    browser = await measureBrowser()
    if (browser) console.log(JSON.stringify(browser, null, 1))
  }

  const rows = [
    '| Measure | Result | Budget (SPEC §8) |',
    '|---|---|---|',
    ...loadRows(creates.figures, '≥ 7,500'),
    ...loadRows(opens.figures, '≥ 9,500'),
    `| Idle RSS / RSS after create load | ${fmt(idleRss / MiB, 1)} / ${fmt(creates.rssAfter / MiB, 1)} MiB | idle < 50 MB |`,
    `| Spawn to first /healthz (median of ${startup.n}, max) | ${ms(startup.median)} ms (${ms(startup.max)}) | < 100 ms |`,
    ...cryptoRows(nodeCrypto, 'Node'),
  ]
  if (browser) {
    const r = browser.reveal
    rows.push(
      `| /s JavaScript, ${r.scripts.length} file(s): raw / gzip -9 | ${fmt(r.jsBytes / 1024, 1)} / ${fmt(r.jsGzipBytes / 1024, 1)} KiB | < 60 KB gzip |`,
      `| /s navigation to Reveal-ready, cold (median of ${r.revealReadyMs.n}, max) | ${ms(r.revealReadyMs.median)} ms (${ms(r.revealReadyMs.max)}) | < 300 ms |`,
      ...browser.crypto.map(
        (c) =>
          `| Chromium text share, ${c.backend}: seal / open (median, p90) | ${ms(c.sealMs.median)} / ${ms(c.openMs.median)} ms (${ms(c.sealMs.p90)} / ${ms(c.openMs.p90)}) | < 5 ms |`,
      ),
    )
  }
  const settingsLine =
    `Settings: ${settings.connections} connections, ${settings.seconds} s per phase after ${settings.warmupSeconds} s warm-up, ` +
    `${fmt(settings.payloadBytes)} B secrets (${fmt(settings.payloadBytes + 29)} B sealed), synchronous=${env.synchronous}, ` +
    `Node ${env.node}, ${env.cpus}, ${env.memory}; autocannon and the server on the same machine; ` +
    `opens rotate over ${fmt(opens.shares)} shares of 100 views.`
  const markdown = `${rows.join('\n')}\n\n${settingsLine}\n`
  console.log(`\n${markdown}`)
  const outDir = resolve(REPO_ROOT, '.bench')
  await mkdir(outDir, { recursive: true })
  await writeFile(resolve(outDir, 'results.md'), markdown)
  await writeFile(
    resolve(outDir, 'results.json'),
    JSON.stringify(
      { settings, env, startup, idleRss, creates, opens, nodeCrypto, browser },
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
