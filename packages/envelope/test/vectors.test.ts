/** @module Known-answer tests: both backends reproduce and open every v1 vector made by the independent generator. */
import { describe, expect, it } from 'vitest'
import { runVectorChecks } from './browser-vectors.ts'
import type { V1Vectors } from './browser-vectors.ts'
import json from './vectors/v1.json'

const vectors = json as V1Vectors

describe('v1 known-answer vectors', () => {
  it('every vector, invalid open, invalid fragment and invalid base64url passes on both backends', async () => {
    const report = await runVectorChecks(vectors)
    expect(report.failed).toEqual([])
    // 2 checks per vector (keys, fragment) + seal/open per backend + prepareOpen; invalid opens per backend.
    const expected =
      vectors.vectors.length * (2 + 2 * 2 + 1) +
      vectors.invalidOpens.length * 2 +
      vectors.invalidFragments.length +
      vectors.invalidB64url.length
    expect(report.passed).toBe(expected)
  }, 30_000)

  it('the checker reports a wrong vector instead of passing it', async () => {
    const v = vectors.vectors[1]!
    const broken: V1Vectors = {
      vectors: [{ ...v, sealed: vectors.vectors[0]!.sealed }],
      invalidOpens: [],
      invalidFragments: [{ fragment: v.fragment, error: 'bad_fragment' }],
      invalidB64url: [],
    }
    const report = await runVectorChecks(broken)
    expect(report.failed.map((f) => f.name).sort()).toEqual(
      [
        `${v.name}/noble/open`,
        `${v.name}/noble/seal`,
        `${v.name}/prepareOpen`,
        `${v.name}/webcrypto/open`,
        `${v.name}/webcrypto/seal`,
        `invalidFragment/${JSON.stringify(v.fragment)}`,
      ].sort(),
    )
  })

  it('covers the cases the spec names: empty, unicode, file, passphrase NFC = NFD, both policies', () => {
    const names = vectors.vectors.map((v) => v.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'text-empty',
        'text-unicode',
        'file-bytes',
        'passphrase-nfc',
        'passphrase-nfd',
      ]),
    )
    const nfc = vectors.vectors.find((v) => v.name === 'passphrase-nfc')!
    const nfd = vectors.vectors.find((v) => v.name === 'passphrase-nfd')!
    expect(nfc.passphrase).not.toBe(nfd.passphrase)
    expect(nfc.passphrase!.normalize('NFC')).toBe(nfd.passphrase!.normalize('NFC'))
    expect([nfd.encKey, nfd.access, nfd.sealed]).toEqual([nfc.encKey, nfc.access, nfc.sealed])
  })
})
