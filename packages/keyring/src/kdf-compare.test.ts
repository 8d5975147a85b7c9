/** @module compareKdfParams: the one place that decides whether a server lowered an account's KDF cost. */
import { describe, expect, it } from 'vitest'
import { compareKdfParams, KDF_DEFAULTS, KDF_MINIMUMS } from './kdf.ts'
import type { KdfParams } from './kdf.ts'

const base: KdfParams = { ...KDF_DEFAULTS }
const floor: KdfParams = { algorithm: 'argon2id', ...KDF_MINIMUMS }

describe('compareKdfParams', () => {
  it('same for equal parameters', () => {
    expect(compareKdfParams(base, { ...base })).toBe('same')
  })

  it('weaker: the issue’s downgrade, 64 MiB/t=3 to 19 MiB/t=2', () => {
    expect(compareKdfParams(base, floor)).toBe('weaker')
  })

  it('weaker when only memory or only passes drop', () => {
    expect(compareKdfParams(base, { ...base, memoryKiB: base.memoryKiB - 1 })).toBe('weaker')
    expect(compareKdfParams(base, { ...base, iterations: base.iterations - 1 })).toBe('weaker')
  })

  it('weaker when one drops even though the other grows (no trading memory for passes)', () => {
    expect(compareKdfParams(base, { ...base, memoryKiB: base.memoryKiB * 4, iterations: 2 })).toBe(
      'weaker',
    )
    expect(compareKdfParams(base, { ...base, memoryKiB: 32768, iterations: 10 })).toBe('weaker')
  })

  it('stronger when memory or passes grow and nothing drops', () => {
    expect(compareKdfParams(floor, base)).toBe('stronger')
    expect(compareKdfParams(base, { ...base, iterations: 4 })).toBe('stronger')
    expect(compareKdfParams(base, { ...base, memoryKiB: 131072 })).toBe('stronger')
  })

  it('parallelism alone never makes it weaker', () => {
    const wide = { ...base, parallelism: 4 }
    expect(compareKdfParams(wide, base)).toBe('stronger')
    expect(compareKdfParams(base, wide)).toBe('stronger')
  })
})
