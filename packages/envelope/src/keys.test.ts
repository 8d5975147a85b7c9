/** @module Tests of the v1 key schedule beyond the known-answer vectors. */
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { deriveShareKeys, newSeed, shareIdFromSeed } from './keys.ts'

const seed = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)

describe('key schedule', () => {
  it('newSeed draws 32 fresh random bytes each time', () => {
    const a = newSeed()
    const b = newSeed()
    expect(a).toHaveLength(32)
    expect(a).not.toEqual(b)
  })

  it('gives 16-byte id, 32-byte encKey and access, and verifier = SHA-256(access)', async () => {
    const k = await deriveShareKeys(seed)
    expect([k.id.length, k.encKey.length, k.access.length, k.verifier.length]).toEqual([
      16, 32, 32, 32,
    ])
    expect(k.verifier).toEqual(sha256(k.access))
    expect(k.encKey).not.toEqual(k.access)
  })

  it('treats an empty passphrase as none', async () => {
    expect(await deriveShareKeys(seed, '')).toEqual(await deriveShareKeys(seed))
  })

  it('leaves the caller’s seed untouched (only internal copies are wiped)', async () => {
    const copy = seed.slice()
    await deriveShareKeys(seed)
    await deriveShareKeys(seed, 'pw')
    expect(seed).toEqual(copy)
  })

  it('promise: the share id depends on the seed alone, while a passphrase changes encKey and access', async () => {
    const plain = await deriveShareKeys(seed)
    const withPw = await deriveShareKeys(seed, 'hunter2')
    expect(shareIdFromSeed(seed)).toEqual(plain.id)
    expect(withPw.id).toEqual(plain.id)
    expect(withPw.encKey).not.toEqual(plain.encKey)
    expect(withPw.access).not.toEqual(plain.access)
  })

  it('promise: two different passphrases never collapse to one key through U+FFFD replacement', async () => {
    await expect(deriveShareKeys(seed, 'pw\ud800')).rejects.toMatchObject({ code: 'bad_input' })
    const replaced = await deriveShareKeys(seed, 'pw\ufffd')
    expect(replaced.encKey).toHaveLength(32)
  })
})
