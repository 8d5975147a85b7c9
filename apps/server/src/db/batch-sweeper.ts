/**
 * @module The timing both background sweepers share (SPEC §7): one batch per interval, batches
 * back to back while a backlog remains, never two at once, and never keeping the process alive.
 * Each sweeper keeps its own batch work, metrics and logging.
 */

/** Pause between batches while a backlog remains: short, but lets requests in between. */
export const BACKLOG_PAUSE_MS = 20

export interface BatchSchedule {
  intervalSeconds: number
  /** One batch; resolves true when it was full, so more is probably waiting. */
  runBatch(): Promise<boolean>
  /** A batch that threw; the schedule carries on at the normal interval. */
  onError(err: unknown): void
}

export interface BatchScheduler {
  start(): void
  stop(): void
}

export function createBatchScheduler(schedule: BatchSchedule): BatchScheduler {
  const intervalMs = schedule.intervalSeconds * 1000
  let timer: NodeJS.Timeout | undefined
  let running = false
  let stopped = true

  const next = (ms: number) => {
    if (stopped) return
    timer = setTimeout(tick, ms)
    // The sweeper alone must never keep the process alive.
    timer.unref()
  }

  const tick = async () => {
    if (running) return
    running = true
    let full = false
    try {
      full = await schedule.runBatch()
    } catch (err) {
      schedule.onError(err)
    } finally {
      running = false
    }
    next(full ? BACKLOG_PAUSE_MS : intervalMs)
  }

  return {
    start() {
      if (!stopped) return
      stopped = false
      next(intervalMs)
    },
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
