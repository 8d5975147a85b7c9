/** @module Tests of the sealed layout and of what the additional data binds (SPEC.md §5). */
import { describe, expect, it } from 'vitest'
import { deriveShareKeys } from './keys.ts'
import { additionalData, openSealed, sealShare } from './seal.ts'
import type { SharePolicy } from './seal.ts'

const seedA = new Uint8Array(32).fill(1)
const seedB = new Uint8Array(32).fill(2)
const policy: SharePolicy = { ttlSeconds: 86400, maxViews: 3, passphrase: false }
const record = { kind: 'text', text: 'swap me' } as const

describe('sealShare / openSealed', () => {
  it('lays out additional data as version || id || u32be ttl || u8 views || u8 passphrase', () => {
    const id = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
    const ad = additionalData(id, { ttlSeconds: 0x01020304, maxViews: 0xfe, passphrase: true })
    expect([...ad]).toEqual([1, ...id, 1, 2, 3, 4, 0xfe, 1])
  })

  it('lays out sealed bytes as 0x01 || 12-byte nonce || ciphertext || 16-byte tag, with a fresh nonce each time', async () => {
    const keys = await deriveShareKeys(seedA)
    const a = await sealShare(keys, policy, record)
    const b = await sealShare(keys, policy, record)
    const recordBytes = 1 + 'swap me'.length
    expect(a).toHaveLength(1 + 12 + recordBytes + 16)
    expect(a[0]).toBe(1)
    expect(a.subarray(1, 13)).not.toEqual(b.subarray(1, 13))
  })

  it('promise: the server cannot swap blobs between shares or rewrite the sender’s policy unnoticed', async () => {
    const a = await deriveShareKeys(seedA)
    const b = await deriveShareKeys(seedB)
    const blobA = await sealShare(a, policy, record)
    for (const backend of ['webcrypto', 'noble'] as const) {
      expect(await openSealed(a, policy, blobA, { backend })).toEqual(record)
      // Another share's keys (what a swapped blob meets).
      await expect(openSealed(b, policy, blobA, { backend })).rejects.toMatchObject({
        code: 'decrypt_failed',
      })
      // The right key under another id: only the additional data differs.
      await expect(
        openSealed({ ...a, id: b.id }, policy, blobA, { backend }),
      ).rejects.toMatchObject({
        code: 'decrypt_failed',
      })
      for (const changed of [
        { ...policy, ttlSeconds: policy.ttlSeconds + 1 },
        { ...policy, maxViews: policy.maxViews + 1 },
        { ...policy, passphrase: true },
      ]) {
        await expect(openSealed(a, changed, blobA, { backend })).rejects.toMatchObject({
          code: 'decrypt_failed',
        })
      }
    }
  })

  it('does not modify the caller’s keys or sealed bytes', async () => {
    const keys = await deriveShareKeys(seedA)
    const before = {
      id: keys.id.slice(),
      encKey: keys.encKey.slice(),
      access: keys.access.slice(),
      verifier: keys.verifier.slice(),
    }
    const sealed = await sealShare(keys, policy, record)
    const sealedCopy = sealed.slice()
    await openSealed(keys, policy, sealed, { backend: 'noble' })
    await openSealed(keys, policy, sealed, { backend: 'webcrypto' })
    expect(keys).toEqual(before)
    expect(sealed).toEqual(sealedCopy)
  })
})
