/** @module CPU time per request from /proc: samples of this process, and the division. */
import { describe, expect, it } from 'vitest'
import { busyCores, cpuPerRequest, cpuSample, formatCpu, parseMachineStat } from './cpu.ts'

describe('cpu', () => {
  it('reads this process and its main thread, and divides by the requests', () => {
    const before = cpuSample(process.pid)
    if (!before) return // not Linux: nothing to read
    let spin = 0
    const end = Date.now() + 60
    while (Date.now() < end) spin++
    const after = cpuSample(process.pid)
    expect(spin).toBeGreaterThan(0)
    expect(after?.mainThreadMs).toBeGreaterThanOrEqual(before.mainThreadMs)
    expect(after?.processMs).toBeGreaterThanOrEqual(after?.mainThreadMs ?? Infinity)
    const per = cpuPerRequest(
      { processMs: 100, mainThreadMs: 90 },
      { processMs: 300, mainThreadMs: 250 },
      1000,
    )
    expect(per).toEqual({ processUs: 200, mainThreadUs: 160 })
    expect(formatCpu(per)).toBe('200 µs (main thread 160 µs)')
    expect(formatCpu(cpuPerRequest(before, after, 0))).toBe('n/a')
  })
})

describe('machine', () => {
  it('reads the cpu line of /proc/stat and gives the busy cores between two samples', () => {
    const a = parseMachineStat('cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n')
    expect(a).toEqual({ busy: 160, total: 980 })
    const b = parseMachineStat('cpu  400 5 150 900 20 3 2 0 0 0\n')
    // 400 more busy ticks of 500 on 2 cores: 1.6 cores busy
    expect(busyCores(a, b, 2)).toBeCloseTo(1.6)
    expect(busyCores(b, a, 2)).toBeNaN()
    expect(busyCores(undefined, b, 2)).toBeNaN()
    expect(parseMachineStat('intr 1 2 3\n')).toBeUndefined()
    expect(parseMachineStat('cpu  1 2 x 4 5 6 7 8\n')).toBeUndefined()
  })
})
