/** @module `pnpm bench`: measures the built server under load and in Chromium (SPEC §8) and prints a Markdown table for the README. */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import {
  chromiumAvailable,
  measurePageCrypto,
  measureRevealPage,
  type PageCryptoFigures,
  type RevealPageFigures,
} from './lib/browser.ts'
import { cpuPerRequest, cpuSample, formatCpu, type CpuPerRequest } from './lib/cpu.ts'
import { measureCrypto, type CryptoFigures } from './lib/crypto.ts'
import {
  createBenchDatabase,
  histogramTotals,
  machineCpuSeconds,
  postgresInfo,
  processCpuSeconds,
  type BenchDatabase,
  type PostgresInfo,
} from './lib/postgres.ts'
import { createTextShareFragment } from './lib/fixtures.ts'
import { runLoad, type LoadFigures, type RequestPlan } from './lib/load.ts'
import { createBodyStream, createPool, openablePool, type OpenableShare } from './lib/pool.ts'
import {
  REPO_ROOT,
  SERVER_MAIN,
  probe,
  rssBytes,
  startBenchServer,
  type BenchServer,
} from './lib/server.ts'
import { summarize, type Summary } from './lib/stats.ts'
import { measureTokens, type TokenFigures } from './lib/tokens.ts'
import { measureVault, type VaultFigures } from './lib/vault.ts'
import { runSideBySide } from './side-by-side.ts'

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
  /** Secrets in the folder a service token reads (run start-up, token read); 0 skips them. */
  tokenSecrets: envInt('BENCH_TOKEN_SECRETS', 50),
  tokenSamples: envInt('BENCH_TOKEN_SAMPLES', 10),
  tokenReads: envInt('BENCH_TOKEN_READS', 200),
  crypto: process.env.BENCH_SKIP_CRYPTO !== '1',
  browser: process.env.BENCH_SKIP_BROWSER !== '1',
}

/** An admin URL (may create databases); the PostgreSQL phases run in a fresh database each and drop it. */
const pgAdminUrl = process.env.BENCH_PG_URL || process.env.TEST_PG_URL || ''
/** Given, the two-instance phases share it as deployed; with RATE_LIMIT_PER_MIN=0 no request consults it. */
const redisUrl = process.env.BENCH_REDIS_URL || process.env.TEST_REDIS_URL || ''

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

/** A measured load phase with the server's CPU time per request (see lib/cpu.ts). */
type PhaseFigures = LoadFigures & { cpu?: CpuPerRequest }

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
): Promise<PhaseFigures> {
  const load = { origin: server.origin, connections: settings.connections }
  if (settings.warmupSeconds > 0) {
    await runLoad(`${name} warm-up`, { ...load, seconds: settings.warmupSeconds }, plan)
  }
  const before = cpuSample(server.pid)
  const figures = await runLoad(name, { ...load, seconds: settings.seconds }, plan)
  const cpu = cpuPerRequest(before, cpuSample(server.pid), figures.total)
  log(figures)
  console.log(`${name}: server CPU per request ${formatCpu(cpu)}`)
  return cpu ? { ...figures, cpu } : figures
}

async function measureStartup(): Promise<{ startup: Summary; idleRss: number }> {
  const samples: number[] = []
  let idleRss = -1
  for (let i = 0; i < Math.max(1, settings.startupRuns); i++) {
    const server = await startBenchServer()
    samples.push(server.startupMs)
    if (i === 0) {
      // Idle: started, created three shares (the first requests load what /healthz does not), then
      // left alone for a second.
      for (let n = 0; n < 3; n++) await createTextShareFragment(server.origin, `idle ${n}`)
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

async function measureCreates(): Promise<{ figures: PhaseFigures; rssAfter: number }> {
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

async function measureOpens(): Promise<{ figures: PhaseFigures; shares: number }> {
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

/** Polls /readyz: with DATABASE_URL the server answers /healthz before its migrations are done. */
async function waitReady(origin: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while ((await probe(`${origin}/readyz`)) !== 200) {
    if (Date.now() > deadline) throw new Error(`${origin}/readyz not 200 within 20 s`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

interface PgCounters {
  at: number
  machine: { busy: number; total: number }
  loadgen: NodeJS.CpuUsage
  servers: number[]
  postgres: Map<number, number>
  batchOps: number
  batches: number
  batchSeconds: number
}

async function pgCounters(database: BenchDatabase, servers: BenchServer[]): Promise<PgCounters> {
  const texts = await Promise.all(
    servers.map((s) => fetch(`${s.origin}/metrics`).then((r) => r.text())),
  )
  const sizes = texts.map((t) => histogramTotals(t, 'secretsentry_write_batch_size'))
  const seconds = texts.map((t) => histogramTotals(t, 'secretsentry_write_batch_seconds'))
  const pids = await database.pids()
  return {
    at: performance.now(),
    machine: machineCpuSeconds(),
    loadgen: process.cpuUsage(),
    servers: servers.map((s) => processCpuSeconds(s.pid)),
    postgres: new Map(pids.map((pid) => [pid, processCpuSeconds(pid)])),
    batchOps: sizes.reduce((a, b) => a + b.sum, 0),
    batches: sizes.reduce((a, b) => a + b.count, 0),
    batchSeconds: seconds.reduce((a, b) => a + b.sum, 0),
  }
}

interface PgPhase {
  kind: 'create' | 'open'
  instances: number
  figures: LoadFigures
  /** Write transactions per second, operations per transaction, BEGIN-to-COMMIT ms (server metrics). */
  batchesPerSec: number
  opsPerBatch: number
  batchMs: number
  /** Transactions committed in the bench database, and WAL flushes cluster-wide, per second. */
  commitsPerSec: number
  walSyncsPerSec: number
  /** CPU in cores (CPU seconds per second): servers together, PostgreSQL processes, autocannon, machine. */
  cpu: { servers: number; postgres: number; loadgen: number; machineBusy: number; cores: number }
}

/** Stats of idle backends reach pg_stat_* within about a second; wait that long before reading them. */
const STATS_FLUSH_MS = 1500

async function settledCounts(database: BenchDatabase): Promise<{ commits: number; wal: number }> {
  await new Promise((r) => setTimeout(r, STATS_FLUSH_MS))
  return { commits: await database.commits(), wal: await database.walSyncs() }
}

/**
 * Creates or opens against `instances` servers on one fresh PostgreSQL database; autocannon
 * spreads its connections over them (connection i to server i mod n), so the load is split evenly.
 */
async function measurePgPhase(kind: 'create' | 'open', instances: number): Promise<PgPhase> {
  const name = `${kind}, PostgreSQL, ${instances} instance${instances > 1 ? 's' : ''}`
  const database = await createBenchDatabase(pgAdminUrl)
  const servers: BenchServer[] = []
  // Instances of one deployment share the server key (audit hashes, login limits) as they share the database.
  const keyDir = await mkdtemp(join(tmpdir(), 'secretsentry-bench-key-'))
  const keyFile = join(keyDir, 'server-key')
  await writeFile(keyFile, randomBytes(32), { mode: 0o600 })
  try {
    for (let i = 0; i < instances; i++) {
      const server = await startBenchServer({
        DATABASE_URL: database.url,
        SERVER_KEY_FILE: keyFile,
        ...(instances > 1 && redisUrl ? { REDIS_URL: redisUrl } : {}),
      })
      servers.push(server)
      await waitReady(server.origin)
    }
    const origins = servers.map((s) => s.origin)
    let plan: RequestPlan
    let exhausted: () => boolean
    if (kind === 'create') {
      const pool = createPool(
        settings.maxRate * (settings.seconds + settings.warmupSeconds),
        settings.payloadBytes,
      )
      let next = 0
      plan = {
        method: 'POST',
        nextPath: () => '/api/share',
        nextBody: () => pool.bodies[next++ % pool.bodies.length] as Buffer,
      }
      exhausted = () => next > pool.bodies.length
    } else {
      const shares = openablePool(openPoolSize(), settings.payloadBytes, VIEWS_EACH)
      await seedShares(origins[0] as string, shares)
      const opens = openPlan(shares)
      plan = opens.plan
      exhausted = () => opens.used() > shares.length * VIEWS_EACH
    }
    const load = { origin: origins, connections: settings.connections }
    if (settings.warmupSeconds > 0)
      await runLoad(`${name} warm-up`, { ...load, seconds: settings.warmupSeconds }, plan)
    const countsBefore = await settledCounts(database)
    const before = await pgCounters(database, servers)
    const figures = await runLoad(name, { ...load, seconds: settings.seconds }, plan)
    const after = await pgCounters(database, servers)
    const countsAfter = await settledCounts(database)
    log(figures)
    if (exhausted()) console.warn(`${kind} pool exhausted: raise BENCH_MAX_RATE`)
    const elapsed = (after.at - before.at) / 1000
    let postgres = 0
    for (const [pid, cpu] of after.postgres) postgres += cpu - (before.postgres.get(pid) ?? 0)
    const batches = after.batches - before.batches
    const phase: PgPhase = {
      kind,
      instances,
      figures,
      batchesPerSec: batches / elapsed,
      opsPerBatch: (after.batchOps - before.batchOps) / batches,
      batchMs: ((after.batchSeconds - before.batchSeconds) / batches) * 1000,
      commitsPerSec: (countsAfter.commits - countsBefore.commits) / elapsed,
      walSyncsPerSec: (countsAfter.wal - countsBefore.wal) / elapsed,
      cpu: {
        servers:
          after.servers.reduce((a, b) => a + b, 0) - before.servers.reduce((a, b) => a + b, 0),
        postgres,
        loadgen:
          (after.loadgen.user +
            after.loadgen.system -
            before.loadgen.user -
            before.loadgen.system) /
          1e6,
        machineBusy: after.machine.busy - before.machine.busy,
        cores: (after.machine.total - before.machine.total) / elapsed,
      },
    }
    for (const key of ['servers', 'postgres', 'loadgen', 'machineBusy'] as const)
      phase.cpu[key] /= elapsed
    console.log(`  ${pgPhaseNote(phase)}`)
    return phase
  } finally {
    for (const server of servers) await server.stop()
    await database.drop()
    await rm(keyDir, { recursive: true, force: true })
  }
}

/** SQL statements one op sends, each a round trip: create = insert share + audit; open = find, take a view, audit. */
const STATEMENTS_PER_OP = { create: 2, open: 3 } as const

function pgPhaseNote(p: PgPhase): string {
  const c = p.cpu
  // A batch is BEGIN, each op's statements one after another, COMMIT: all on one connection, in sequence.
  const roundTrips = 2 + STATEMENTS_PER_OP[p.kind] * p.opsPerBatch
  // Batches in flight per instance, on average: near 1, its queue (one batch at a time) is the limit.
  const inFlight = (p.batchesPerSec * p.batchMs) / 1000 / p.instances
  return (
    `${fmt(p.batchesPerSec)} write transactions/s of ${fmt(p.opsPerBatch, 1)} ops, ${ms(p.batchMs)} ms BEGIN to COMMIT ` +
    `(${fmt(roundTrips)} round trips in sequence, ${ms(p.batchMs / roundTrips)} ms each; ${fmt(inFlight, 2)} batches in flight per instance); ` +
    `${fmt(p.commitsPerSec)} commits/s in the database, ${fmt(p.walSyncsPerSec)} WAL flushes/s cluster-wide; ` +
    `CPU (cores of ${fmt(c.cores, 1)}): server${p.instances > 1 ? 's' : ''} ${fmt(c.servers, 2)}, ` +
    `PostgreSQL ${fmt(c.postgres, 2)}, autocannon ${fmt(c.loadgen, 2)}, whole machine ${fmt(c.machineBusy, 2)}`
  )
}

interface PgFigures {
  info: PostgresInfo
  synchronousCommit: string
  redis: boolean
  phases: PgPhase[]
}

async function measurePostgres(): Promise<PgFigures | null> {
  if (!pgAdminUrl) {
    console.warn('PostgreSQL figures skipped: set BENCH_PG_URL (or TEST_PG_URL) to an admin URL')
    return null
  }
  const info = await postgresInfo(pgAdminUrl)
  const probeDb = await createBenchDatabase(pgAdminUrl)
  const synchronousCommit = probeDb.synchronousCommit
  await probeDb.drop()
  console.log(
    `PostgreSQL ${info.version}: synchronous_commit=${synchronousCommit}, fsync=${info.fsync}, ` +
      `wal_sync_method=${info.walSyncMethod}, commit_delay=${info.commitDelay}; ` +
      `two instances ${redisUrl ? 'share Redis for rate limits, which' : 'have no Redis; rate limits'} are off (RATE_LIMIT_PER_MIN=0)`,
  )
  if (synchronousCommit !== 'on')
    throw new Error(
      `synchronous_commit is ${synchronousCommit}, not on: figures would not be durable`,
    )
  const phases: PgPhase[] = []
  for (const instances of [1, 2])
    for (const kind of ['create', 'open'] as const)
      phases.push(await measurePgPhase(kind, instances))
  return { info, synchronousCommit, redis: redisUrl !== '', phases }
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

async function measureTokenFigures(): Promise<TokenFigures> {
  const server = await startBenchServer()
  try {
    return await measureTokens(server.origin, server.pid, {
      secrets: settings.tokenSecrets,
      samples: Math.max(1, settings.tokenSamples),
      reads: Math.max(1, settings.tokenReads),
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

function loadRows(label: string, f: PhaseFigures, budgetRate: string): string[] {
  const l = f.latencyMs
  return [
    `| ${label}/s | ${fmt(f.reqPerSec)} | ${budgetRate} |`,
    `| ${label} latency p50 / p90 / p99 (max) | ${l.p50} / ${l.p90} / ${l.p99} ms (${l.max}) | p99 < 20 ms |`,
    `| ${label} non-2xx / errors | ${fmt(f.non2xx)} / ${fmt(f.errors)} of ${fmt(f.total)} | 0 |`,
    `| ${label}: server CPU per request | ${formatCpu(f.cpu)} | — |`,
  ]
}

function tokenRows(t: TokenFigures): string[] {
  return [
    `| \`secretsentry run\` with a service token, folder of ${fmt(t.secrets)} secrets: spawn to the command started, median of ${t.runToCommand.n} (max) | ${ms(t.runToCommand.median)} ms (${ms(t.runToCommand.max)}); of which starting Node and the CLI (\`--version\`) ${ms(t.cliVersion.median)} ms | — |`,
    `| Token read of ${fmt(t.secrets)} secrets (GET /api/token/secrets, ${fmt(t.readBytes / 1024, 1)} KiB), ${fmt(t.reads)} in a row: median (p90), server CPU per read | ${ms(t.readRequest.median)} ms (${ms(t.readRequest.p90)}); ${formatCpu(t.readCpu)} | — |`,
  ]
}

/** `pnpm bench --tokens` (or BENCH_ONLY=tokens): the service-token figures alone, with their settings. */
async function tokensOnly(): Promise<void> {
  ensureBuilt()
  const cpuList = cpus()
  console.log('settings', {
    tokenSecrets: settings.tokenSecrets,
    tokenSamples: settings.tokenSamples,
    tokenReads: settings.tokenReads,
    node: process.version,
    cpus: `${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'}`,
  })
  const t = await measureTokenFigures()
  console.log(JSON.stringify(t))
  const markdown = [
    '| Measure | Result | Budget |',
    '|---|---|---|',
    ...tokenRows(t),
    '',
    `Settings: a folder of ${fmt(t.secrets)} secrets and a read-only token for it, the built CLI bundle (\`node secretsentry.mjs\`) and the server on the same machine over loopback, ` +
      `${t.runToCommand.n} runs after one unmeasured, ${fmt(t.reads)} reads in a row; Node ${process.version}, ${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'}.`,
  ].join('\n')
  console.log(`\n${markdown}\n`)
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

  console.log('\n== PostgreSQL')
  const postgres = await measurePostgres()

  let vault: VaultFigures | null = null
  if (settings.vaultSecrets > 0) {
    console.log(`\n== vault (${fmt(settings.vaultSecrets)} secrets)`)
    vault = await measureVaultFigures()
    console.log(JSON.stringify(vault))
  }

  let tokens: TokenFigures | null = null
  if (settings.tokenSecrets > 0) {
    console.log(`\n== service tokens (a folder of ${fmt(settings.tokenSecrets)} secrets)`)
    tokens = await measureTokenFigures()
    console.log(JSON.stringify(tokens))
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
  if (postgres) {
    const sqlite = { create: creates.figures, open: opens.figures }
    for (const p of postgres.phases) {
      const l = p.figures.latencyMs
      const s = sqlite[p.kind].latencyMs
      rows.push(
        `| ${p.kind === 'create' ? 'Creates' : 'Opens'} on PostgreSQL, ${p.instances === 1 ? 'one instance' : 'two instances'}: req/s, p50 / p99 (SQLite) | ` +
          `${fmt(p.figures.reqPerSec)}, ${l.p50} / ${l.p99} ms (${fmt(sqlite[p.kind].reqPerSec)}, ${s.p50} / ${s.p99} ms); ` +
          `${fmt(p.figures.non2xx)} non-2xx, ${fmt(p.figures.errors)} errors | — |`,
      )
    }
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
  if (tokens) rows.push(...tokenRows(tokens))
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
  const pgLines = postgres
    ? [
        `PostgreSQL ${postgres.info.version} on the same machine (\`synchronous_commit\`=${postgres.synchronousCommit}, fsync=${postgres.info.fsync}, ` +
          `wal_sync_method=${postgres.info.walSyncMethod}, commit_delay=${postgres.info.commitDelay}), a fresh database per phase, ` +
          `pool of 10 connections per instance; two instances: autocannon spreads its ${settings.connections} connections over both` +
          `${postgres.redis ? ', which share Redis (rate limits off, so no request consults it)' : ''}. Where the time went:`,
        '',
        ...postgres.phases.map(
          (p) =>
            `- ${p.kind === 'create' ? 'Creates' : 'Opens'}, ${p.instances === 1 ? 'one instance' : 'two instances'}: ${pgPhaseNote(p)}`,
        ),
      ]
    : ['PostgreSQL: not measured (BENCH_PG_URL and TEST_PG_URL unset).']
  const markdown = `${rows.join('\n')}\n\n${settingsLine}\n\n${pgLines.join('\n')}\n`
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
        postgres,
        vault,
        tokens,
        nodeCrypto,
        browser,
      },
      null,
      2,
    ),
  )
  console.log(`written to ${outDir}/results.md and results.json`)
}

/** `pnpm bench --side-by-side` (or BENCH_SIDE_BY_SIDE=1): SecretSentry against PrivateBin, see side-by-side.ts. */
function sideBySide(): Promise<void> {
  ensureBuilt()
  const extra = (process.env.BENCH_SIDE_WORKERS ?? '')
    .split(',')
    .filter((w) => w.trim() !== '')
    .map((w) => {
      const n = Number(w)
      if (!Number.isInteger(n) || n < 1)
        throw new Error('BENCH_SIDE_WORKERS must list whole numbers ≥ 1')
      return n
    })
  return runSideBySide({
    seconds: settings.seconds,
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    payloadBytes: settings.payloadBytes,
    startupRuns: settings.startupRuns,
    rounds: Math.max(1, envInt('BENCH_SIDE_ROUNDS', 3)),
    ssMaxRate: settings.maxRate,
    pbMaxRate: envInt('BENCH_PB_MAX_RATE', 5000),
    pbChildren: Math.max(1, envInt('BENCH_PB_CHILDREN', 4)),
    extraWorkers: extra,
  })
}

const wantSide = process.argv.includes('--side-by-side') || process.env.BENCH_SIDE_BY_SIDE === '1'
const wantTokens = process.argv.includes('--tokens') || process.env.BENCH_ONLY === 'tokens'
;(wantSide ? sideBySide() : wantTokens ? tokensOnly() : main()).catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
