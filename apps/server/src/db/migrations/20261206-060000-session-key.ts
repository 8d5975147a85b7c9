/** @module Migration: a bearer session may hold one key for its client (issue 10: the CLI's session file); frozen in time, so `Kysely<any>`. */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  // Nullable: browser sessions and sessions from before hold none. The key lives in the session
  // row only, so every way a session ends (logout, expiry, password change) deletes it.
  await db.schema.alterTable('sessions').addColumn('client_key', t.blob).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('client_key').execute()
}
