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
import * as m20261206f from './migrations/20261206-080000-folder-tree.ts'
import * as m20261207a from './migrations/20261207-010000-share-tombstones.ts'
import * as m20261207 from './migrations/20261207-020000-outbox.ts'
import * as m20261207b from './migrations/20261207-030000-instance-policy.ts'
import * as m20261208r from './migrations/20261208-041500-share-receipts.ts'
import * as m20261208l from './migrations/20261208-041600-login-clients.ts'
import * as m20261208rot from './migrations/20261208-143700-secret-rotation.ts'
import * as m20261208tok from './migrations/20261208-171500-service-tokens.ts'
import * as m20261208tc from './migrations/20261208-180000-token-clients.ts'

/** Names sort by time; append new migrations at the end. */
const MIGRATIONS: Record<string, Migration> = {
  '20261123-204000-shares-and-audit': m20261123,
  '20261123-220000-accounts-and-vault': m20261123b,
  '20261206-030000-audit-other-account': m20261206,
  '20261206-040000-login-addresses': m20261206b,
  '20261206-050000-session-kind': m20261206c,
  '20261206-060000-session-key': m20261206d,
  '20261206-070000-server-key-check': m20261206e,
  '20261206-080000-folder-tree': m20261206f,
  '20261207-010000-share-tombstones': m20261207a,
  '20261207-020000-outbox': m20261207,
  '20261207-030000-instance-policy': m20261207b,
  '20261208-041500-share-receipts': m20261208r,
  '20261208-041600-login-clients': m20261208l,
  '20261208-143700-secret-rotation': m20261208rot,
  '20261208-171500-service-tokens': m20261208tok,
  '20261208-180000-token-clients': m20261208tc,
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

/**
 * A SQLite database without a single table (a first start in an empty DATA_DIR) is migrated with
 * synchronous=OFF: Kysely runs SQLite's DDL outside transactions, so each statement would be a
 * commit with its own fsync, and /healthz waits behind them all (the driver is synchronous; on a
 * busy disk that was half a second).
 * Then the setting is restored and a checkpoint puts everything on disk before the API opens.
 * Nothing is lost meanwhile: the database held nothing, and WAL recovery after a crash keeps a
 * prefix of the commits, as it would with an fsync each. A database that holds anything, even one
 * table, is migrated with its own setting.
 */
async function unsyncedWhenEmpty<T, DB>(db: Kysely<DB>, run: () => Promise<T>): Promise<T> {
  if (dialectOf(db) !== 'sqlite') return run()
  const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master`.execute(db)
  if (rows[0]?.n !== 0) return run()
  const setting = (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]
  const level = Number(setting?.synchronous)
  if (!Number.isInteger(level)) return run()
  await sql`pragma synchronous = OFF`.execute(db)
  try {
    return await run()
  } finally {
    await sql.raw(`pragma synchronous = ${level}`).execute(db)
    // With the setting back, the checkpoint fsyncs the WAL, copies it into the database file and
    // fsyncs that: every migration is on disk before migrateToLatest returns.
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db)
  }
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  if (await upToDate(db)) return []
  return applied(await unsyncedWhenEmpty(db, async () => (await migrator(db)).migrateToLatest()))
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
