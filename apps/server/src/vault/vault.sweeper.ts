/** @module Background purge of deleted secrets past their recovery window, of dead sessions and of stale login addresses and clients, in small batches (SPEC §7). */
import { deleteStaleLoginAddresses, deleteStaleLoginClients } from '../account/account.queries.ts'
import { LOGIN_ADDRESS_TRUST_MS, LOGIN_CLIENT_MEMORY_MS } from '../account/account.service.ts'
import { createBatchScheduler } from '../db/batch-sweeper.ts'
import type { Logger } from '../logger.ts'
import { deleteDeadSessions } from '../session/session.queries.ts'
import { purgeDue, type VaultDeps } from './vault.service.ts'

export interface VaultSweeperOptions {
  deps: VaultDeps
  intervalSeconds: number
  /** SESSION_IDLE_HOURS in milliseconds. */
  sessionIdleMs: number
  /** Rows per batch; each batch is one queued write among the requests' writes. */
  batchSize?: number
  logger?: Logger
}

export interface VaultSweeper {
  start(): void
  stop(): void
  /** One batch of each kind now; resolves with the secrets purged and sessions deleted. */
  runOnce(): Promise<{ secrets: number; sessions: number }>
}

/**
 * Beside the share sweeper rather than inside it: separate batches, so a purge backlog never
 * delays expired shares (and the other way round).
 */
export function createVaultSweeper(options: VaultSweeperOptions): VaultSweeper {
  const { deps } = options
  const batchSize = options.batchSize ?? 100

  const runOnce = async () => {
    const secrets = await purgeDue(deps, batchSize)
    const sessions = await deps.queue.run(async (trx) => {
      const now = deps.clock()
      // Few rows (one per account and address), so no batching: addresses unused for a login.
      await deleteStaleLoginAddresses(trx, now - LOGIN_ADDRESS_TRUST_MS)
      await deleteStaleLoginClients(trx, now - LOGIN_CLIENT_MEMORY_MS)
      return deleteDeadSessions(trx, now, options.sessionIdleMs, batchSize)
    })
    if (secrets > 0) options.logger?.info('sweeper purged deleted secrets', { purged: secrets })
    return { secrets, sessions }
  }

  const scheduler = createBatchScheduler({
    intervalSeconds: options.intervalSeconds,
    runBatch: async () => {
      const done = await runOnce()
      return done.secrets >= batchSize || done.sessions >= batchSize
    },
    onError: (err) =>
      options.logger?.error('vault sweeper failed', {
        error: err instanceof Error ? err.name : 'unknown',
      }),
  })

  return { start: scheduler.start, stop: scheduler.stop, runOnce }
}
