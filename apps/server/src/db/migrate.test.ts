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
})
