/** @module Group commit: one transaction per turn, answers only after COMMIT, one bad op fails alone. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WriteQueue, WriteQueueClosedError } from './write-queue.ts'

interface TestDb {
  t: { v: string }
}

let dir: string
let file: string
let sqlite: BetterSqlite3.Database
let db: Kysely<TestDb>
let batches: number[]
let queue: WriteQueue<TestDb>

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-queue-'))
  file = path.join(dir, 'q.db')
  sqlite = new BetterSqlite3(file)
  sqlite.pragma('journal_mode = WAL')
  db = new Kysely<TestDb>({ dialect: new SqliteDialect({ database: sqlite }) })
  await sql`create table t (v text not null unique)`.execute(db)
  batches = []
  queue = new WriteQueue(db, { maxBatch: 4, onBatch: (n) => batches.push(n) })
})
afterEach(async () => {
  await db.destroy()
  fs.rmSync(dir, { recursive: true, force: true })
})

const insert = (v: string) =>
  queue.run((trx) =>
    trx
      .insertInto('t')
      .values({ v })
      .execute()
      .then(() => v),
  )
const values = () =>
  (sqlite.prepare('select v from t order by v').all() as { v: string }[]).map((r) => r.v)

describe('WriteQueue', () => {
  it('commits the writes queued in one turn together, in batches of at most maxBatch', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map(insert),
    )
    expect(results).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'])
    expect(batches).toEqual([4, 4, 2])
    expect(values()).toHaveLength(10)
  })

  it('runs writes of later turns in later transactions', async () => {
    await insert('a')
    await insert('b')
    expect(batches).toEqual([1, 1])
  })

  it('a write is acknowledged only after its transaction committed', async () => {
    const other = new BetterSqlite3(file, { readonly: true })
    const seenInside: number[] = []
    const result = await queue.run(async (trx) => {
      await trx.insertInto('t').values({ v: 'x' }).execute()
      // Another connection cannot see it yet: not committed.
      seenInside.push((other.prepare('select count(*) as n from t').get() as { n: number }).n)
      return 'done'
    })
    const seenAfter = (other.prepare('select count(*) as n from t').get() as { n: number }).n
    other.close()
    expect(result).toBe('done')
    expect(seenInside).toEqual([0])
    expect(seenAfter).toBe(1)
  })

  it('one failing write fails alone; its neighbours commit', async () => {
    await insert('dup')
    batches = []
    const outcomes = await Promise.allSettled([insert('a'), insert('dup'), insert('b')])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(values()).toEqual(['a', 'b', 'dup'])
    // The failed batch of 3 rolled back, then each op ran alone.
    expect(batches).toEqual([1, 1])
  })

  it('an op that writes and then throws leaves none of its writes; its neighbours commit', async () => {
    const failing = queue.run(async (trx) => {
      await trx.insertInto('t').values({ v: 'partial' }).execute()
      throw new Error('boom')
    })
    const outcomes = await Promise.allSettled([insert('a'), failing, insert('b')])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(values()).toEqual(['a', 'b'])
  })

  it('a throwing onBatch hook does not fail or strand the writes', async () => {
    queue = new WriteQueue(db, {
      onBatch: () => {
        throw new Error('metrics broke')
      },
    })
    await expect(Promise.all([insert('a'), insert('b')])).resolves.toEqual(['a', 'b'])
    await expect(insert('c')).resolves.toBe('c')
  })

  it('close() waits for queued writes, then refuses new ones', async () => {
    const pending = [insert('a'), insert('b'), insert('c')]
    await queue.close()
    expect(values()).toEqual(['a', 'b', 'c'])
    await expect(Promise.all(pending)).resolves.toEqual(['a', 'b', 'c'])
    await expect(insert('late')).rejects.toBeInstanceOf(WriteQueueClosedError)
  })

  it('drain() resolves at once when idle', async () => {
    await expect(queue.drain()).resolves.toBeUndefined()
    expect(queue.pending).toBe(0)
  })
})

describe('WriteQueue with a durability barrier', () => {
  function deferredBarrier() {
    const pending: { resolve: () => void; reject: (e: Error) => void }[] = []
    const durable = () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject }))
    return { durable, pending }
  }

  it('answers only after the barrier; the next batch forms meanwhile and commits after it', async () => {
    const barrier = deferredBarrier()
    const q = new WriteQueue(db, { durable: barrier.durable, onBatch: (n) => batches.push(n) })
    let firstDone = false
    const first = q
      .run((trx) => trx.insertInto('t').values({ v: 'a' }).execute())
      .then(() => (firstDone = true))
    await vi.waitFor(() => expect(barrier.pending).toHaveLength(1))
    // Committed (visible) but not yet acknowledged: the disk has not confirmed it.
    expect(values()).toEqual(['a'])
    expect(firstDone).toBe(false)
    const later = ['b', 'c', 'd'].map((v) =>
      q.run((trx) => trx.insertInto('t').values({ v }).execute()),
    )
    await new Promise((resolve) => setImmediate(resolve))
    expect(values()).toEqual(['a'])
    let drained = false
    const draining = q.drain().then(() => (drained = true))
    barrier.pending[0]?.resolve()
    await first
    await vi.waitFor(() => expect(barrier.pending).toHaveLength(2))
    expect(values()).toEqual(['a', 'b', 'c', 'd'])
    expect(drained).toBe(false)
    barrier.pending[1]?.resolve()
    await Promise.all(later)
    await draining
    expect(batches).toEqual([1, 3])
  })

  it('a failed barrier fails the writes it was covering', async () => {
    const barrier = deferredBarrier()
    const q = new WriteQueue(db, { durable: barrier.durable })
    const write = q.run((trx) => trx.insertInto('t').values({ v: 'a' }).execute())
    await vi.waitFor(() => expect(barrier.pending).toHaveLength(1))
    barrier.pending[0]?.reject(new Error('EIO'))
    await expect(write).rejects.toThrow('EIO')
  })
})
