/** @module Tests of the link fragment grammar (SPEC.md §2); the shared invalid-fragment list lives in test/vectors. */
import { describe, expect, it } from 'vitest'
import { errorCode as code } from '../test/error-code.ts'
import { encodeFragment, parseFragment } from './fragment.ts'

const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7)

describe('fragment', () => {
  it('is "1." + 43 base64url characters, plus ".p" when a passphrase is needed', () => {
    expect(encodeFragment({ seed, passphrase: false })).toMatch(/^1\.[A-Za-z0-9_-]{43}$/)
    expect(encodeFragment({ seed, passphrase: true })).toMatch(/^1\.[A-Za-z0-9_-]{43}\.p$/)
  })

  it('round-trips with and without a leading #', () => {
    for (const passphrase of [false, true]) {
      const f = encodeFragment({ seed, passphrase })
      expect(parseFragment(f)).toEqual({ seed, passphrase })
      expect(parseFragment(`#${f}`)).toEqual({ seed, passphrase })
    }
  })

  it('treats another version number as unsupported_version and anything else as bad_fragment', () => {
    const body = encodeFragment({ seed, passphrase: false }).slice(2)
    expect(code(() => parseFragment(`3.${body}`))).toBe('unsupported_version')
    expect(code(() => parseFragment('12'))).toBe('unsupported_version')
    expect(code(() => parseFragment(`x.${body}`))).toBe('bad_fragment')
    expect(code(() => parseFragment(`1.${body}${'A'.repeat(300)}`))).toBe('bad_fragment')
  })

  it('rejects a non-string as bad_input, not bad_fragment', () => {
    expect(code(() => parseFragment(42 as unknown as string))).toBe('bad_input')
  })
})
