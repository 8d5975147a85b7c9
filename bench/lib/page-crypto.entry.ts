/** @module Bundled into a Chromium page by the bench: times sealing and opening a text share with one backend. */
import {
  deriveShareKeys,
  newSeed,
  openSealed,
  sealShare,
  type Backend,
} from '@secretsentry/envelope'

export async function timeTextShares(
  backend: Backend,
  text: string,
  iterations: number,
): Promise<{ seal: number[]; open: number[] }> {
  const policy = { ttlSeconds: 3600, maxViews: 1, passphrase: false }
  const seal: number[] = []
  const open: number[] = []
  const warmup = 2
  for (let i = 0; i < iterations + warmup; i++) {
    const t0 = performance.now()
    const seed = newSeed()
    const keys = await deriveShareKeys(seed)
    const sealed = await sealShare(keys, policy, { kind: 'text', text }, { backend })
    const t1 = performance.now()
    const record = await openSealed(await deriveShareKeys(seed), policy, sealed, { backend })
    const t2 = performance.now()
    if (record.kind !== 'text' || record.text !== text) throw new Error('round trip mismatch')
    if (i >= warmup) {
      seal.push(t1 - t0)
      open.push(t2 - t1)
    }
  }
  return { seal, open }
}
