/** @module Database opening: durability pragmas (SPEC §7) and migrations. */
import fs from 'node:fs'
import os from 'node:os'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { forKysely, openDatabase, type NativeAddon } from './database.ts'
import { LATEST_MIGRATION, isMigrated, migrateToLatest } from './migrate.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-db-'))
  dirs.push(dir)
  return path.join(dir, 'nested', 'secretsentry.db')
}

describe('openDatabase', () => {
  it('uses WAL with synchronous=FULL, secure_delete, foreign keys and a busy timeout', async () => {
    const { db, sqlite } = openDatabase(tempFile())
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(sqlite.pragma('secure_delete', { simple: true })).toBe(1)
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
    await db.destroy()
  })

  it("sync 'barrier': COMMIT only writes, and durable() fsyncs the WAL afterwards", async () => {
    const opened = openDatabase(tempFile(), { sync: 'barrier' })
    expect(opened.sqlite.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
    await migrateToLatest(opened.db)
    expect(opened.durable).toBeTypeOf('function')
    await expect(opened.durable?.()).resolves.toBeUndefined()
    await opened.close()
  })

  it('loads better-sqlite3 through the nativeBinding it is given, as a path or a loaded addon', async () => {
    const addonPath = createRequire(import.meta.url).resolve(
      'better-sqlite3/build/Release/better_sqlite3.node',
    )
    const addon = { exports: {} as NativeAddon }
    process.dlopen(addon, addonPath)
    for (const nativeBinding of [addonPath, addon.exports]) {
      const opened = openDatabase(':memory:', { nativeBinding })
      expect(opened.sqlite.prepare('select 6 * 7 as n').get()).toEqual({ n: 42 })
      await opened.close()
    }
    // Proof the option reaches better-sqlite3 rather than being dropped for the default addon.
    expect(() => openDatabase(':memory:', { nativeBinding: {} })).toThrow(/setErrorConstructor/)
  })

  it('creates the data directory', async () => {
    const file = tempFile()
    const { db } = openDatabase(file)
    expect(fs.existsSync(path.dirname(file))).toBe(true)
    await db.destroy()
  })
})

describe('migrations', () => {
  it('run once, are recorded, and a second run applies nothing', async () => {
    const file = tempFile()
    const first = openDatabase(file)
    expect(await isMigrated(first.db).catch(() => false)).toBe(false)
    expect((await migrateToLatest(first.db)).at(-1)).toBe(LATEST_MIGRATION)
    expect(await isMigrated(first.db)).toBe(true)
    await first.db.destroy()

    const second = openDatabase(file)
    expect(await migrateToLatest(second.db)).toEqual([])
    const tables = second.sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'kysely%' order by name",
      )
      .all()
    expect(tables.map((t) => (t as { name: string }).name)).toEqual([
      'admin_audit',
      'audit',
      'folders',
      'instance_policy',
      'invites',
      'login_addresses',
      'login_clients',
      'notification_channels',
      'outbox',
      'rotation_digests',
      'secret_versions',
      'secrets',
      'server_key_check',
      'service_tokens',
      'sessions',
      'share_tombstones',
      'shares',
      'token_clients',
      'token_grants',
      'users',
      'vault_shares',
    ])
    await second.db.destroy()
  })
})

describe('forKysely', () => {
  const open = () => {
    const { sqlite } = openDatabase(':memory:')
    sqlite.exec(
      `create table t (id blob primary key, n integer, r real, s text, z blob, "odd ""name"" here" text)`,
    )
    const insert = sqlite.prepare('insert into t values (?, ?, ?, ?, ?, ?)')
    insert.run(Buffer.from([1, 2]), 7, 1.5, 'héllo', null, 'q')
    insert.run(Buffer.from([3]), -2, 0, '', Buffer.alloc(1065, 9), null)
    return sqlite
  }
  const queries = [
    'select * from t order by n',
    'select n, s, n, id from t order by n',
    'select n as a, s as a from t',
    'select count(*), max(r) from t',
    'select * from t where n > 100',
    'delete from t where n = 7 returning id, z, "odd ""name"" here", n',
  ]

  it.each(queries)('gives the same rows as better-sqlite3: %s', (query) => {
    const [mine, theirs] = [open(), open()]
    const expected = theirs.prepare(query).all([])
    const stmt = forKysely(mine.prepare(query))
    const rows = stmt.all([]) as Record<string, unknown>[]
    expect(rows).toEqual(expected)
    for (const [i, row] of rows.entries()) {
      // Same keys in the same order, plain objects.
      expect(Object.keys(row)).toEqual(Object.keys(expected[i] as object))
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    }
    mine.close()
    theirs.close()
  })

  it('passes parameters through, streams with iterate, and runs writes', () => {
    const sqlite = open()
    const select = forKysely(sqlite.prepare('select s, n from t where n > ? order by n'))
    expect(select.all([0])).toEqual([{ s: 'héllo', n: 7 }])
    expect([...select.iterate([-10])]).toEqual([
      { s: '', n: -2 },
      { s: 'héllo', n: 7 },
    ])
    const insert = forKysely(sqlite.prepare('insert into t (id, n, z) values (?, ?, ?)'))
    expect(insert.reader).toBe(false)
    expect(insert.run([Buffer.from([9]), 42, Buffer.alloc(3)])).toEqual({
      changes: 1,
      lastInsertRowid: 3,
    })
    expect(sqlite.prepare('select n, z from t where id = ?').get(Buffer.from([9]))).toEqual({
      n: 42,
      z: Buffer.alloc(3),
    })
    sqlite.close()
  })

  it('refuses a parameter that is itself an array, as better-sqlite3 does, instead of flattening it', () => {
    const sqlite = open()
    const text = 'select n from t where n in (?, ?)'
    const refusal = ((): string | undefined => {
      try {
        sqlite.prepare(text).all([[7, -2], 0])
      } catch (err) {
        return (err as Error).message
      }
    })()
    expect(refusal).toMatch(/can only bind/)
    expect(() => forKysely(sqlite.prepare(text)).all([[7, -2], 0])).toThrow(refusal)
    sqlite.close()
  })

  it('keeps the library’s own rows for a column named __proto__', () => {
    const [mine, theirs] = [open(), open()]
    const query = 'select 1 as "__proto__", 2 as b'
    expect(forKysely(mine.prepare(query)).all([])).toEqual(theirs.prepare(query).all([]))
    mine.close()
    theirs.close()
  })
})
