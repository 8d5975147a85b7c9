/** @module Migration: a rotation interval per secret, and when each account last got its digest of secrets due for rotation (issue 11/12; frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  // Days between rotations, or null (the 90-day default applies). In clear, unlike everything
  // else about a secret: the server sends the daily digest, so it must know when one is due.
  await db.schema
    .alterTable('secrets')
    .addColumn('rotation_days', t.integer, (c) => c.check(sql`rotation_days between 1 and 3650`))
    .execute()
  // One row per account that got a digest: no second one within a day, across restarts and
  // across instances (the row is claimed with a conditional upsert; see notify/stale-digest.ts).
  await db.schema
    .createTable('rotation_digests')
    .addColumn('user_id', t.blob, (c) =>
      c.primaryKey().notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('sent_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rotation_digests').execute()
  await db.schema.alterTable('secrets').dropColumn('rotation_days').execute()
}
