/** @module Background deletion of expired shares in small batches, so no request waits behind it (SPEC §7). */
import { createBatchScheduler } from '../db/batch-sweeper.ts'
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

export function createSweeper(options: SweeperOptions): Sweeper {
  const batchSize = options.batchSize ?? 500

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

  const scheduler = createBatchScheduler({
    intervalSeconds: options.intervalSeconds,
    runBatch: async () => (await runOnce()) >= batchSize,
    onError: (err) =>
      options.logger?.error('sweeper failed', {
        error: err instanceof Error ? err.name : 'unknown',
      }),
  })

  return { start: scheduler.start, stop: scheduler.stop, runOnce }
}
