/** @module Keeps deleted rows out of the SQLite WAL: a truncating checkpoint soon after a delete or update, and one at close. */
import type BetterSqlite3 from 'better-sqlite3'

/**
 * Why: secure_delete zeroes a deleted row in the database file, but the WAL still holds the
 * frames of its page as it was written (the share as created), and a checkpoint copies frames
 * without erasing them. Only truncating the WAL removes them from the data directory. Truncation
 * gives the blocks back to the file system without overwriting them: a raw read of the disk may
 * still find them (full-disk encryption covers that).
 */
export interface WalScrubber {
  /** Checkpoints and truncates now if a row was deleted or updated since the last scrub; true when done. */
  scrub(): boolean
  /** Stops the timer and scrubs a last time, waiting for readers up to the busy timeout. */
  close(): boolean
}

/** The default bound (WAL_SCRUB_SECONDS): a TRUNCATE checkpoint at most once a second. */
export const DEFAULT_WAL_SCRUB_SECONDS = 1

/** A write transaction in progress is retried this soon rather than at the next interval. */
const IN_TRANSACTION_RETRY_MS = 20

/** Called by the triggers below; a name no schema uses. */
const ERASED = 'secretsentry_wal_erased'

const quoted = (id: string) => `"${id.replaceAll('"', '""')}"`

/**
 * Every `intervalSeconds`, if a row was deleted or updated since the last successful scrub, runs
 * `wal_checkpoint(TRUNCATE)`. Security promise: a row this process deletes or overwrites leaves
 * every file of the data directory within `intervalSeconds` (longer only while another process
 * holds a read transaction, e.g. a running backup: the checkpoint is retried each interval).
 * It never waits for readers on the event loop: busy_timeout is 0 while it runs. Inserts alone
 * leave nothing behind, so a stream of creates does not pay for truncating and regrowing the WAL.
 */
export function startWalScrubber(
  sqlite: BetterSqlite3.Database,
  options: { intervalSeconds: number; onError?: (err: unknown) => void },
): WalScrubber {
  const timer = setInterval(() => tick(), options.intervalSeconds * 1000).unref()
  let retry: NodeJS.Timeout | undefined
  // True at start: a WAL left by a crash may hold rows deleted before it.
  let erased = true
  sqlite.function(ERASED, { deterministic: false }, () => {
    erased = true
    return null
  })
  const tables = sqlite
    .prepare("select name from sqlite_schema where type = 'table' and name not like 'sqlite_%'")
    .pluck()
  const triggers = sqlite
    .prepare("select name from sqlite_temp_schema where type = 'trigger'")
    .pluck()

  /**
   * Temporary triggers (this connection only, nothing in the file) on every table, added as
   * migrations create tables: each DELETE or UPDATE marks the WAL as holding erased content.
   */
  const watchTables = () => {
    const present = new Set(triggers.all() as string[])
    for (const table of tables.all() as string[]) {
      for (const op of ['delete', 'update']) {
        const name = `${ERASED}_${op}_${table}`
        if (present.has(name)) continue
        sqlite.exec(
          `create temp trigger ${quoted(name)} after ${op} on main.${quoted(table)} begin select ${ERASED}(); end`,
        )
        // A new table means a migration ran, and what it changed was not watched yet.
        erased = true
      }
    }
  }

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
    watchTables()
    if (!erased) return true
    if (!checkpoint(waitForReaders)) return false
    erased = false
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
