/** @module Migration: each session records how its token was issued, cookie or bearer, so it works only that way (issue 8; frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  // How an existing session was issued was never stored, and a row that accepts both ways is
  // the defect itself: existing sessions end, and everyone logs in once more.
  await db.deleteFrom('sessions').execute()
  // SQLite adds a NOT NULL column only with a default; every insert names the kind anyway.
  await db.schema
    .alterTable('sessions')
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .defaultTo('cookie')
        .check(sql`kind in ('cookie', 'bearer')`),
    )
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('kind').execute()
}
