/** @module Times the envelope in Node: sealing and opening a text share, with each backend. */
import {
  deriveShareKeys,
  newSeed,
  openSealed,
  sealShare,
  type Backend,
} from '@secretsentry/envelope'
import { summarize, type Summary } from './stats.ts'

export interface CryptoFigures {
  backend: Backend
  passphrase: boolean
  /** Key derivation from a fresh seed (and passphrase) plus sealing. */
  sealMs: Summary
  /** Key derivation from the seed (and passphrase) plus opening. */
  openMs: Summary
}

export async function measureCrypto(
  backend: Backend,
  text: string,
  iterations: number,
  passphrase?: string,
): Promise<CryptoFigures> {
  const policy = { ttlSeconds: 3600, maxViews: 1, passphrase: Boolean(passphrase) }
  const seal: number[] = []
  const open: number[] = []
  const warmup = 2
  for (let i = 0; i < iterations + warmup; i++) {
    const t0 = performance.now()
    const seed = newSeed()
    const keys = await deriveShareKeys(seed, passphrase)
    const sealed = await sealShare(keys, policy, { kind: 'text', text }, { backend })
    const t1 = performance.now()
    const openKeys = await deriveShareKeys(seed, passphrase)
    const record = await openSealed(openKeys, policy, sealed, { backend })
    const t2 = performance.now()
    if (record.kind !== 'text' || record.text !== text) throw new Error('round trip mismatch')
    if (i >= warmup) {
      seal.push(t1 - t0)
      open.push(t2 - t1)
    }
  }
  return {
    backend,
    passphrase: Boolean(passphrase),
    sealMs: summarize(seal),
    openMs: summarize(open),
  }
}
