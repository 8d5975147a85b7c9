/** @module Medians, ratios and pool sizes of the side-by-side bench. */
import { describe, expect, it } from 'vitest'
import {
  burnPoolSize,
  compare,
  comparisonRow,
  formatRatio,
  median,
  ratio,
  type RoundResult,
} from './side.ts'

const round = (reqPerSec: number, p99 = 10, cpuUs = 100): RoundResult => ({
  reqPerSec,
  p50: 4,
  p99,
  failed: 0,
  total: reqPerSec * 10,
  cpuUs,
  loadCpuUs: 50,
  busyCores: 1.2,
})

describe('median and ratio', () => {
  it('takes the middle value, or the mean of the two middle ones, ignoring NaN', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([Number.NaN, 7])).toBe(7)
    expect(median([])).toBeNaN()
  })

  it('divides only by a positive rate', () => {
    expect(ratio(3000, 1000)).toBe(3)
    expect(ratio(3000, 0)).toBeNaN()
    expect(ratio(Number.NaN, 10)).toBeNaN()
    expect(formatRatio(3.414)).toBe('3.41×')
    expect(formatRatio(Number.NaN)).toBe('n/a')
  })
})

describe('compare', () => {
  it('pairs rounds and reports both the median of round ratios and the ratio of medians', () => {
    const ss = [round(6000, 12, 150), round(3000, 30, 200), round(9000, 9, 120)]
    const pb = [round(2000, 40, 900), round(1500, 50, 1000), round(2500, 35, 800)]
    const c = compare(ss, pb)
    expect(c.roundRatios).toEqual([3, 2, 3.6])
    expect(c.medianRoundRatio).toBe(3)
    expect(c.ss.reqPerSec).toBe(6000)
    expect(c.pb.reqPerSec).toBe(2000)
    expect(c.ratioOfMedians).toBe(3)
    expect(c.ss.p99).toBe(12)
    expect(c.cpuRatio).toBe(900 / 150)
    // The generator's CPU and the machine's busy cores are medians of the rounds like the rest.
    const busy = compare(
      [
        { ...round(1), loadCpuUs: 80, busyCores: 1.3 },
        { ...round(1), loadCpuUs: 40, busyCores: 1.9 },
        round(1),
      ],
      [],
    )
    expect(busy.ss.loadCpuUs).toBe(50)
    expect(busy.ss.busyCores).toBe(1.3)
    expect(comparisonRow('creates/s', c, ss, pb)).toBe(
      '| creates/s | 6,000 (p50 4 / p99 12 ms) | 2,000 (p50 4 / p99 40 ms) | 3.00× (of medians 3.00×) | 6,000 / 2,000; 3,000 / 1,500; 9,000 / 2,500 |',
    )
  })

  it('gives n/a ratios for a round the other side lacks', () => {
    expect(compare([round(100)], []).roundRatios).toEqual([Number.NaN])
  })
})

describe('burnPoolSize', () => {
  it('covers the phase at the given rate with headroom, within bounds', () => {
    expect(burnPoolSize(5000, 12)).toBe(120_000)
    expect(burnPoolSize(5000, 10, { headroom: 1.5 })).toBe(75_000)
    expect(burnPoolSize(10, 2)).toBe(2000)
    expect(burnPoolSize(1e6, 12)).toBe(400_000)
    expect(burnPoolSize(Number.NaN, 12, { max: 50_000 })).toBe(50_000)
  })
})
