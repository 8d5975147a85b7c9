/** @module Prepared queries: inside a SQLite transaction they run at once, with Kysely's own results. */
import { sql, type Generated, type Kysely } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDatabase } from './database.ts'
import { prepared } from './prepared.ts'

interface T {
  t: { id: Generated<number>; name: string; data: Buffer | null }
}

const insertReturning = prepared((db: Kysely<T>, a: { name: string; data: Buffer | null }) =>
  db.insertInto('t').values({ name: a.name, data: a.data }).returning(['id', 'name', 'data']),
)
const insertPlain = prepared((db: Kysely<T>, a: { name: string }) =>
  db.insertInto('t').values({ name: a.name, data: null }),
)
const rename = prepared((db: Kysely<T>, a: { from: string; to: string }) =>
  db.updateTable('t').set({ name: a.to }).where('name', '=', a.from),
)
const byName = prepared((db: Kysely<T>, a: { name: string }) =>
  db.selectFrom('t').selectAll().where('name', '=', a.name),
)
const removeReturning = prepared((db: Kysely<T>, a: { name: string }) =>
  db.deleteFrom('t').where('name', '=', a.name).returning(['id', 'data']),
)

const opened: OpenedDatabase[] = []
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close()
})

/** An in-memory database with table t; `logged` makes Kysely log queries, which keeps its path. */
async function open(logged: boolean) {
  const o = openDatabase(':memory:', logged ? { log: () => {} } : {})
  opened.push(o)
  const db = o.db as unknown as Kysely<T>
  await sql`create table t (id integer primary key, name text not null unique, data blob) strict`.execute(
    db,
  )
  return { db, sqlite: o.sqlite }
}

/** Every kind of statement, in one transaction, and what each gave. */
async function script(db: Kysely<T>) {
  return db
    .transaction()
    .execute(async (trx) => [
      await insertReturning(trx, { name: 'a', data: Buffer.from([1, 2, 3]) }),
      await insertReturning(trx, { name: 'b', data: null }),
      await insertPlain(trx, { name: 'c' }),
      await rename(trx, { from: 'c', to: 'd' }),
      await rename(trx, { from: 'nobody', to: 'e' }),
      await byName(trx, { name: 'a' }),
      await byName(trx, { name: 'nobody' }),
      await removeReturning(trx, { name: 'a' }),
    ])
}

describe('prepared queries on SQLite', () => {
  it('give inside a transaction exactly what Kysely’s executor gives, key for key', async () => {
    const direct = await script((await open(false)).db)
    const viaKysely = await script((await open(true)).db)
    expect(direct).toEqual(viaKysely)
    expect(direct.map((r) => Object.keys(r))).toEqual(viaKysely.map((r) => Object.keys(r)))
    expect(direct[2]).toEqual({ numAffectedRows: 1n, insertId: 3n, rows: [] })
  })

  it('resolve inside a transaction without Kysely’s layers of promises', async () => {
    /** Microtask turns until `p` settles: each async layer a result passes through adds some. */
    const turns = async (p: Promise<unknown>) => {
      let settled = false
      void p.then(() => (settled = true))
      let n = 0
      while (!settled && n < 100) {
        await null
        n++
      }
      return n
    }
    const counted: number[] = []
    for (const logged of [false, true]) {
      const { db } = await open(logged)
      await db.transaction().execute(async (trx) => {
        counted.push(await turns(insertPlain(trx, { name: 'x' })))
      })
    }
    const [direct, viaKysely] = counted
    expect(direct).toBeLessThanOrEqual(2)
    expect(viaKysely).toBeGreaterThan(5)
  })

  it('reject, never throw, when the statement fails, with SQLite’s error as Kysely gives it', async () => {
    for (const logged of [false, true]) {
      const { db } = await open(logged)
      await db.transaction().execute(async (trx) => {
        await insertPlain(trx, { name: 'dup' })
        let pending: Promise<unknown> | undefined
        expect(() => (pending = insertPlain(trx, { name: 'dup' }))).not.toThrow()
        await expect(pending).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' })
      })
    }
  })

  it('outside a transaction wait for one in progress, so they never see its uncommitted rows', async () => {
    const { db } = await open(false)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let inserted!: () => void
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve))
    const tx = db.transaction().execute(async (trx) => {
      await insertPlain(trx, { name: 'late' })
      inserted()
      await gate
      await rename(trx, { from: 'late', to: 'committed' })
    })
    await insertedYet
    let seen: unknown
    const outside = byName(db, { name: 'late' }).then((r) => (seen = r.rows))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen).toBeUndefined()
    release()
    await tx
    await outside
    expect(seen).toEqual([])
    expect((await byName(db, { name: 'committed' })).rows).toHaveLength(1)
  })
})
