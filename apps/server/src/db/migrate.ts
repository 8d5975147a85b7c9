/** @module Runs the statically imported migrations (no directory scanning, so the bundle carries them). */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import { dialectOf } from './dialect.ts'
import * as m20261123 from './migrations/20261123-204000-shares-and-audit.ts'
import * as m20261123b from './migrations/20261123-220000-accounts-and-vault.ts'
import * as m20261206 from './migrations/20261206-030000-audit-other-account.ts'
import * as m20261206b from './migrations/20261206-040000-login-addresses.ts'
import * as m20261206c from './migrations/20261206-050000-session-kind.ts'
import * as m20261206d from './migrations/20261206-060000-session-key.ts'
import * as m20261206e from './migrations/20261206-070000-server-key-check.ts'
import * as m20261207 from './migrations/20261207-010000-share-tombstones.ts'

/** Names sort by time; append new migrations at the end. */
const MIGRATIONS: Record<string, Migration> = {
  '20261123-204000-shares-and-audit': m20261123,
  '20261123-220000-accounts-and-vault': m20261123b,
  '20261206-030000-audit-other-account': m20261206,
  '20261206-040000-login-addresses': m20261206b,
  '20261206-050000-session-kind': m20261206c,
  '20261206-060000-session-key': m20261206d,
  '20261206-070000-server-key-check': m20261206e,
  '20261207-010000-share-tombstones': m20261207,
}

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1) as string

/**
 * Kysely's Migrator takes its lock and introspects the schema on every start (about 10 ms that
 * delay the first answer); when the database already holds exactly the known migrations, in
 * order, there is nothing to do. Anything else (no table yet, a missing or unknown migration) goes
 * through the Migrator, which applies or refuses as before.
 */
async function upToDate<DB>(db: Kysely<DB>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`
      select name from kysely_migration order by name
    `.execute(db)
    const known = Object.keys(MIGRATIONS).sort()
    return rows.length === known.length && rows.every((row, i) => row.name === known[i])
  } catch {
    return false
  }
}

async function migrator<DB>(db: Kysely<DB>): Promise<Migrator> {
  // PostgreSQL: the bookkeeping tables live in the schema the connection works in (Kysely would
  // otherwise see another schema's tables and assume its own exist).
  const schema =
    dialectOf(db) === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined
  return new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  if (await upToDate(db)) return []
  return applied(await (await migrator(db)).migrateToLatest())
}

/** Applies the known migrations up to and including `name`: an older release's schema, for upgrade tests. */
export async function migrateUpTo<DB>(db: Kysely<DB>, name: string): Promise<string[]> {
  if (!(name in MIGRATIONS)) throw new Error(`Unknown migration ${name}`)
  return applied(await (await migrator(db)).migrateTo(name))
}

/** True when the database answers and holds every migration this build knows. */
export async function isMigrated<DB>(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ name: string }>`
    select name from kysely_migration order by name desc limit 1
  `.execute(db)
  return rows[0]?.name === LATEST_MIGRATION
}
