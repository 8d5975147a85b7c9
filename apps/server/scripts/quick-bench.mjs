/** @module Quick local load test of the built server (creates, then opens of the created 1-view shares); the formal harness is `pnpm bench`. */
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '../../../bench/package.json'))
const autocannon = require('autocannon')

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const createSeconds = Number(process.env.BENCH_CREATE_SECONDS ?? seconds)
/** Views per share: opens cycle through the created shares this many times. */
const views = Number(process.env.BENCH_VIEWS ?? 1)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const dataDir = fs.mkdtempSync(path.join(process.env.BENCH_TMP ?? os.tmpdir(), 'ss-bench-'))

const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
const server = spawn(process.execPath, [...nodeArgs, path.join(here, '../dist/main.js')], {
  env: {
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    RATE_LIMIT_PER_MIN: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
})
const port = await new Promise((resolve) => {
  let out = ''
  server.stdout.on('data', (d) => {
    out += d
    const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out)
    if (m) resolve(Number(m[1]))
  })
})

const ciphertext = crypto.randomBytes(1024).toString('base64url')
const shares = []

/** The server's CPU time in ms (user + system), from /proc: robust to other load on the box. */
function serverCpuMs() {
  const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

function run(title, opts, duration = seconds) {
  const cpuBefore = serverCpuMs()
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}`, connections, duration, ...opts }, (err, res) => {
      if (err) return reject(err)
      const codes = Object.entries(res.statusCodeStats ?? {})
        .map(([k, v]) => `${k}:${v.count}`)
        .join(' ')
      const cpuUsPerRequest = ((serverCpuMs() - cpuBefore) * 1000) / res.requests.total
      console.log(
        `${title}: ${Math.round(res.requests.average)} req/s avg, p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, errors ${res.errors}, non2xx ${res.non2xx}, codes ${codes}, server CPU ${Math.round(cpuUsPerRequest)} us/request`,
      )
      resolve(res)
    })
  })
}

await run(
  'create',
  {
    requests: [
      {
        method: 'POST',
        path: '/api/share',
        headers: { 'content-type': 'application/json' },
        setupRequest(req) {
          const access = crypto.randomBytes(32)
          const id = crypto.randomBytes(16).toString('base64url')
          shares.push({ id, access: access.toString('base64url') })
          const verifier = crypto.createHash('sha256').update(access).digest('base64url')
          return {
            ...req,
            body: JSON.stringify({ id, verifier, ciphertext, ttlSeconds: 3600, maxViews: views }),
          }
        },
      },
    ],
  },
  createSeconds,
)

let next = 0
if (process.env.BENCH_PHASES !== 'create')
  await run('open', {
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest(req) {
          const share = shares[next++ % shares.length]
          return {
            ...req,
            path: `/api/share/${share.id}/open`,
            body: JSON.stringify({ access: share.access }),
          }
        },
      },
    ],
  })
console.log(`shares created: ${shares.length} (opens beyond that count answer 404)`)
const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
for (const line of metrics.split('\n')) {
  if (
    /^secretsentry_write_batch_(size|seconds)_(sum|count)|^process_resident_memory_bytes/.test(line)
  )
    console.log(line)
}
server.kill('SIGTERM')
await new Promise((resolve) => server.once('exit', resolve))
fs.rmSync(dataDir, { recursive: true, force: true })
