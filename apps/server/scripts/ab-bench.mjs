/**
 * @module A/B load runs of built server variants in alternating rounds, for a shared, noisy machine:
 * a fixed number of requests per phase, CPU per request of the whole process tree (primary and
 * workers, from /proc), req/s and latency. `pnpm bench` is the formal harness; this compares builds.
 *
 *   node scripts/ab-bench.mjs --variant base=dist/base.js --variant new=dist/main.js \
 *     --workers 1,2 --rounds 3 --phases create,open,burn --amount 30000
 */
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '../../../bench/package.json'))
const autocannon = require('autocannon')

const { values: args } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true, default: ['main=dist/main.js'] },
    workers: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    phases: { type: 'string', default: 'create,open,burn' },
    amount: { type: 'string', default: '30000' },
    connections: { type: 'string', default: '50' },
    env: { type: 'string', multiple: true, default: [] },
    // Count instructions instead (valgrind's callgrind, only during the measured requests):
    // steady on a busy machine, where CPU time per request is not. Every process of the tree counts.
    callgrind: { type: 'boolean', default: false },
    warm: { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
})
const variants = args.variant.map((v) => {
  const [name, file] = v.split('=')
  return { name, file: path.resolve(here, '..', file) }
})
const workerCounts = args.workers.split(',').map(Number)
const rounds = Number(args.rounds)
const phases = args.phases.split(',')
const amount = Number(args.amount)
const connections = Number(args.connections)
const extraEnv = Object.fromEntries(
  args.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
)

const TICKS = 100
function statCpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS
}
function tree(pid) {
  const out = [pid]
  for (let i = 0; i < out.length; i++) {
    for (const task of fs.readdirSync(`/proc/${out[i]}/task`)) {
      const kids = fs.readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim()
      if (kids) out.push(...kids.split(' ').map(Number))
    }
  }
  return out
}
const treeCpuMs = (pid) => tree(pid).reduce((sum, p) => sum + statCpuMs(p), 0)
function treeRssMiB(pid) {
  return tree(pid).reduce((sum, p) => {
    const kib = /^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]
    return sum + Number(kib) / 1024
  }, 0)
}

const b64 = (b) => Buffer.from(b).toString('base64url')
function sealed() {
  const s = crypto.randomBytes(1 + 12 + 1024 + 16)
  s[0] = 1
  return b64(s)
}
const blob = sealed()
function shares(count, maxViews) {
  const random = crypto.randomBytes(count * 48)
  return Array.from({ length: count }, (_, i) => {
    const id = b64(random.subarray(i * 48, i * 48 + 16))
    const access = random.subarray(i * 48 + 16, i * 48 + 48)
    const verifier = b64(crypto.createHash('sha256').update(access).digest())
    return {
      id,
      create: Buffer.from(
        `{"id":"${id}","verifier":"${verifier}","ciphertext":"${blob}","ttlSeconds":3600,"maxViews":${maxViews}}`,
      ),
      open: Buffer.from(`{"access":"${b64(access)}"}`),
    }
  })
}

async function start(variant, workers) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-ab-'))
  const cgFile = path.join(dataDir, 'callgrind.out')
  const command = args.callgrind
    ? [
        'valgrind',
        '--tool=callgrind',
        '--instr-atstart=no',
        // A file per thread: the main thread's count leaves out V8's compiler and GC helpers,
        // whose share depends on when they happen to run.
        '--separate-threads=yes',
        // With WORKERS > 1 the workers are node processes of their own: a file per process.
        '--trace-children=yes',
        `--callgrind-out-file=${cgFile}.%p`,
        process.execPath,
      ]
    : [process.execPath]
  const child = spawn(command[0], [...command.slice(1), ...args['node-arg'], variant.file], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      // The request log goes to a file: read from the pipe, it costs this process (the load
      // generator) CPU for every request.
      LOG_FILE: path.join(dataDir, 'server.log'),
      RATE_LIMIT_PER_MIN: '0',
      WORKERS: String(workers),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', args.callgrind ? 'ignore' : 'inherit'],
  })
  const origin = await new Promise((resolve, reject) => {
    let out = ''
    const onData = (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (!m) return
      child.stdout.off('data', onData)
      child.stdout.resume()
      resolve(m[1])
    }
    child.stdout.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)))
  })
  for (;;) {
    const res = await fetch(`${origin}/readyz`).catch(() => undefined)
    if (res?.status === 200) break
    await new Promise((r) => setTimeout(r, 50))
  }
  // Every worker ready: the primary says so only in its log; give the followers time to start.
  await new Promise((r) => setTimeout(r, 300 * workers))
  return {
    origin,
    pid: child.pid,
    /** Instructions counted while callgrind was on, all threads and the main one (read after exit). */
    instructions: () => {
      const count = (file) =>
        Number(/^totals: (\d+)/m.exec(fs.readFileSync(path.join(dataDir, file), 'utf8'))?.[1])
      const files = fs.readdirSync(dataDir).filter((f) => /^callgrind\.out\.\d+-\d+$/.test(f))
      return {
        all: files.reduce((sum, f) => sum + count(f), 0),
        // Every process's main thread (with WORKERS > 1: the primary's and each worker's event loop).
        main: files.filter((f) => f.endsWith('-01')).reduce((sum, f) => sum + count(f), 0),
      }
    },
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
    clean: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  }
}

/**
 * autocannon ends an `amount` run at its next 1 s sample tick, so its duration is rounded up to
 * a whole second (up to 25% off in a 4 s phase): `lastAnswerAt` times the phase instead.
 */
let lastAnswerAt = 0

function load(origin, count, plan) {
  return new Promise((resolve, reject) => {
    let next = 0
    let current
    autocannon(
      {
        url: origin,
        connections: Math.min(connections, count),
        amount: count,
        timeout: args.callgrind ? 120 : 10,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            onResponse: () => {
              lastAnswerAt = performance.now()
            },
            setupRequest: (req) => {
              current = plan(next++)
              return { ...req, path: current.path, body: current.body }
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    )
  })
}

const callgrindControl = (pid, on) =>
  new Promise((resolve, reject) =>
    // vgdb finds the process by a file name holding $HOST, which the server's HOST setting is.
    spawn('callgrind_control', ['-i', on ? 'on' : 'off', String(pid)], {
      stdio: 'ignore',
      env: { ...process.env, HOST: '127.0.0.1' },
    }).once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error('callgrind_control failed')),
    ),
  )

async function measure(server, count, plan, okStatus) {
  const instrumented = args.callgrind ? tree(server.pid) : []
  for (const pid of instrumented) await callgrindControl(pid, true)
  const cpu0 = treeCpuMs(server.pid)
  const t0 = performance.now()
  const res = await load(server.origin, count, plan)
  for (const pid of instrumented) await callgrindControl(pid, false)
  const seconds = (lastAnswerAt - t0) / 1000
  const cpuMs = treeCpuMs(server.pid) - cpu0
  const ok = res.statusCodeStats?.[okStatus]?.count ?? 0
  return {
    rps: Math.round(res.requests.total / seconds),
    p50: res.latency.p50,
    p99: res.latency.p99,
    cpuUs: Math.round((cpuMs * 1000) / res.requests.total),
    bad: res.requests.total - ok + res.errors,
    requests: res.requests.total,
  }
}

const createPlan = (list) => (i) => ({ path: '/api/share', body: list[i % list.length].create })
const openPlan = (list) => (i) => {
  const s = list[i % list.length]
  return { path: `/api/share/${s.id}/open`, body: s.open }
}

async function runPhase(phase, server) {
  const warm = Number(args.warm ?? Math.min(5000, amount / 5))
  if (phase === 'create') {
    const list = shares(amount + warm, 1)
    await load(server.origin, warm, createPlan(list))
    return measure(server, amount, (i) => createPlan(list)(i + warm), '201')
  }
  if (phase === 'open') {
    const list = shares(Math.ceil((amount + warm) / 100), 100)
    await load(server.origin, list.length, createPlan(list))
    await load(server.origin, warm, openPlan(list))
    return measure(server, amount, (i) => openPlan(list)(i + warm), '200')
  }
  if (phase === 'burn') {
    const list = shares(amount + warm, 1)
    await load(server.origin, list.length, createPlan(list))
    await load(server.origin, warm, openPlan(list))
    return measure(server, amount, (i) => openPlan(list)(i + warm), '200')
  }
  if (phase === 'idle') {
    await new Promise((r) => setTimeout(r, 1500))
    return { rssMiB: Math.round(treeRssMiB(server.pid) * 10) / 10 }
  }
  throw new Error(`unknown phase ${phase}`)
}

const results = []
const combos = variants.flatMap((v) => workerCounts.map((w) => ({ v, w })))
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? combos : [...combos].reverse()
  for (const phase of phases) {
    for (const { v, w } of order) {
      const server = await start(v, w)
      let r
      try {
        r = await runPhase(phase, server)
      } finally {
        await server.stop()
      }
      if (args.callgrind && r.requests) {
        const { all, main } = server.instructions()
        r.kIrPerReq = Math.round(all / r.requests / 1000)
        r.kIrMainPerReq = Math.round(main / r.requests / 1000)
      }
      if (!process.env.AB_KEEP) server.clean()
      results.push({ round, phase, variant: v.name, workers: w, ...r })
      console.log(JSON.stringify(results.at(-1)))
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
console.log('\nmedians over rounds:')
for (const phase of phases) {
  for (const { v, w } of combos) {
    const rs = results.filter((r) => r.phase === phase && r.variant === v.name && r.workers === w)
    const keys = Object.keys(rs[0]).filter(
      (k) => typeof rs[0][k] === 'number' && k !== 'round' && k !== 'workers',
    )
    const m = Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => r[k]))]))
    const all = Object.fromEntries(keys.map((k) => [k, rs.map((r) => r[k]).join('/')]))
    console.log(`${phase} ${v.name} WORKERS=${w}: ${JSON.stringify(m)}  all ${JSON.stringify(all)}`)
  }
}
