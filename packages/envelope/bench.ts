/** @module Envelope micro-benchmark (run: pnpm --filter @secretsentry/envelope bench): seal/open ops/s per backend and Argon2id time. */
/* eslint-disable no-restricted-imports, no-restricted-globals -- a Node-only script (tsx); src/ never imports it. */
import { cpus } from 'node:os'
import {
  createShare,
  deriveShareKeys,
  newSeed,
  openSealed,
  prepareOpen,
  sealShare,
} from './src/index.ts'
import type { Backend, ShareRecord } from './src/index.ts'

const policy = { ttlSeconds: 3600, maxViews: 1, passphrase: false }
const MIN_MS = 1000

async function measure(
  fn: () => Promise<unknown>,
): Promise<{ opsPerSec: number; meanMs: number; p99Ms: number }> {
  for (let i = 0; i < 5; i++) await fn() // warm-up: JIT and WebCrypto key import paths
  const times: number[] = []
  const start = performance.now()
  while (performance.now() - start < MIN_MS || times.length < 5) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const total = times.reduce((a, b) => a + b, 0)
  return {
    opsPerSec: (times.length * 1000) / total,
    meanMs: total / times.length,
    p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
  }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(10)

console.log(
  `@secretsentry/envelope bench: Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, each case >= ${MIN_MS} ms`,
)
console.log('case                              ops/s     mean ms      p99 ms')
const keys = await deriveShareKeys(newSeed())
for (const size of [1024, 1024 * 1024]) {
  const data = new Uint8Array(size).fill(0x5a)
  const record: ShareRecord = {
    kind: 'file',
    name: 'bench.bin',
    type: 'application/octet-stream',
    data,
  }
  for (const backend of ['webcrypto', 'noble'] as Backend[]) {
    const sealed = await sealShare(keys, policy, record, { backend })
    const label = `${size === 1024 ? '1 KiB' : '1 MiB'} ${backend}`
    const s = await measure(() => sealShare(keys, policy, record, { backend }))
    console.log(`seal ${label.padEnd(24)}${fmt(s.opsPerSec)}${fmt(s.meanMs, 3)}${fmt(s.p99Ms, 3)}`)
    const o = await measure(() => openSealed(keys, policy, sealed, { backend }))
    console.log(`open ${label.padEnd(24)}${fmt(o.opsPerSec)}${fmt(o.meanMs, 3)}${fmt(o.p99Ms, 3)}`)
  }
}

// SPEC §8: a text share encrypts and decrypts in under 5 ms (whole client path, no passphrase).
const text: ShareRecord = {
  kind: 'text',
  text: 'DATABASE_URL=postgres://app:s3cr3t@db:5432/app\n'.repeat(20),
}
const rt = await measure(async () => {
  const { fragment, request } = await createShare(text, { ttlSeconds: 3600, maxViews: 1 })
  const open = await prepareOpen(fragment)
  await open.decrypt(request)
})
console.log(
  `text create+open round trip (auto)${fmt(rt.opsPerSec)}${fmt(rt.meanMs, 3)}${fmt(rt.p99Ms, 3)}`,
)

const argon: number[] = []
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  await deriveShareKeys(newSeed(), 'correct horse battery staple')
  argon.push(performance.now() - t)
}
argon.sort((a, b) => a - b)
console.log(
  `argon2id m=19456 KiB t=2 p=1 (@noble/hashes, async): median ${argon[2]!.toFixed(0)} ms, min ${argon[0]!.toFixed(0)} ms, max ${argon[4]!.toFixed(0)} ms`,
)
