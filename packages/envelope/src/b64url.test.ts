/** @module Tests of strict base64url: RFC 4648 §10 vectors, canonical-form uniqueness, rejections. */
import { describe, expect, it } from 'vitest'
import { fromB64url, toB64url } from './b64url.ts'
import { EnvelopeError } from './errors.ts'

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function accepts(text: string): boolean {
  try {
    fromB64url(text)
    return true
  } catch (e) {
    if (e instanceof EnvelopeError && e.code === 'bad_input') return false
    throw e
  }
}

describe('base64url', () => {
  it('matches RFC 4648 §10 test vectors, unpadded', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ]
    for (const [plain, encoded] of cases) {
      expect(toB64url(ascii(plain))).toBe(encoded)
      expect(fromB64url(encoded)).toEqual(ascii(plain))
    }
  })

  it('uses the URL-safe alphabet (- and _ instead of + and /)', () => {
    expect(toB64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_')
    expect(fromB64url('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]))
  })

  it('round-trips every length from 0 to 100 bytes', () => {
    for (let n = 0; n <= 100; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff)
      const text = toB64url(bytes)
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
      expect(text.length).toBe(Math.ceil((n * 4) / 3))
      expect(fromB64url(text)).toEqual(bytes)
    }
  })

  it('promise: every byte string has exactly one accepted text form (2- and 3-character inputs)', () => {
    // All 2-character strings, and all 3-character strings under three first characters: this
    // covers every value of the characters that carry trailing bits.
    const inputs: string[] = []
    for (const x of ALPHABET) for (const y of ALPHABET) inputs.push(x + y)
    for (const x of 'Az_')
      for (const y of ALPHABET) for (const z of ALPHABET) inputs.push(x + y + z)
    const accepted = inputs.filter(accepts)
    for (const text of accepted) expect(toB64url(fromB64url(text))).toBe(text)
    // One text per 1-byte value (256), one per 2-byte value with the first character fixed (3 x 1024).
    expect(accepted.length).toBe(256 + 3 * 1024)
  })

  it('rejects padding, foreign characters and impossible lengths', () => {
    for (const bad of [
      'A',
      'AAAAA',
      'Zg==',
      'Zg=',
      'Zm9v\n',
      ' Zm9v',
      'Zm+v',
      'Zm/v',
      'Zm9v.',
      'Z\u00e9',
      'Zm\u{1f511}',
    ]) {
      expect(accepts(bad), JSON.stringify(bad)).toBe(false)
    }
  })
})
