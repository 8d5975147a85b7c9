/**
 * @module Measures the single executable's start-up the way the README reports it, alternating with
 * a bare `node` HTTP server (the machine is shared, so only side-by-side figures compare).
 *
 * `node infra/sea/measure-startup.mjs [--rounds N] BINARY...` (default: dist/secretsentry). Each
 * binary runs `serve` from its own empty directory under an empty environment, as the binary test
 * does; a `.js` file instead runs as `node FILE` with only HOST, PORT, LOG_LEVEL, WORKERS and
 * DATA_DIR set (e.g. apps/server/dist/main.js). One warm-up round (addon cache written, database
 * migrated) is not counted. Per round:
 * - spawn → first 200 on /healthz (after the "listening" line), wall and CPU time (schedstat, all
 *   threads, read when the answer arrived);
 * - the same for a first start: `serve` in a new data directory, where the executable writes its
 *   SQLite addon to the cache (DATA_DIR/.cache under `env -i`) and creates the database;
 * - for the servers: spawn → /readyz 200, then 1.5 s later the first real API requests (a share
 *   create, then a vault prelogin), each timed alone, and idle RSS 1.5 s after those.
 *
 * `--instructions` counts instead what each start executes up to its first /healthz 200 (valgrind's
 * callgrind, counters dumped at that answer; a second start): the same count whatever else the
 * machine is doing, where times on a shared or virtual machine move by a fifth from run to run.
 * valgrind runs the program about fifty times slower, so use few rounds.
 */
import { execFileSync, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const args = process.argv.slice(2)
let rounds = 10
let instructions = false
const binaries = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i])
  else if (args[i] === '--instructions') instructions = true
  else binaries.push(path.resolve(args[i]))
}
if (binaries.length === 0) binaries.push(path.join(root, 'dist/secretsentry'))
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer')

const BARE = [
  '-e',
  "require('http').createServer((q,s)=>s.end('ok')).listen(0,'127.0.0.1',function(){console.log('SecretSentry listening on http://127.0.0.1:'+this.address().port)})",
]

function cpuMs(pid) {
  let ns = 0
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
  }
  return ns / 1e6
}

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Spawns and resolves once the "listening" line is out; `exited` settles when the process ends. */
function start(file, argv, cwd, env = {}) {
  const began = performance.now()
  const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  let output = ''
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (output += d))
    child.stdout.on('data', (d) => {
      output += d
      const match = /SecretSentry listening on (\S+)/.exec(output)
      if (match) resolve({ began, child, url: match[1], exited })
    })
    void exited.then((code) => reject(new Error(`exited (${code}) before listening:\n${output}`)))
  })
}

async function timed(url, init) {
  const t = performance.now()
  const res = await fetch(url, init)
  await res.arrayBuffer()
  return { ms: performance.now() - t, status: res.status }
}

const b64url = (n) => crypto.randomBytes(n).toString('base64url')

let firstStarts = 0

/** One start; `first`: in a new data directory, so the addon is written to its cache first. */
async function runOnce(candidate, first = false) {
  const fresh = first ? `first-${++firstStarts}` : 'data'
  const argv = candidate.argv.map((a) => (a === 'data' ? fresh : a))
  const env = candidate.env && { ...candidate.env, DATA_DIR: fresh }
  const s = await start(candidate.file, argv, candidate.dir, env)
  const res = await fetch(`${s.url}/healthz`)
  await res.arrayBuffer()
  const sample = { wall: performance.now() - s.began, cpu: cpuMs(s.child.pid) }
  if (res.status !== 200) throw new Error(`${candidate.name}: /healthz answered ${res.status}`)
  if (candidate.server && !first) {
    for (;;) {
      const ready = await fetch(`${s.url}/readyz`)
      await ready.arrayBuffer()
      if (ready.status === 200) break
      await sleep(2)
    }
    sample.ready = performance.now() - s.began
    await sleep(1500)
    const json = { 'content-type': 'application/json', origin: s.url }
    const create = await timed(`${s.url}/api/share`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        id: b64url(16),
        verifier: b64url(32),
        ciphertext: b64url(64),
        ttlSeconds: 300,
        maxViews: 1,
      }),
    })
    if (create.status !== 201)
      throw new Error(`${candidate.name}: create answered ${create.status}`)
    sample.create = create.ms
    const prelogin = await timed(`${s.url}/api/prelogin`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'nobody' }),
    })
    if (prelogin.status !== 200) {
      throw new Error(`${candidate.name}: prelogin answered ${prelogin.status}`)
    }
    sample.prelogin = prelogin.ms
    // Idle after start-up and those first requests, not before them.
    await sleep(1500)
    sample.rss = rssMiB(s.child.pid)
  }
  s.child.kill('SIGTERM')
  await s.exited
  return sample
}

/** `name` found on PATH, or null. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name)
    if (dir && fs.existsSync(file)) return file
  }
  return null
}

let countedRuns = 0

/** One second start under callgrind: instructions executed up to the first /healthz 200. */
async function countOnce(candidate) {
  const out = path.join(work, `callgrind-${++countedRuns}`)
  const valgrind = [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    // V8 writes the machine code it then runs.
    '--smc-check=all-non-file',
  ]
  const s = await start(
    onPath('valgrind'),
    [...valgrind, candidate.file, ...candidate.argv],
    candidate.dir,
    candidate.env,
  )
  const res = await fetch(`${s.url}/healthz`)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`${candidate.name}: /healthz answered ${res.status}`)
  // Under the server's own (empty) environment: vgdb names its pipes after USER, which must match.
  execFileSync(onPath('callgrind_control'), ['--dump', String(s.child.pid)], {
    stdio: 'ignore',
    env: { ...candidate.env, PATH: process.env.PATH },
  })
  // The guest writes the dump at its next check for commands: wait for the file to be complete.
  let totals = null
  for (let waited = 0; !totals && waited < 30_000; waited += 20) {
    await sleep(20)
    if (fs.existsSync(`${out}.1`))
      totals = /^totals: (\d+)$/m.exec(fs.readFileSync(`${out}.1`, 'utf8'))
  }
  s.child.kill('SIGTERM')
  await s.exited
  if (!totals) throw new Error(`${candidate.name}: no totals in the callgrind dump`)
  return Number(totals[1]) / 1e6
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-measure-'))
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }))
const candidates = [
  ...binaries.map((file, i) => {
    const dir = path.join(work, `bin${i}`)
    fs.mkdirSync(dir)
    if (/\.[cm]?js$/.test(file)) {
      // `node dist/main.js` (npm start's server): settings from the environment, nothing else set.
      return {
        name: `node ${path.relative(process.cwd(), file) || file}`,
        file: process.execPath,
        dir,
        server: true,
        argv: [file],
        env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', WORKERS: '1' },
      }
    }
    const copy = path.join(dir, 'secretsentry')
    fs.copyFileSync(file, copy)
    fs.chmodSync(copy, 0o755)
    return {
      name: path.relative(process.cwd(), file) || file,
      file: copy,
      dir,
      server: true,
      argv: ['serve', '--port', '0', '--data-dir', 'data', '--log-level', 'silent'],
    }
  }),
  { name: 'bare node', file: process.execPath, dir: work, server: false, argv: BARE },
]
const load = () => os.loadavg()[0].toFixed(1)

if (instructions) {
  if (!onPath('valgrind') || !onPath('callgrind_control')) {
    console.error('--instructions needs valgrind (apt-get install -y valgrind)')
    process.exit(1)
  }
  for (const c of candidates) await runOnce(c) // warm-up: addon cache, migrations
  const counts = new Map(candidates.map((c) => [c, []]))
  for (let i = 0; i < rounds; i++)
    for (const c of candidates) counts.get(c).push(await countOnce(c))
  const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1]
  console.log(
    `instructions to the first /healthz 200 (callgrind, second start), ${rounds} rounds: median (min–max), millions`,
  )
  for (const c of candidates) {
    const v = counts.get(c)
    console.log(
      `${c.name}: ${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)})`,
    )
  }
  process.exit(0)
}

const samples = new Map(candidates.map((c) => [c, []]))
const loads = [load()]
for (const c of candidates) await runOnce(c) // warm-up: addon cache, migrations
const firsts = new Map(candidates.filter((c) => c.server).map((c) => [c, []]))
for (let i = 0; i < rounds; i++) {
  for (const c of candidates) {
    if (c.server) firsts.get(c).push(await runOnce(c, true))
    samples.get(c).push(await runOnce(c))
  }
  loads.push(load())
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const figure = (values, unit = 'ms') =>
  `${median(values).toFixed(unit === 'ms' ? 0 : 1)} ${unit} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`
console.log(`${rounds} rounds, load average ${loads.join(' ')}; median (min–max)`)
for (const c of candidates) {
  const s = samples.get(c)
  const pick = (key) => s.map((x) => x[key])
  const parts = [`healthz wall ${figure(pick('wall'))}`, `CPU ${figure(pick('cpu'))}`]
  if (c.server) {
    const first = firsts.get(c)
    parts.push(
      `first start (new data directory) healthz wall ${figure(first.map((x) => x.wall))}`,
      `CPU ${figure(first.map((x) => x.cpu))}`,
    )
    parts.push(
      `readyz wall ${figure(pick('ready'))}`,
      `idle RSS ${figure(pick('rss'), 'MiB')}`,
      `first create ${figure(pick('create'))}`,
      `first prelogin ${figure(pick('prelogin'))}`,
    )
  }
  console.log(`${c.name}: ${parts.join(', ')}`)
}
