/** @module migrateToLatest's start-up shortcut: skipped work only when the database holds exactly the known migrations. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql, type KyselyPlugin } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from './database.ts'
import { LATEST_MIGRATION, migrateToLatest, migrateUpTo } from './migrate.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-migrate-'))
  dirs.push(dir)
  return path.join(dir, 'secretsentry.db')
}

/** Counts the statements a Kysely instance sends. */
function counting() {
  const seen: string[] = []
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      seen.push(args.node.kind)
      return args.node
    },
    transformResult: (args) => Promise.resolve(args.result),
  }
  return { seen, plugin }
}

/** The raw SQL (pragmas and such) a Kysely instance sends. */
function rawStatements() {
  const seen: string[] = []
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      if (args.node.kind === 'RawNode') seen.push(args.node.sqlFragments.join('?'))
      return args.node
    },
    transformResult: (args) => Promise.resolve(args.result),
  }
  return { seen, plugin }
}

const synchronous = async (opened: ReturnType<typeof openDatabase>) =>
  (await sql<{ synchronous: number }>`pragma synchronous`.execute(opened.db)).rows[0]?.synchronous

describe('migrateToLatest on a new SQLite database', () => {
  it('migrates without an fsync per statement, then restores FULL and checkpoints to disk', async () => {
    const file = tempFile()
    const opened = openDatabase(file)
    const { seen, plugin } = rawStatements()
    const applied = await migrateToLatest(opened.db.withPlugin(plugin))
    expect(applied.at(-1)).toBe(LATEST_MIGRATION)
    expect(seen).toContain('pragma synchronous = OFF')
    // SPEC §7: commits after this are durable again (FULL is 2).
    expect(await synchronous(opened)).toBe(2)
    // The checkpoint moved every migration into the database file and emptied the WAL.
    expect(fs.statSync(`${file}-wal`).size).toBe(0)
    await opened.close()
    const reopened = openDatabase(file)
    expect(await migrateToLatest(reopened.db)).toEqual([])
    await reopened.close()
  })

  it("restores the database's own setting (NORMAL with SQLITE_SYNC=barrier)", async () => {
    const opened = openDatabase(tempFile(), { sync: 'barrier' })
    await migrateToLatest(opened.db)
    expect(await synchronous(opened)).toBe(1)
    await opened.close()
  })

  it('keeps its setting for a database that holds anything, even one table', async () => {
    const opened = openDatabase(tempFile())
    await sql`create table kept (x integer)`.execute(opened.db)
    const { seen, plugin } = rawStatements()
    await migrateToLatest(opened.db.withPlugin(plugin))
    expect(seen.filter((s) => s.includes('synchronous'))).toEqual([])
    expect(await synchronous(opened)).toBe(2)
    await opened.close()
  })
})

describe('migrateToLatest', () => {
  it('on an up-to-date database sends one read and takes no migration lock', async () => {
    const file = tempFile()
    const setup = openDatabase(file)
    await migrateToLatest(setup.db)
    await setup.close()

    const opened = openDatabase(file)
    const { seen, plugin } = counting()
    expect(await migrateToLatest(opened.db.withPlugin(plugin))).toEqual([])
    expect(seen).toEqual(['RawNode'])
    await opened.close()
  })

  it('applies what is missing when only older migrations ran', async () => {
    const opened = openDatabase(tempFile())
    await migrateUpTo(opened.db, '20261123-204000-shares-and-audit')
    const applied = await migrateToLatest(opened.db)
    expect(applied[0]).toBe('20261123-220000-accounts-and-vault')
    expect(applied.at(-1)).toBe(LATEST_MIGRATION)
    await opened.close()
  })

  it('still refuses a database that ran a migration this build does not know', async () => {
    const opened = openDatabase(tempFile())
    await migrateToLatest(opened.db)
    await sql`insert into kysely_migration (name, timestamp) values ('29991231-000000-from-the-future', '2999-12-31T00:00:00.000Z')`.execute(
      opened.db,
    )
    await expect(migrateToLatest(opened.db)).rejects.toThrow(/29991231-000000-from-the-future/)
    await opened.close()
  })

  it('relabels access.denied rows written as the owner (actor user) as another account’s', async () => {
    const opened = openDatabase(tempFile())
    await migrateUpTo(opened.db, '20261123-220000-accounts-and-vault')
    const owner = Buffer.alloc(16, 1)
    await sql`insert into audit (at, event, result, actor, user_id) values
      (1, 'access.denied', 'denied', 'user', ${owner}),
      (2, 'secret.read', 'ok', 'user', ${owner})`.execute(opened.db)
    await migrateToLatest(opened.db)
    const { rows } = await sql<{ event: string; actor: string }>`
      select event, actor from audit order by id`.execute(opened.db)
    expect(rows).toEqual([
      { event: 'access.denied', actor: 'other_account' },
      { event: 'secret.read', actor: 'user' },
    ])
    await opened.close()
  })

  it('rebuilds the outbox for receipts keeping its rows, indexes, cascade and a check', async () => {
    const opened = openDatabase(tempFile())
    await migrateUpTo(opened.db, '20261207-030000-instance-policy')
    const user = Buffer.alloc(16, 2)
    await sql`insert into users (id, username, auth_hash, kdf, salt, wrapped_user_key, created_at, updated_at)
      values (${user}, 'ann', 'h', '{}', ${Buffer.alloc(16)}, ${Buffer.alloc(61)}, 1, 1)`.execute(
      opened.db,
    )
    await sql`insert into outbox (id, event_id, user_id, channel, type, payload, status, attempts, created_at, next_attempt_at)
      values ('e.webhook', 'e', ${user}, 'webhook', 'alert.failed_access', '{}', 'pending', 2, 5, 6)`.execute(
      opened.db,
    )
    await migrateToLatest(opened.db)
    const { rows } = await sql<Record<string, unknown>>`select * from outbox`.execute(opened.db)
    expect(rows).toEqual([
      expect.objectContaining({ id: 'e.webhook', attempts: 2, next_attempt_at: 6, address: null }),
    ])
    const indexes = await sql<{ name: string }>`
      select name from sqlite_master where type = 'index' and tbl_name = 'outbox' and sql is not null order by name`.execute(
      opened.db,
    )
    expect(indexes.rows.map((r) => r.name)).toEqual(['outbox_done', 'outbox_due', 'outbox_user'])
    // A pending row must have somewhere to go; an account row holds no address.
    const insert = (userId: Buffer | null, address: string | null, status: string) =>
      sql`insert into outbox (id, event_id, user_id, channel, type, payload, status, created_at, next_attempt_at, address)
        values (${`x${Math.random()}`}, 'x', ${userId}, 'email', 'share.ended', '{}', ${status}, 1, 1, ${address})`.execute(
        opened.db,
      )
    await expect(insert(null, null, 'pending')).rejects.toThrow(/CHECK/)
    await expect(insert(user, 'a@example.test', 'pending')).rejects.toThrow(/CHECK/)
    await insert(null, 'a@example.test', 'pending')
    await insert(null, null, 'delivered')
    await sql`delete from users`.execute(opened.db)
    const left = await sql<{
      n: number
    }>`select count(*) as n from outbox where user_id is not null`.execute(opened.db)
    expect(left.rows[0]?.n).toBe(0)
    await opened.close()
  })
})
