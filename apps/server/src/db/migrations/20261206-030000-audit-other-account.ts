/** @module Migration: access.denied rows name their actor `other_account` (they were written as `user`, which read as the owner). */
import { sql, type Kysely } from 'kysely'

// Only another account's request ever wrote access.denied on an owner's trail, so every such row
// can be relabelled without guessing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update audit set actor = 'other_account' where event = 'access.denied' and actor = 'user'`.execute(
    db,
  )
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`update audit set actor = 'user' where event = 'access.denied' and actor = 'other_account'`.execute(
    db,
  )
}
