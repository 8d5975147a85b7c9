/**
 * @module `pnpm bench --side-by-side`: the same load against SecretSentry and PrivateBin 2.0.6 (nginx +
 * php-fpm) in alternating rounds on this machine, with the ratios; idle memory and start-up of both.
 * Without PrivateBin (PRIVATEBIN_DIR, php-fpm, nginx) it says which is missing and measures SecretSentry alone.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { busyCores, machineSample, processesCpuMs } from './lib/cpu.ts'
import { runLoad, type RequestPlan } from './lib/load.ts'
import { processTree, treeMemory, type Memory } from './lib/memory.ts'
import { createPool, openablePool, type OpenableShare } from './lib/pool.ts'
import {
  PRIVATEBIN_API_HEADERS,
  parsePrivateBinAnswer,
  privateBinAvailability,
  privateBinCreateBodies,
  privateBinVersion,
  startPrivateBin,
  type PrivateBinSetup,
} from './lib/privatebin.ts'
import { REPO_ROOT, SERVER_BINARY, freePort, startBenchServer } from './lib/server.ts'
import {
  burnPoolSize,
  compare,
  comparisonRow,
  formatRatio,
  median,
  ratio,
  type RoundResult,
} from './lib/side.ts'

export interface SideSettings {
  seconds: number
  connections: number
  warmupSeconds: number
  payloadBytes: number
  startupRuns: number
  rounds: number
  /** Creates per second the precomputed create bodies are sized for, per system. */
  ssMaxRate: number
  pbMaxRate: number
  /** php-fpm workers (pm = static). */
  pbChildren: number
  /** Extra SecretSentry rows with this many workers (WORKERS), besides the default; empty: none. */
  extraWorkers: number[]
}

const MiB = 1024 * 1024
const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a'
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A server being measured, whatever it is: where to send load, and its processes. */
interface Target {
  origin: string
  roots: number[]
  stop(): Promise<void>
}

type System = 'ss' | 'pb'

interface Contender {
  key: string
  system: System
  label: string
  start(): Promise<Target>
}

function contenders(settings: SideSettings, pb: PrivateBinSetup | null): Contender[] {
  const ss = (workers: number | null): Contender => ({
    key: workers === null ? 'ss' : `ss-w${workers}`,
    system: 'ss',
    label: workers === null ? 'SecretSentry' : `SecretSentry, WORKERS=${workers}`,
    async start() {
      const server = await startBenchServer(workers === null ? {} : { WORKERS: String(workers) })
      return { origin: server.origin, roots: [server.pid], stop: server.stop }
    },
  })
  const list = [ss(null), ...settings.extraWorkers.map((w) => ss(w))]
  if (pb) {
    list.push({
      key: 'pb',
      system: 'pb',
      label: 'PrivateBin',
      async start() {
        const running = await startPrivateBin(pb, await freePort(), {
          children: settings.pbChildren,
        })
        return { origin: running.origin, roots: running.pids, stop: running.stop }
      },
    })
  }
  return list
}

/**
 * One measured phase, for `seconds` or until `amount` answers; CPU is summed over every process of
 * the server. The rate is answers over the phase's wall time (both ways of ending it alike).
 */
async function measured(
  name: string,
  target: Target,
  plan: RequestPlan,
  settings: SideSettings,
  end: { seconds: number } | { amount: number },
): Promise<RoundResult> {
  const pids = processTree(target.roots)
  const before = processesCpuMs(pids)
  const machineBefore = machineSample()
  const loadBefore = process.cpuUsage()
  const figures = await runLoad(
    name,
    { origin: target.origin, connections: settings.connections, ...end },
    plan,
  )
  const load = process.cpuUsage(loadBefore)
  const busy = busyCores(machineBefore, machineSample(), cpus().length)
  const after = processesCpuMs(pids)
  const failed = figures.non2xx + figures.errors + figures.timeouts + figures.mismatches
  const l = figures.latencyMs
  const cpuUs = ((after - before) * 1000) / Math.max(1, figures.total)
  const reqPerSec = figures.total / figures.seconds
  console.log(
    `${name}: ${fmt(reqPerSec)} req/s over ${fmt(figures.seconds, 1)} s, p50 ${l.p50} / p99 ${l.p99} ms (max ${l.max}), ` +
      `${fmt(failed)} failed of ${fmt(figures.total)} (status ${JSON.stringify(figures.statusCodes)}, ` +
      `${figures.mismatches} refused bodies), server CPU ${fmt(cpuUs)} µs/request`,
  )
  // Both share this machine: with cores left idle, the server, not the machine, set the rate.
  const loadCpuUs = (load.user + load.system) / Math.max(1, figures.total)
  console.log(
    `  load generator CPU ${fmt(loadCpuUs)} µs/request; machine busy ${fmt(busy, 2)} of ${cpus().length} cores`,
  )
  if (failed > 0) console.warn(`  ${name}: ${fmt(failed)} requests did not succeed`)
  return {
    reqPerSec,
    p50: l.p50,
    p99: l.p99,
    failed,
    total: figures.total,
    cpuUs,
    loadCpuUs,
    busyCores: busy,
  }
}

/** Precomputed create bodies per system, reused every round (each phase starts on an empty store). */
interface Bodies {
  ss: Buffer[]
  pb: Buffer[]
}

function createPlan(system: System, bodies: Bodies): RequestPlan {
  let next = 0
  if (system === 'ss') {
    const pool = bodies.ss
    return {
      method: 'POST',
      nextPath: () => '/api/share',
      nextBody: () => pool[next++ % pool.length] as Buffer,
    }
  }
  const pool = bodies.pb
  return {
    method: 'POST',
    headers: PRIVATEBIN_API_HEADERS,
    nextPath: () => '/',
    nextBody: () => pool[next++ % pool.length] as Buffer,
    // PrivateBin answers errors with HTTP 200 and {"status":1,...}; a repeated body is refused.
    verifyBody: (body) => body.startsWith('{"status":0'),
  }
}

async function measureCreates(
  contender: Contender,
  bodies: Bodies,
  settings: SideSettings,
): Promise<RoundResult> {
  const target = await contender.start()
  try {
    const name = `${contender.label} creates`
    const plan = createPlan(contender.system, bodies)
    if (settings.warmupSeconds > 0)
      await runLoad(
        `${name} warm-up`,
        {
          origin: target.origin,
          connections: settings.connections,
          seconds: settings.warmupSeconds,
        },
        plan,
      )
    return await measured(name, target, plan, settings, { seconds: settings.seconds })
  } finally {
    await target.stop()
  }
}

/** Secrets that allow one view, made on the server beforehand (unmeasured), and the plan that opens each once. */
interface BurnPool {
  /** Makes `count` more with the same load generator, 50 connections; throws unless all succeed. */
  seed(count: number): Promise<void>
  plan: RequestPlan
  /** Opens sent after the pool ran out (those fail: the secret is gone). */
  overrun(): number
}

function ssBurnPool(origin: string, settings: SideSettings): BurnPool {
  const shares: OpenableShare[] = []
  let next = 0
  let current: OpenableShare | undefined
  return {
    async seed(count) {
      const more = openablePool(count, settings.payloadBytes, 1)
      let i = 0
      const seed = await runLoad(
        'seed',
        { origin, connections: settings.connections, amount: count },
        {
          method: 'POST',
          nextPath: () => '/api/share',
          nextBody: () => (more[Math.min(i++, count - 1)] as OpenableShare).create,
        },
      )
      if (seed.ok < count) throw new Error(`seeding SecretSentry: ${seed.ok} of ${count} created`)
      for (const share of more) shares.push(share)
    },
    plan: {
      method: 'POST',
      nextPath: () => {
        // Past the end, the first share again: already burned, so a 404 the figures count.
        current = shares[next++] ?? shares[0]
        return `/api/share/${current?.id ?? 'none'}/open`
      },
      nextBody: () => current?.open ?? Buffer.from('{}'),
    },
    overrun: () => Math.max(0, next - shares.length),
  }
}

function pbBurnPool(origin: string, settings: SideSettings): BurnPool {
  const ids: string[] = []
  let next = 0
  return {
    async seed(count) {
      const bodies = privateBinCreateBodies(count, settings.payloadBytes, true)
      let i = 0
      const before = ids.length
      const seed = await runLoad(
        'seed',
        { origin, connections: settings.connections, amount: count },
        {
          method: 'POST',
          headers: PRIVATEBIN_API_HEADERS,
          nextPath: () => '/',
          nextBody: () => bodies[Math.min(i++, count - 1)] as Buffer,
          onResponse: (_status, body) => {
            const answer = parsePrivateBinAnswer(body)
            if ('id' in answer) ids.push(answer.id)
          },
        },
      )
      if (ids.length - before < count)
        throw new Error(
          `seeding PrivateBin: ${ids.length - before} of ${count} created (${seed.mismatches} refused)`,
        )
    },
    plan: {
      method: 'GET',
      headers: { 'x-requested-with': PRIVATEBIN_API_HEADERS['x-requested-with'] },
      nextPath: () => `/?pasteid=${ids[next++] ?? ids[0] ?? 'none'}`,
      // A paste already burned (or missing) is {"status":1,...} with HTTP 200.
      verifyBody: (body) => body.startsWith('{"status":0'),
    },
    overrun: () => Math.max(0, next - ids.length),
  }
}

/**
 * Read-and-burn: each open reads a secret that allows one view, which the read destroys.
 * SecretSentry: POST /api/share/:id/open on a 1-view share. PrivateBin 2.0.6: the page's one
 * GET /?pasteid=<id> (X-Requested-With: JSONHttpRequest) on a burn-after-reading paste, which
 * the server deletes while answering it (lib/Model/Paste.php get()); no second request.
 * Each phase opens exactly the secrets made for it (autocannon's `amount`), so none runs out
 * and none is opened twice: the warm-up as many as the create rate gives in its seconds, the
 * measured phase as many as the warm-up's rate (or the create rate, if higher) gives in
 * BENCH_SECONDS; the rate is the opens over the time they took.
 */
async function measureBurns(
  contender: Contender,
  createRate: number,
  settings: SideSettings,
): Promise<RoundResult> {
  const target = await contender.start()
  try {
    const name = `${contender.label} read-and-burn opens`
    const pool =
      contender.system === 'ss'
        ? ssBurnPool(target.origin, settings)
        : pbBurnPool(target.origin, settings)
    const floor = settings.connections * 20
    let rate = createRate
    if (settings.warmupSeconds > 0) {
      const count = burnPoolSize(createRate, settings.warmupSeconds, { headroom: 1, min: floor })
      await pool.seed(count)
      const warm = await runLoad(
        `${name} warm-up`,
        { origin: target.origin, connections: settings.connections, amount: count },
        pool.plan,
      )
      rate = Math.max(rate, warm.total / warm.seconds)
    }
    const count = burnPoolSize(rate, settings.seconds, { headroom: 1, min: floor })
    await pool.seed(count)
    const result = await measured(name, target, pool.plan, settings, { amount: count })
    if (pool.overrun() > 0)
      console.warn(`  ${name}: ${pool.overrun()} opens found no prepared secret left`)
    return result
  } finally {
    await target.stop()
  }
}

interface StartupFigures {
  label: string
  startupMs: number[]
  memory: Memory[]
}

/**
 * Start-up (spawn to the first 200 of a real page: GET / for both, which PrivateBin renders in
 * PHP) and idle memory (1 s after that answer, summed over all the server's processes), the
 * candidates alternating in every run; one unmeasured start of each first (caches, addon).
 */
async function measureStartups(
  settings: SideSettings,
  pb: PrivateBinSetup | null,
): Promise<StartupFigures[]> {
  const candidates: {
    label: string
    start(): Promise<{ ms: number; roots: number[]; stop(): Promise<void> }>
  }[] = [
    {
      label: '`node apps/server/dist/main.js`',
      async start() {
        const s = await startBenchServer({}, { probePath: '/' })
        return { ms: s.startupMs, roots: [s.pid], stop: s.stop }
      },
    },
  ]
  if (existsSync(SERVER_BINARY))
    candidates.push({
      label: 'single executable `dist/secretsentry serve`',
      async start() {
        const s = await startBenchServer({}, { command: [SERVER_BINARY, 'serve'], probePath: '/' })
        return { ms: s.startupMs, roots: [s.pid], stop: s.stop }
      },
    })
  else console.log(`no ${SERVER_BINARY} (pnpm build:binary): the single executable is not measured`)
  if (pb)
    candidates.push({
      label: `PrivateBin (nginx + php-fpm, ${settings.pbChildren} workers)`,
      async start() {
        const r = await startPrivateBin(pb, await freePort(), { children: settings.pbChildren })
        return { ms: r.startupMs, roots: r.pids, stop: r.stop }
      },
    })
  const figures = candidates.map((c) => ({
    label: c.label,
    startupMs: [] as number[],
    memory: [] as Memory[],
  }))
  for (const c of candidates) await (await c.start()).stop()
  for (let run = 0; run < Math.max(1, settings.startupRuns); run++) {
    for (const [i, c] of candidates.entries()) {
      const s = await c.start()
      try {
        await sleep(1000)
        const memory = treeMemory(s.roots)
        const f = figures[i] as StartupFigures
        f.startupMs.push(s.ms)
        if (memory) f.memory.push(memory)
      } finally {
        await s.stop()
      }
    }
  }
  for (const f of figures) {
    const m = f.memory
    console.log(
      `${f.label}: start-up median ${fmt(median(f.startupMs), 1)} ms (${f.startupMs.map((x) => fmt(x)).join(', ')}); ` +
        `idle RSS ${fmt(median(m.map((x) => x.rssBytes)) / MiB, 1)} MiB, PSS ${fmt(median(m.map((x) => x.pssBytes)) / MiB, 1)} MiB, ` +
        `of which anonymous ${fmt(median(m.map((x) => x.pssAnonBytes)) / MiB, 1)} MiB ` +
        `over ${m[0]?.processes ?? '?'} processes`,
    )
  }
  return figures
}

export async function runSideBySide(settings: SideSettings): Promise<void> {
  const available = privateBinAvailability(process.env.PRIVATEBIN_DIR)
  const pb = available.ok ? available.setup : null
  if (!available.ok)
    console.log(`PrivateBin not measured: ${available.missing}. Measuring SecretSentry alone.`)
  const cpuList = cpus()
  const workersDefault = process.env.WORKERS
  const env = {
    node: process.version,
    cpus: `${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'}`,
    memory: `${fmt(totalmem() / 1024 ** 3, 1)} GiB`,
    privateBin: pb
      ? `${privateBinVersion(pb.dir)} from ${pb.dir}; ${pb.nginx}; ${pb.phpFpm}`
      : 'not measured',
  }
  // The server is started without WORKERS, so it runs its default; printed so the figures say which.
  console.log('side-by-side settings', {
    ...settings,
    ...env,
    ssWorkers: 'default (1), WORKERS unset',
  })
  if (workersDefault !== undefined)
    console.log(
      `(WORKERS=${workersDefault} in this shell is not passed to the server: it runs its default)`,
    )

  console.log('\n== start-up and idle memory')
  const startups = await measureStartups(settings, pb)

  const list = contenders(settings, pb)
  const bodies: Bodies = {
    ss: createPool(
      settings.ssMaxRate * (settings.seconds + settings.warmupSeconds),
      settings.payloadBytes,
    ).bodies,
    pb: pb
      ? privateBinCreateBodies(
          settings.pbMaxRate * (settings.seconds + settings.warmupSeconds),
          settings.payloadBytes,
          false,
        )
      : [],
  }
  const creates = new Map<string, RoundResult[]>(list.map((c) => [c.key, []]))
  const burns = new Map<string, RoundResult[]>(list.map((c) => [c.key, []]))
  for (let round = 0; round < settings.rounds; round++) {
    // Who goes first alternates, so neither always meets the machine in the same state.
    const order = round % 2 === 0 ? list : [...list].reverse()
    console.log(
      `\n== round ${round + 1} of ${settings.rounds}: ${order.map((c) => c.label).join(', ')}`,
    )
    for (const c of order) creates.get(c.key)?.push(await measureCreates(c, bodies, settings))
    for (const c of order) {
      const createRate = creates.get(c.key)?.[round]?.reqPerSec ?? Number.NaN
      burns.get(c.key)?.push(await measureBurns(c, createRate, settings))
    }
  }

  const ssRounds = { creates: creates.get('ss') ?? [], burns: burns.get('ss') ?? [] }
  const rows: string[] = []
  const header = [
    '| 50 connections, req/s median of rounds | SecretSentry | PrivateBin 2.0.6 | SecretSentry / PrivateBin: median of round ratios | each round, SecretSentry / PrivateBin |',
    '|---|---|---|---|---|',
  ]
  const summary: Record<string, unknown> = {}
  if (pb) {
    const pbRounds = { creates: creates.get('pb') ?? [], burns: burns.get('pb') ?? [] }
    const c = compare(ssRounds.creates, pbRounds.creates)
    const b = compare(ssRounds.burns, pbRounds.burns)
    summary.creates = c
    summary.burns = b
    rows.push(
      ...header,
      comparisonRow('creates/s', c, ssRounds.creates, pbRounds.creates),
      comparisonRow('read-and-burn opens/s', b, ssRounds.burns, pbRounds.burns),
    )
    for (const w of settings.extraWorkers) {
      const key = `ss-w${w}`
      rows.push(
        comparisonRow(
          `creates/s, SecretSentry WORKERS=${w}`,
          compare(creates.get(key) ?? [], pbRounds.creates),
          creates.get(key) ?? [],
          pbRounds.creates,
        ),
        comparisonRow(
          `read-and-burn opens/s, SecretSentry WORKERS=${w}`,
          compare(burns.get(key) ?? [], pbRounds.burns),
          burns.get(key) ?? [],
          pbRounds.burns,
        ),
      )
    }
    rows.push(
      `| server CPU per request (all processes), creates / opens | ${fmt(c.ss.cpuUs)} / ${fmt(b.ss.cpuUs)} µs | ${fmt(c.pb.cpuUs)} / ${fmt(b.pb.cpuUs)} µs | PrivateBin uses ${formatRatio(c.cpuRatio)} / ${formatRatio(b.cpuRatio)} the CPU | — |`,
      `| load generator CPU per request, creates / opens | ${fmt(c.ss.loadCpuUs)} / ${fmt(b.ss.loadCpuUs)} µs | ${fmt(c.pb.loadCpuUs)} / ${fmt(b.pb.loadCpuUs)} µs | — | — |`,
      `| machine cores busy (of ${cpus().length}), creates / opens | ${fmt(c.ss.busyCores, 2)} / ${fmt(b.ss.busyCores, 2)} | ${fmt(c.pb.busyCores, 2)} / ${fmt(b.pb.busyCores, 2)} | — | — |`,
    )
  } else {
    rows.push('| 50 connections, req/s (p50 / p99 ms) | SecretSentry, each round |', '|---|---|')
    for (const [label, rounds] of [
      ['creates/s', ssRounds.creates],
      ['read-and-burn opens/s', ssRounds.burns],
    ] as const)
      rows.push(
        `| ${label} | ${rounds.map((r) => `${fmt(r.reqPerSec)} (${r.p50} / ${r.p99})`).join('; ')} |`,
      )
  }
  const memRows = [
    '',
    '| start-up and idle memory | spawn to first 200 of GET / in a new data directory, median (min–max) | idle RSS, sum of processes | idle PSS, sum of processes | idle PSS, anonymous part |',
    '|---|---|---|---|---|',
    ...startups.map((f) => {
      const m = f.memory
      return (
        `| ${f.label} | ${fmt(median(f.startupMs))} ms (${fmt(Math.min(...f.startupMs))}–${fmt(Math.max(...f.startupMs))}) | ` +
        `${fmt(median(m.map((x) => x.rssBytes)) / MiB, 1)} MiB | ${fmt(median(m.map((x) => x.pssBytes)) / MiB, 1)} MiB (${m[0]?.processes ?? '?'} processes) | ` +
        `${fmt(median(m.map((x) => x.pssAnonBytes)) / MiB, 1)} MiB |`
      )
    }),
  ]
  const ssStart = startups[0]
  const pbStart = pb ? startups[startups.length - 1] : undefined
  const settingsLine =
    `${settings.rounds} alternating rounds, ${settings.connections} connections, ${settings.seconds} s per phase after ` +
    `${settings.warmupSeconds} s warm-up, ${fmt(settings.payloadBytes)} B secrets, autocannon on the same machine; ` +
    `SecretSentry with its default WORKERS (1), SQLite WAL synchronous=FULL, rate limits off` +
    (pb
      ? `; PrivateBin ${privateBinVersion(pb.dir)}, nginx (a worker per core) + php-fpm (pm = static, ${settings.pbChildren} workers, opcache on), ` +
        `filesystem storage (writes without fsync), traffic limiter off. Opens are read-and-burn on both: one request each.`
      : '.') +
    ` Node ${env.node}, ${env.cpus}, ${env.memory}.`
  const markdown = `${rows.join('\n')}\n${memRows.join('\n')}\n\n${settingsLine}\n`
  console.log(`\n${markdown}`)
  if (pb && ssStart && pbStart) {
    const ssPss = median(ssStart.memory.map((m) => m.pssBytes))
    const pbPss = median(pbStart.memory.map((m) => m.pssBytes))
    console.log(
      `idle PSS SecretSentry / PrivateBin: ${formatRatio(ratio(ssPss, pbPss))}; ` +
        `start-up: ${formatRatio(ratio(median(ssStart.startupMs), median(pbStart.startupMs)))}`,
    )
  }
  const outDir = resolve(REPO_ROOT, '.bench')
  await mkdir(outDir, { recursive: true })
  await writeFile(resolve(outDir, 'side-by-side.md'), markdown)
  await writeFile(
    resolve(outDir, 'side-by-side.json'),
    JSON.stringify(
      {
        settings,
        env,
        startups,
        creates: Object.fromEntries(creates),
        burns: Object.fromEntries(burns),
        summary,
      },
      null,
      2,
    ),
  )
  console.log(`written to ${outDir}/side-by-side.md and side-by-side.json`)
}
