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

/**
 * Whether running `sql` may delete or overwrite stored content. Only what cannot is listed:
 * reads, plain inserts (an INSERT moves live cells at most; the page images it leaves in the WAL
 * hold nothing that was erased) and transaction control. Everything else counts, an upsert's
 * DO UPDATE, `insert or replace`, UPDATE, DELETE, DDL and anything unrecognised included.
 */
export function mayErase(sql: string): boolean {
  const s = sql.trimStart().toLowerCase()
  if (/^(select|begin|commit|end|rollback|savepoint|release)\b/.test(s)) return false
  return !/^insert\s+into\b/.test(s) || /\bon\s+conflict\b[\s\S]*\bdo\s+update\b/.test(s)
}

const RUNS = new Set<PropertyKey>(['run', 'get', 'all', 'iterate'])

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

  /**
   * Every statement of this connection is prepared or executed through these two methods
   * (Kysely's driver included; better-sqlite3 prepares one statement per string), so each one
   * that may erase sets the flag when it runs. This costs nothing per row, where a trigger per
   * table cost about 5% of a burn's instructions (it also made each burn keep a statement journal).
   */
  const prepare = sqlite.prepare
  sqlite.prepare = function (this: BetterSqlite3.Database, source: string) {
    const stmt = prepare.call(this, source)
    if (!mayErase(source)) return stmt
    const watched: BetterSqlite3.Statement = new Proxy(stmt, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          if (RUNS.has(key)) erased = true
          const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args)
          // pluck(), raw(), bind(), … return the statement itself: keep it watched.
          return out === target ? watched : out
        }
      },
    })
    return watched
  } as typeof sqlite.prepare
  // exec runs any number of statements: whatever it runs counts.
  const exec = sqlite.exec
  sqlite.exec = function (this: BetterSqlite3.Database, source: string) {
    erased = true
    return exec.call(this, source)
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
