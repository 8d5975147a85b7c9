/** @module Quantiles use the nearest-rank method, so a reported p90 is always a measured sample. */
import { describe, expect, it } from 'vitest'
import { summarize } from './stats.ts'

describe('summarize', () => {
  it('reports nearest-rank quantiles of unsorted samples', () => {
    const s = summarize([9, 1, 5, 3, 7, 2, 8, 4, 6, 10])
    expect(s).toEqual({ n: 10, median: 5, p90: 9, min: 1, max: 10 })
  })

  it('handles a single sample', () => {
    expect(summarize([4])).toEqual({ n: 1, median: 4, p90: 4, min: 4, max: 4 })
  })
})
