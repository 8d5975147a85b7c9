/** @module Runs the v1 known-answer vectors against both backends; no Node APIs, so the e2e run can bundle it into a Chromium page. */
import {
  EnvelopeError,
  deriveShareKeys,
  encodeFragment,
  fromB64url,
  openSealed,
  parseFragment,
  prepareOpen,
  sealShare,
  shareIdFromSeed,
  toB64url,
} from '../src/index.ts'
import type { Backend, ShareKeys, SharePolicy, ShareRecord } from '../src/index.ts'

export type VectorRecord =
  { kind: 'text'; text: string } | { kind: 'file'; name: string; type: string; data: string }

export interface V1Vector {
  name: string
  seed: string
  passphrase: string | null
  fragment: string
  id: string
  encKey: string
  access: string
  verifier: string
  policy: SharePolicy
  record: VectorRecord
  nonce: string
  sealed: string
}

export interface V1Vectors {
  vectors: V1Vector[]
  invalidOpens: {
    name: string
    vector: string
    sealed: string
    policy: SharePolicy
    error: string
  }[]
  invalidFragments: { fragment: string; error: string }[]
  invalidB64url: { text: string; why: string }[]
}

export interface VectorReport {
  passed: number
  failed: { name: string; error: string }[]
}

const BACKENDS: Exclude<Backend, 'auto'>[] = ['webcrypto', 'noble']

export function recordFromVector(r: VectorRecord): ShareRecord {
  return r.kind === 'text' ? r : { ...r, data: fromB64url(r.data) }
}

function describeRecord(r: ShareRecord): string {
  return r.kind === 'text'
    ? JSON.stringify(r)
    : JSON.stringify({ kind: r.kind, name: r.name, type: r.type, data: toB64url(r.data) })
}

function expectEqual(what: string, actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, want ${expected}`)
}

function keysFromVector(v: V1Vector): ShareKeys {
  return {
    id: fromB64url(v.id),
    encKey: fromB64url(v.encKey),
    access: fromB64url(v.access),
    verifier: fromB64url(v.verifier),
  }
}

async function expectError(what: string, code: string, fn: () => unknown): Promise<void> {
  try {
    await fn()
  } catch (e) {
    if (e instanceof EnvelopeError && e.code === code) return
    const got = e instanceof EnvelopeError ? e.code : String(e)
    throw new Error(`${what}: threw ${got}, want ${code}`, { cause: e })
  }
  throw new Error(`${what}: did not throw, want ${code}`)
}

export async function runVectorChecks(vectors: V1Vectors): Promise<VectorReport> {
  const report: VectorReport = { passed: 0, failed: [] }
  const check = async (name: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn()
      report.passed++
    } catch (e) {
      report.failed.push({ name, error: e instanceof Error ? e.message : String(e) })
    }
  }

  for (const v of vectors.vectors) {
    const seed = fromB64url(v.seed)
    const passphrase = v.passphrase ?? undefined
    const record = recordFromVector(v.record)
    const want = describeRecord(record)

    await check(`${v.name}/keys`, async () => {
      const k = await deriveShareKeys(seed, passphrase)
      expectEqual('id', toB64url(k.id), v.id)
      expectEqual('shareIdFromSeed', toB64url(shareIdFromSeed(seed)), v.id)
      expectEqual('encKey', toB64url(k.encKey), v.encKey)
      expectEqual('access', toB64url(k.access), v.access)
      expectEqual('verifier', toB64url(k.verifier), v.verifier)
    })
    await check(`${v.name}/fragment`, () => {
      expectEqual('encode', encodeFragment({ seed, passphrase: v.policy.passphrase }), v.fragment)
      for (const text of [v.fragment, `#${v.fragment}`]) {
        const f = parseFragment(text)
        expectEqual('seed', toB64url(f.seed), v.seed)
        expectEqual('flag', String(f.passphrase), String(v.policy.passphrase))
      }
    })
    for (const backend of BACKENDS) {
      const keys = keysFromVector(v)
      await check(`${v.name}/${backend}/seal`, async () => {
        const sealed = await sealShare(keys, v.policy, record, {
          backend,
          nonce: fromB64url(v.nonce),
        })
        expectEqual('sealed', toB64url(sealed), v.sealed)
      })
      await check(`${v.name}/${backend}/open`, async () => {
        const opened = await openSealed(keys, v.policy, fromB64url(v.sealed), { backend })
        expectEqual('record', describeRecord(opened), want)
      })
    }
    await check(`${v.name}/prepareOpen`, async () => {
      const p = await prepareOpen(v.fragment, passphrase)
      expectEqual('id', p.id, v.id)
      expectEqual('access', p.access, v.access)
      const { ttlSeconds, maxViews } = v.policy
      const opened = await p.decrypt({ ciphertext: v.sealed, ttlSeconds, maxViews })
      expectEqual('record', describeRecord(opened), want)
    })
  }

  for (const o of vectors.invalidOpens) {
    const base = vectors.vectors.find((v) => v.name === o.vector)
    for (const backend of BACKENDS) {
      await check(`invalidOpen/${o.name}/${backend}`, async () => {
        if (!base) throw new Error(`unknown vector ${o.vector}`)
        await expectError(o.name, o.error, () =>
          openSealed(keysFromVector(base), o.policy, fromB64url(o.sealed), { backend }),
        )
      })
    }
  }
  for (const f of vectors.invalidFragments) {
    await check(`invalidFragment/${JSON.stringify(f.fragment)}`, () =>
      expectError(JSON.stringify(f.fragment), f.error, () => parseFragment(f.fragment)),
    )
  }
  for (const b of vectors.invalidB64url) {
    await check(`invalidB64url/${b.why}/${JSON.stringify(b.text)}`, () =>
      expectError(b.why, 'bad_input', () => fromB64url(b.text)),
    )
  }
  return report
}
