/** @module Background purge of deleted secrets past their recovery window, and of dead sessions, in small batches (SPEC §7). */
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

/** Pause between batches while a backlog remains: short, but lets requests in between. */
const BACKLOG_PAUSE_MS = 20

/**
 * Beside the share sweeper rather than inside it: separate batches, so a purge backlog never
 * delays expired shares (and the other way round).
 */
export function createVaultSweeper(options: VaultSweeperOptions): VaultSweeper {
  const { deps } = options
  const batchSize = options.batchSize ?? 100
  let timer: NodeJS.Timeout | undefined
  let stopped = true

  const runOnce = async () => {
    const secrets = await purgeDue(deps, batchSize)
    const sessions = await deps.queue.run((trx) =>
      deleteDeadSessions(trx, deps.clock(), options.sessionIdleMs, batchSize),
    )
    if (secrets > 0) options.logger?.info('sweeper purged deleted secrets', { purged: secrets })
    return { secrets, sessions }
  }

  const schedule = (ms: number) => {
    if (stopped) return
    timer = setTimeout(tick, ms)
    // The sweeper alone must never keep the process alive.
    timer.unref()
  }

  const tick = async () => {
    let full = false
    try {
      const done = await runOnce()
      full = done.secrets >= batchSize || done.sessions >= batchSize
    } catch (err) {
      options.logger?.error('vault sweeper failed', {
        error: err instanceof Error ? err.name : 'unknown',
      })
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
