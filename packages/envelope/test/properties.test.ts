/** @module Property tests with a seeded generator: round trips, tamper detection and backend interoperability. */
import { describe, expect, it } from 'vitest'
import { asyncErrorCode as errorCode } from './error-code.ts'
import { deriveShareKeys, openSealed, sealShare } from '../src/index.ts'
import type { ShareKeys, SharePolicy, ShareRecord } from '../src/index.ts'
import { gen } from './prng.ts'
import type { Gen } from './prng.ts'

const BACKENDS = ['webcrypto', 'noble'] as const
const PAIRS = BACKENDS.flatMap((sealer) => BACKENDS.map((opener) => [sealer, opener] as const))

function randomPolicy(g: Gen): SharePolicy {
  return {
    ttlSeconds: g.pick([1, 300, 3600, 259200, 2592000, 0xffffffff, g.int(1, 0x7fffffff)]),
    maxViews: g.int(1, 255),
    passphrase: g.int(0, 1) === 1,
  }
}

function randomRecord(g: Gen): ShareRecord {
  if (g.int(0, 2) > 0) return { kind: 'text', text: g.text(g.int(0, 80)) }
  return {
    kind: 'file',
    name: g.text(g.int(0, 20)),
    type: g.pick(['', 'text/plain', 'image/png']),
    data: g.bytes(g.int(0, 300)),
  }
}

describe('properties', () => {
  it('any record round-trips, sealed by either backend and opened by either backend', async () => {
    for (let s = 1; s <= 150; s++) {
      const g = gen(s)
      const keys = await deriveShareKeys(g.bytes(32))
      const policy = randomPolicy(g)
      const record = randomRecord(g)
      const nonce = g.bytes(12)
      const sealedBy: Uint8Array[] = []
      for (const [sealer, opener] of PAIRS) {
        const sealed = await sealShare(keys, policy, record, { backend: sealer, nonce })
        sealedBy.push(sealed)
        expect(
          await openSealed(keys, policy, sealed, { backend: opener }),
          `seed ${s} ${sealer}->${opener}`,
        ).toEqual(record)
      }
      // Same key, nonce and input: both backends produce identical bytes.
      expect(sealedBy[0], `seed ${s}`).toEqual(sealedBy[3])
    }
  })

  it('empty, astral-only, mixed and 100 KB texts round-trip on both backends', async () => {
    const g = gen(7)
    const keys = await deriveShareKeys(g.bytes(32))
    const policy = { ttlSeconds: 300, maxViews: 1, passphrase: false }
    const texts = [
      '',
      '\u{1f511}\u{1f510}\u{10ffff}\u{10000}',
      g.text(500),
      g.text(40_000).slice(0, 100_000),
      'x'.repeat(100 * 1024),
    ]
    expect(texts[4]).toHaveLength(102_400)
    for (const text of texts) {
      for (const [sealer, opener] of PAIRS) {
        const sealed = await sealShare(keys, policy, { kind: 'text', text }, { backend: sealer })
        expect(await openSealed(keys, policy, sealed, { backend: opener })).toEqual({
          kind: 'text',
          text,
        })
      }
    }
  })

  it('any single flipped bit of the sealed bytes fails (version byte: unsupported_version, else decrypt_failed)', async () => {
    const g = gen(11)
    const keys = await deriveShareKeys(g.bytes(32))
    const policy = randomPolicy(g)
    const sealed = await sealShare(keys, policy, { kind: 'text', text: 'flip every bit of me' })
    for (const backend of BACKENDS) {
      for (let bit = 0; bit < sealed.length * 8; bit++) {
        const tampered = sealed.slice()
        tampered[bit >> 3]! ^= 1 << (bit & 7)
        const want = bit < 8 ? 'unsupported_version' : 'decrypt_failed'
        expect(
          await errorCode(openSealed(keys, policy, tampered, { backend })),
          `${backend} bit ${bit}`,
        ).toBe(want)
      }
    }
  })

  it('every truncation and every appended byte fails to decrypt', async () => {
    const g = gen(12)
    const keys = await deriveShareKeys(g.bytes(32))
    const policy = randomPolicy(g)
    const sealed = await sealShare(keys, policy, { kind: 'text', text: 'cut me' })
    for (const backend of BACKENDS) {
      for (let n = 1; n < sealed.length; n++) {
        expect(
          await errorCode(openSealed(keys, policy, sealed.subarray(0, n), { backend })),
          `${backend} len ${n}`,
        ).toBe('decrypt_failed')
      }
      const longer = new Uint8Array([...sealed, 0])
      expect(await errorCode(openSealed(keys, policy, longer, { backend }))).toBe('decrypt_failed')
    }
  })

  it('a different id, ttlSeconds, maxViews or passphrase flag fails to decrypt', async () => {
    for (let s = 100; s < 160; s++) {
      const g = gen(s)
      const keys = await deriveShareKeys(g.bytes(32))
      const policy = randomPolicy(g)
      const sealed = await sealShare(keys, policy, randomRecord(g))
      const otherTtl = policy.ttlSeconds === 1 ? 2 : policy.ttlSeconds - 1
      const otherViews = policy.maxViews === 255 ? 254 : policy.maxViews + 1
      const variants: [string, ShareKeys, SharePolicy][] = [
        ['id', { ...keys, id: g.bytes(16) }, policy],
        ['ttlSeconds', keys, { ...policy, ttlSeconds: otherTtl }],
        ['maxViews', keys, { ...policy, maxViews: otherViews }],
        ['passphrase flag', keys, { ...policy, passphrase: !policy.passphrase }],
      ]
      for (const [what, k, p] of variants) {
        const backend = g.pick(BACKENDS)
        expect(await errorCode(openSealed(k, p, sealed, { backend })), `seed ${s} ${what}`).toBe(
          'decrypt_failed',
        )
      }
    }
  })

  it('a wrong or missing passphrase fails to decrypt', async () => {
    const g = gen(21)
    const seed = g.bytes(32)
    const policy = { ttlSeconds: 300, maxViews: 1, passphrase: true }
    const right = await deriveShareKeys(seed, 'Tr0ub4dor&3')
    const sealed = await sealShare(right, policy, { kind: 'text', text: 'behind a passphrase' })
    for (const keys of [await deriveShareKeys(seed, 'Tr0ub4dor&4'), await deriveShareKeys(seed)]) {
      expect(keys.id).toEqual(right.id)
      for (const backend of BACKENDS) {
        expect(await errorCode(openSealed(keys, policy, sealed, { backend }))).toBe(
          'decrypt_failed',
        )
      }
    }
    expect(await openSealed(right, policy, sealed)).toEqual({
      kind: 'text',
      text: 'behind a passphrase',
    })
  })
})
