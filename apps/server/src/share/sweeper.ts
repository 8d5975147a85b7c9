/** @module Background deletion of expired shares in small batches, so no request waits behind it (SPEC §7). */
import type { Logger } from '../logger.ts'
import { sweepExpired, type ShareDeps } from './share.service.ts'

export interface SweeperOptions {
  deps: ShareDeps
  intervalSeconds: number
  /** Rows per batch; each batch is one queued write among the requests' writes. */
  batchSize?: number
  logger?: Logger
  onBatch?: (deleted: number) => void
  /** A batch that threw (the database is gone, the disk is full): counted, so alerts can fire. */
  onError?: () => void
}

export interface Sweeper {
  start(): void
  stop(): void
  /** Runs one batch now; resolves with the number of shares deleted. */
  runOnce(): Promise<number>
}

/** Pause between batches while a backlog remains: short, but lets requests in between. */
const BACKLOG_PAUSE_MS = 20

export function createSweeper(options: SweeperOptions): Sweeper {
  const batchSize = options.batchSize ?? 500
  let timer: NodeJS.Timeout | undefined
  let running = false
  let stopped = true

  const runOnce = async () => {
    let deleted: number
    try {
      deleted = await sweepExpired(options.deps, batchSize)
    } catch (err) {
      options.onError?.()
      throw err
    }
    options.onBatch?.(deleted)
    if (deleted > 0) options.logger?.info('sweeper deleted expired shares', { deleted })
    return deleted
  }

  const schedule = (ms: number) => {
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
      full = (await runOnce()) >= batchSize
    } catch (err) {
      options.logger?.error('sweeper failed', {
        error: err instanceof Error ? err.name : 'unknown',
      })
    } finally {
      running = false
    }
    schedule(full ? BACKLOG_PAUSE_MS : options.intervalSeconds * 1000)
  }

  return {
    start() {
      if (!stopped) return
      stopped = false
      schedule(options.intervalSeconds * 1000)
    },
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
    runOnce,
  }
}
