import { describe, expect, it } from 'vitest'
import { asyncErrorCode, errorCode } from '../../envelope/test/error-code.ts'
import {
  KDF_DEFAULTS,
  KDF_MAXIMUMS,
  KDF_MINIMUMS,
  assertKdfParams,
  deriveAccountKeys,
  newId,
  newKey,
  newSalt,
} from './kdf.ts'
import type { KdfParams } from './kdf.ts'

const MIN: KdfParams = { algorithm: 'argon2id', ...KDF_MINIMUMS }
const salt = new Uint8Array(16).fill(7)

describe('KDF parameters', () => {
  it('the defaults, minimums and maximums are those of the vault design', () => {
    expect(KDF_DEFAULTS).toEqual({
      algorithm: 'argon2id',
      memoryKiB: 65536,
      iterations: 3,
      parallelism: 1,
    })
    expect(KDF_MINIMUMS).toEqual({ memoryKiB: 19456, iterations: 2, parallelism: 1 })
    expect(KDF_MAXIMUMS).toEqual({ memoryKiB: 1048576, iterations: 10, parallelism: 4 })
    expect(Object.isFrozen(KDF_DEFAULTS)).toBe(true)
  })

  it('accepts the bounds themselves and returns a copy without extra references', () => {
    const max: KdfParams = { algorithm: 'argon2id', ...KDF_MAXIMUMS }
    for (const p of [MIN, KDF_DEFAULTS, max]) {
      const out = assertKdfParams(p)
      expect(out).toEqual(p)
      expect(out).not.toBe(p)
    }
  })

  it('each numeric field one below its minimum is kdf_too_weak, one above its maximum kdf_invalid', () => {
    for (const k of ['memoryKiB', 'iterations', 'parallelism'] as const) {
      if (KDF_MINIMUMS[k] > 1) {
        expect(
          errorCode(() => assertKdfParams({ ...MIN, [k]: KDF_MINIMUMS[k] - 1 })),
          k,
        ).toBe('kdf_too_weak')
      }
      expect(
        errorCode(() => assertKdfParams({ ...MIN, [k]: KDF_MAXIMUMS[k] + 1 })),
        k,
      ).toBe('kdf_invalid')
    }
  })
})

describe('deriveAccountKeys', () => {
  it('authKey and kek are 32 bytes, differ from each other, and depend on password, salt and every parameter', async () => {
    const base = await deriveAccountKeys('pw', salt, MIN)
    expect(base.authKey).toHaveLength(32)
    expect(base.kek).toHaveLength(32)
    expect(base.authKey).not.toEqual(base.kek)
    const variants = [
      deriveAccountKeys('pw2', salt, MIN),
      deriveAccountKeys('pw', new Uint8Array(16).fill(8), MIN),
      deriveAccountKeys('pw', salt, { ...MIN, memoryKiB: MIN.memoryKiB + 4 }),
      deriveAccountKeys('pw', salt, { ...MIN, iterations: 3 }),
      deriveAccountKeys('pw', salt, { ...MIN, parallelism: 2 }),
    ]
    for (const v of await Promise.all(variants)) {
      expect(v.authKey).not.toEqual(base.authKey)
      expect(v.kek).not.toEqual(base.kek)
    }
  })

  it('reports progress from 0 to 1, in order', async () => {
    const seen: number[] = []
    await deriveAccountKeys('pw', salt, MIN, { onProgress: (f) => seen.push(f) })
    expect(seen.length).toBeGreaterThan(2)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(seen[0]).toBeGreaterThanOrEqual(0)
    expect(seen.at(-1)).toBe(1)
  })

  it('a downgraded or oversized KDF is refused before any Argon2id work', async () => {
    let progress = 0
    const onProgress = () => progress++
    const cases: [KdfParams, string][] = [
      [{ ...MIN, memoryKiB: 8 }, 'kdf_too_weak'],
      [{ ...MIN, iterations: 1 }, 'kdf_too_weak'],
      [{ ...MIN, memoryKiB: 4 * 1048576 }, 'kdf_invalid'],
      [{ ...MIN, iterations: 1_000_000 }, 'kdf_invalid'],
      [{ ...MIN, parallelism: 64 }, 'kdf_invalid'],
    ]
    for (const [kdf, want] of cases) {
      const code = await asyncErrorCode(deriveAccountKeys('pw', salt, kdf, { onProgress }))
      expect(code, JSON.stringify(kdf)).toBe(want)
    }
    // No Argon2id ran: not one progress report (at 1M iterations the test would not end at all).
    expect(progress).toBe(0)
  })

  it('an exception from onProgress aborts the derivation', async () => {
    const stop = new Error('cancelled by the page')
    await expect(
      deriveAccountKeys('pw', salt, MIN, {
        onProgress: () => {
          throw stop
        },
      }),
    ).rejects.toBe(stop)
  })
})

describe('random values', () => {
  it('newKey, newSalt and newId have the sizes of SPEC.md §5 and do not repeat', () => {
    expect(newKey()).toHaveLength(32)
    expect(newSalt()).toHaveLength(16)
    const ids = new Set(Array.from({ length: 100 }, () => newId()))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/)
    expect(newKey()).not.toEqual(newKey())
  })
})
