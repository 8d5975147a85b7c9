/** @module isoTime writes exactly what Date.prototype.toISOString writes, for every input. */
import { describe, expect, it } from 'vitest'
import { isoTime } from './iso-time.ts'

const MAX = 8.64e15
const DAY = 86_400_000

/** A small seeded generator, so a failure names values that reproduce it. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const same = (ms: number) => expect([ms, isoTime(ms)]).toEqual([ms, new Date(ms).toISOString()])

describe('isoTime', () => {
  it('matches toISOString at the edges of days, years and the range Date accepts', () => {
    const edges = [
      0,
      -0,
      -1,
      1,
      999,
      1000,
      59_999,
      60_000,
      3_599_999,
      3_600_000,
      DAY - 1,
      DAY,
      -DAY,
      -DAY - 1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 1, 28, 12, 0, 0, 5),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1,
      Date.UTC(0, 0, 1) - 1,
      -62_167_219_200_000,
      -62_167_219_200_001,
      MAX,
      -MAX,
      MAX - 1,
      -MAX + 1,
    ]
    for (const ms of edges) same(ms)
  })

  it('matches toISOString for random times across the whole range and around now', () => {
    const next = random(13)
    const now = Date.now()
    for (let i = 0; i < 20_000; i++) {
      same(Math.round((next() * 2 - 1) * MAX))
      same(now + Math.round((next() * 2 - 1) * 90 * DAY))
    }
  })

  it('keeps each answer its own when consecutive times fall on different days', () => {
    const a = Date.UTC(2026, 11, 7, 15, 4, 5, 6)
    const b = a + 30 * DAY + 1
    for (let i = 0; i < 3; i++) {
      expect(isoTime(a)).toBe('2026-12-07T15:04:05.006Z')
      expect(isoTime(b)).toBe('2027-01-06T15:04:05.007Z')
    }
  })

  it('truncates fractions and throws on invalid times, as Date does', () => {
    for (const ms of [1.5, -0.5, -1.5, DAY - 0.25, 1e15 + 0.5]) same(ms)
    for (const ms of [Number.NaN, Infinity, -Infinity, MAX + 1, -MAX - 1]) {
      expect(() => isoTime(ms)).toThrow(RangeError)
    }
  })
})
