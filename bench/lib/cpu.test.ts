/** @module CPU time per request from /proc: samples of this process, and the division. */
import { describe, expect, it } from 'vitest'
import { cpuPerRequest, cpuSample, formatCpu } from './cpu.ts'

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
