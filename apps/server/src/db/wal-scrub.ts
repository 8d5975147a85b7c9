/** @module Keeps deleted rows out of the SQLite WAL: a truncating checkpoint soon after every change, and one at close. */
import type BetterSqlite3 from 'better-sqlite3'

/**
 * Why: secure_delete zeroes a deleted row in the database file, but the WAL still holds the
 * frames of its page as it was written (the share as created), and a checkpoint copies frames
 * without erasing them. Only truncating the WAL removes them from the data directory. Truncation
 * gives the blocks back to the file system without overwriting them: a raw read of the disk may
 * still find them (full-disk encryption covers that).
 */
export interface WalScrubber {
  /** Checkpoints and truncates now if anything changed since the last scrub; true when the WAL is empty. */
  scrub(): boolean
  /** Stops the timer and scrubs a last time, waiting for readers up to the busy timeout. */
  close(): boolean
}

/** The default bound (WAL_SCRUB_SECONDS): a TRUNCATE checkpoint at most once a second. */
export const DEFAULT_WAL_SCRUB_SECONDS = 1

/** A write transaction in progress is retried this soon rather than at the next interval. */
const IN_TRANSACTION_RETRY_MS = 20

/**
 * Every `intervalSeconds`, if this connection changed anything since the last successful scrub,
 * runs `wal_checkpoint(TRUNCATE)`. Security promise: a row deleted by this process leaves every
 * file of the data directory within `intervalSeconds` (plus as long as another process holds a
 * read transaction, e.g. a running backup: then the checkpoint is retried at the next interval).
 * It never waits for readers on the event loop: busy_timeout is 0 while it runs.
 */
export function startWalScrubber(
  sqlite: BetterSqlite3.Database,
  options: { intervalSeconds: number; onError?: (err: unknown) => void },
): WalScrubber {
  const timer = setInterval(() => tick(), options.intervalSeconds * 1000).unref()
  const changes = sqlite.prepare('select total_changes()').pluck()
  // -1: the first scrub always runs, since a WAL left by a crash may hold rows deleted before it.
  let scrubbedAt = -1
  let retry: NodeJS.Timeout | undefined

  const checkpoint = (waitForReaders: boolean): boolean => {
    const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number
    if (!waitForReaders) sqlite.pragma('busy_timeout = 0')
    try {
      const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
      return result?.busy === 0
    } finally {
      if (!waitForReaders) sqlite.pragma(`busy_timeout = ${busyTimeout}`)
    }
  }

  const scrub = (waitForReaders = false): boolean => {
    if (!sqlite.open) {
      clearInterval(timer)
      return false
    }
    // A checkpoint cannot run inside this connection's own open transaction (a write batch
    // between two of its statements); all of it is committed a moment later.
    if (sqlite.inTransaction) {
      retry ??= setTimeout(() => {
        retry = undefined
        tick()
      }, IN_TRANSACTION_RETRY_MS).unref()
      return false
    }
    const seen = changes.get() as number
    if (seen === scrubbedAt) return true
    if (!checkpoint(waitForReaders)) return false
    scrubbedAt = seen
    return true
  }

  const tick = () => {
    try {
      scrub()
    } catch (err) {
      options.onError?.(err)
    }
  }

  return {
    scrub: () => scrub(),
    close: () => {
      clearInterval(timer)
      clearTimeout(retry)
      return scrub(true)
    },
  }
}
