/** @module Several processes writing one SQLite file (WORKERS > 1): a busy write lock is waited for off the event loop, and the write still lands. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from './database.ts'
import { migrateToLatest } from './migrate.ts'
import { WriteQueue } from './write-queue.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function setup(sharedWriters: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-writers-'))
  dirs.push(dir)
  const file = path.join(dir, 'db.sqlite')
  const opened = openDatabase(file, { sharedWriters })
  // Stands in for another worker process: its own connection to the same file.
  const other = new BetterSqlite3(file, { timeout: 50 })
  return { opened, other }
}

const audit = (at: number) => ({
  at,
  event: 'share_created' as const,
  share_id: null,
  result: 'ok',
  client_hash: null,
})

/** What an empty transaction's BEGIN throws (undefined if it succeeds). */
const beginError = (db: ReturnType<typeof openDatabase>['db']): Promise<unknown> =>
  db
    .transaction()
    .execute(() => Promise.resolve())
    .then(
      () => undefined,
      (err: unknown) => err,
    )

describe('a write while another process holds the write lock', () => {
  it('waits without blocking the event loop, then commits', async () => {
    const { opened, other } = setup(true)
    await migrateToLatest(opened.db)
    const queue = new WriteQueue(opened.db, { retryBusy: true })
    other.exec('BEGIN IMMEDIATE')
    let done = false
    const write = queue
      .run((trx) => trx.insertInto('audit').values(audit(1)).execute())
      .then(() => (done = true))
    // Timers keep firing while the write waits: the event loop is free.
    const started = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(done).toBe(false)
    other.exec('COMMIT')
    await write
    expect(other.prepare('select count(*) as n from audit').get()).toEqual({ n: 1 })
    other.close()
    await opened.close()
  })

  it('takes the lock at BEGIN, so a batch that reads first cannot lose the race to write', async () => {
    const { opened, other } = setup(true)
    await migrateToLatest(opened.db)
    const queue = new WriteQueue(opened.db, { retryBusy: true })
    // A deferred BEGIN would read an old snapshot here and fail with SQLITE_BUSY at its write.
    const write = queue.run(async (trx) => {
      const before = await trx.selectFrom('audit').select('id').execute()
      other.exec('BEGIN IMMEDIATE') // Would succeed only if this transaction held no write lock.
      return before.length
    })
    await expect(write).rejects.toMatchObject({ code: 'SQLITE_BUSY' })
    other.close()
    await opened.close()
  })

  it('a busy BEGIN leaves busy_timeout and Error.stackTraceLimit as they were', async () => {
    const { opened, other } = setup(true)
    await migrateToLatest(opened.db)
    const limit = Error.stackTraceLimit
    other.exec('BEGIN IMMEDIATE')
    const failed = await beginError(opened.db)
    expect(failed).toMatchObject({ code: 'SQLITE_BUSY' })
    // Made without stack frames: the retry loop makes one every millisecond while it waits.
    expect(String((failed as Error).stack).split('\n').length).toBe(1)
    expect(Error.stackTraceLimit).toBe(limit)
    expect(opened.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
    // The next BEGIN waits no longer than before, and succeeds once the lock is free.
    other.exec('COMMIT')
    await opened.db
      .transaction()
      .execute((trx) => trx.insertInto('audit').values(audit(2)).execute())
    expect(opened.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
    other.close()
    await opened.close()
  })

  it('any other error of BEGIN keeps its stack', async () => {
    const { opened, other } = setup(true)
    await migrateToLatest(opened.db)
    opened.sqlite.exec('BEGIN')
    const failed = await beginError(opened.db)
    opened.sqlite.exec('ROLLBACK')
    expect(failed).toMatchObject({ code: 'SQLITE_ERROR' })
    expect(String((failed as Error).stack).split('\n').length).toBeGreaterThan(1)
    expect(opened.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
    other.close()
    await opened.close()
  })
})
