/** @module Memory summed over a process tree: parsing /proc and walking the tree. */
import { describe, expect, it } from 'vitest'
import { descendants, parsePpid, parseSmapsRollup, processTree, treeMemory } from './memory.ts'

const ROLLUP = `556f9f867000-7ffca91e4000 ---p 00000000 00:00 0                          [rollup]
Rss:                1640 kB
Pss:                 182 kB
Pss_Dirty:           112 kB
Pss_Anon:            112 kB
Shared_Clean:       1488 kB
Shared_Dirty:          0 kB
Private_Clean:        40 kB
Private_Dirty:       112 kB
Swap:                  0 kB
SwapPss:               0 kB
`

describe('parseSmapsRollup', () => {
  it('reads Rss, Pss and Pss_Anon in bytes, not the fields that start alike', () => {
    expect(parseSmapsRollup(ROLLUP)).toEqual({
      rssBytes: 1640 * 1024,
      pssBytes: 182 * 1024,
      pssAnonBytes: 112 * 1024,
    })
  })

  it('returns null when a field is missing', () => {
    expect(parseSmapsRollup(ROLLUP.replace(/^Pss: .*$/m, ''))).toBeNull()
    expect(parseSmapsRollup(ROLLUP.replace(/^Pss_Anon: .*$/m, ''))).toBeNull()
    expect(parseSmapsRollup('')).toBeNull()
  })
})

describe('process tree', () => {
  it('reads the parent after a command name holding ") "', () => {
    expect(parsePpid('4242 (php-fpm: pool) x) S 4200 4242 4242 0 -1')).toBe(4200)
  })

  it('finds children and grandchildren of every root, listed in any order', () => {
    const parents = new Map([
      [30, 20],
      [20, 10],
      [11, 10],
      [10, 1],
      [50, 40],
      [40, 1],
      [60, 1],
    ])
    expect(descendants([10], parents)).toEqual([10, 11, 20, 30])
    expect(descendants([10, 40], parents)).toEqual([10, 11, 20, 30, 40, 50])
  })

  it('sums this process on Linux', () => {
    const tree = processTree([process.pid])
    expect(tree).toContain(process.pid)
    const memory = treeMemory([process.pid])
    if (!memory) return // no smaps_rollup (not Linux, or an old kernel)
    expect(memory.processes).toBeGreaterThanOrEqual(1)
    expect(memory.rssBytes).toBeGreaterThanOrEqual(memory.pssBytes)
    expect(memory.pssBytes).toBeGreaterThanOrEqual(memory.pssAnonBytes)
    expect(memory.pssAnonBytes).toBeGreaterThan(0)
  })
})
