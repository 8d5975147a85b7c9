/** @module Background deletion of expired shares, and of their receipts once due, in small batches, so no request waits behind it (SPEC §7). */
import { createBatchScheduler } from '../db/batch-sweeper.ts'
import type { Logger } from '../logger.ts'
import { sweepExpired, type ShareDeps } from './share.service.ts'

export interface SweeperOptions {
  deps: ShareDeps
  intervalSeconds: number
  /** Rows per batch; each batch is one queued write among the requests' writes. */
  batchSize?: number
  logger?: Logger
  /** After each batch: expired shares deleted, and receipts (tombstones) swept. */
  onBatch?: (deleted: number, tombstones: number) => void
  /** A batch that threw (the database is gone, the disk is full): counted, so alerts can fire. */
  onError?: () => void
}

export interface Sweeper {
  start(): void
  stop(): void
  /** Runs one batch now; resolves with the number of shares deleted. */
  runOnce(): Promise<number>
}

export interface SweepCounts {
  shares: number
  tombstones: number
}

export function createSweeper(options: SweeperOptions): Sweeper {
  const batchSize = options.batchSize ?? 500

  const runBatch = async (): Promise<SweepCounts> => {
    let counts: SweepCounts
    try {
      counts = await sweepExpired(options.deps, batchSize)
    } catch (err) {
      options.onError?.()
      throw err
    }
    options.onBatch?.(counts.shares, counts.tombstones)
    if (counts.shares > 0 || counts.tombstones > 0)
      options.logger?.info('sweeper deleted expired shares', {
        deleted: counts.shares,
        receipts: counts.tombstones,
      })
    return counts
  }
  const runOnce = async () => (await runBatch()).shares

  const scheduler = createBatchScheduler({
    intervalSeconds: options.intervalSeconds,
    runBatch: async () => {
      const counts = await runBatch()
      return counts.shares >= batchSize || counts.tombstones >= batchSize
    },
    onError: (err) =>
      options.logger?.error('sweeper failed', {
        error: err instanceof Error ? err.name : 'unknown',
      }),
  })

  return { start: scheduler.start, stop: scheduler.stop, runOnce }
}
