/** @module The counters behind "where the time went": a /metrics histogram's totals and CPU from /proc. */
import { describe, expect, it } from 'vitest'
import { histogramTotals, machineCpuSeconds, processCpuSeconds } from './postgres.ts'

describe('histogramTotals', () => {
  const text = [
    '# HELP secretsentry_write_batch_size Write operations committed per transaction',
    '# TYPE secretsentry_write_batch_size histogram',
    'secretsentry_write_batch_size_bucket{le="1"} 3',
    'secretsentry_write_batch_size_sum 412',
    'secretsentry_write_batch_size_count 17',
    'secretsentry_write_batch_seconds_sum 0.25',
    'secretsentry_write_batch_seconds_count 17',
  ].join('\n')

  it('reads the sum and count of the named series only', () => {
    expect(histogramTotals(text, 'secretsentry_write_batch_size')).toEqual({ sum: 412, count: 17 })
    expect(histogramTotals(text, 'secretsentry_write_batch_seconds')).toEqual({
      sum: 0.25,
      count: 17,
    })
  })

  it('is NaN for a series that is not there, so a missing metric cannot pass for zero', () => {
    const { sum, count } = histogramTotals(text, 'secretsentry_nothing')
    expect(Number.isNaN(sum) && Number.isNaN(count)).toBe(true)
  })
})

describe.runIf(process.platform === 'linux')('CPU from /proc', () => {
  it('counts this process once it has worked, and 0 for a process that does not exist', () => {
    let x = 0
    const until = Date.now() + 30
    while (Date.now() < until) x += Math.sqrt(x + 1)
    expect(processCpuSeconds(process.pid)).toBeGreaterThan(0)
    expect(processCpuSeconds(2 ** 30)).toBe(0)
  })

  it('the machine is never busier than it has time', () => {
    const { busy, total } = machineCpuSeconds()
    expect(busy).toBeGreaterThan(0)
    expect(busy).toBeLessThanOrEqual(total)
  })
})
