/** @module The sweepers' shared timing: backlog batches back to back, errors do not end the schedule, stop ends it. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BACKLOG_PAUSE_MS, createBatchScheduler } from './batch-sweeper.ts'

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

describe('batch scheduler', () => {
  it('runs full batches back to back, then waits the interval; a throwing batch is reported and the schedule goes on', async () => {
    // full, full, throws, not full, not full ...
    const answers: (boolean | Error)[] = [true, true, new Error('disk full'), false]
    let runs = 0
    const errors: unknown[] = []
    const scheduler = createBatchScheduler({
      intervalSeconds: 60,
      runBatch: () => {
        const a = answers[runs++] ?? false
        return a instanceof Error ? Promise.reject(a) : Promise.resolve(a)
      },
      onError: (err) => errors.push(err),
    })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(59_999)
    expect(runs).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(BACKLOG_PAUSE_MS)
    expect(runs).toBe(2)
    await vi.advanceTimersByTimeAsync(BACKLOG_PAUSE_MS)
    expect(runs).toBe(3)
    expect(errors).toEqual([answers[2]])
    // After the error: the normal interval, not the backlog pause.
    await vi.advanceTimersByTimeAsync(59_999)
    expect(runs).toBe(3)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toBe(4)
    scheduler.stop()
    await vi.advanceTimersByTimeAsync(600_000)
    expect(runs).toBe(4)
  })

  it('a second start while running adds no second schedule', async () => {
    let runs = 0
    const scheduler = createBatchScheduler({
      intervalSeconds: 1,
      runBatch: () => Promise.resolve(++runs < 0),
      onError: () => undefined,
    })
    scheduler.start()
    scheduler.start()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(runs).toBe(3)
    scheduler.stop()
  })
})
