/** @module Keyring micro-benchmark (run: pnpm --filter @secretsentry/keyring bench): account key derivation at the defaults, and sealing/opening a secret's value. */
/* eslint-disable no-restricted-imports, no-restricted-globals -- a Node-only script (tsx); src/ never imports it. */
import { cpus } from 'node:os'
import {
  KDF_DEFAULTS,
  createSecretVersion,
  deriveAccountKeys,
  newId,
  newKey,
  newSalt,
  openSecretVersion,
  sealSecretMeta,
  openSecretMeta,
} from './src/index.ts'

const MIN_MS = 1000

function measure(fn: () => unknown): { opsPerSec: number; medianMs: number; p99Ms: number } {
  for (let i = 0; i < 20; i++) fn() // warm-up: JIT
  const times: number[] = []
  const start = performance.now()
  while (performance.now() - start < MIN_MS || times.length < 20) {
    const t = performance.now()
    fn()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const total = times.reduce((a, b) => a + b, 0)
  return {
    opsPerSec: (times.length * 1000) / total,
    medianMs: times[Math.floor(times.length / 2)]!,
    p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
  }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(10)

console.log(
  `@secretsentry/keyring bench: Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`,
)

// Wall time and this process's CPU time: on a loaded machine the CPU time is the fairer figure,
// since Argon2id here runs on one thread.
const derive: { wall: number; cpu: number }[] = []
for (let i = 0; i < 3; i++) {
  const t = performance.now()
  const c = process.cpuUsage()
  await deriveAccountKeys('correct horse battery staple', newSalt(), KDF_DEFAULTS)
  const used = process.cpuUsage(c)
  derive.push({ wall: performance.now() - t, cpu: (used.user + used.system) / 1000 })
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const walls = derive.map((d) => d.wall)
const cpus_ = derive.map((d) => d.cpu)
console.log(
  `deriveAccountKeys m=65536 KiB t=3 p=1: median ${median(walls).toFixed(0)} ms wall, ${median(cpus_).toFixed(0)} ms CPU (runs ${walls.map((d) => d.toFixed(0)).join(', ')} ms)`,
)

console.log('case (each >= 1 s)                        ops/s   median ms      p99 ms')
const folderKey = newKey()
const secretId = newId()
for (const size of [1024, 64 * 1024, 1024 * 1024]) {
  const value = { value: 'x'.repeat(size) }
  const sealed = createSecretVersion(folderKey, secretId, 1, value)
  const label = size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`
  const s = measure(() => createSecretVersion(folderKey, secretId, 1, value))
  console.log(
    `seal value ${label.padEnd(8)} (new data key)   ${fmt(s.opsPerSec)}${fmt(s.medianMs, 3)}${fmt(s.p99Ms, 3)}`,
  )
  const o = measure(() => openSecretVersion(folderKey, secretId, { version: 1, ...sealed }))
  console.log(
    `open value ${label.padEnd(8)} (unwrap + open)  ${fmt(o.opsPerSec)}${fmt(o.medianMs, 3)}${fmt(o.p99Ms, 3)}`,
  )
}
const meta = {
  name: 'Stripe live key',
  description: 'billing',
  tags: ['prod', 'payments'],
  path: '/billing',
}
const sealedMeta = sealSecretMeta(folderKey, secretId, 1, meta)
const sm = measure(() => sealSecretMeta(folderKey, secretId, 1, meta))
console.log(
  `seal meta (typical)                  ${fmt(sm.opsPerSec)}${fmt(sm.medianMs, 3)}${fmt(sm.p99Ms, 3)}`,
)
const om = measure(() => openSecretMeta(folderKey, secretId, 1, sealedMeta))
console.log(
  `open meta (typical; 1,000 = a list)  ${fmt(om.opsPerSec)}${fmt(om.medianMs, 3)}${fmt(om.p99Ms, 3)}`,
)
