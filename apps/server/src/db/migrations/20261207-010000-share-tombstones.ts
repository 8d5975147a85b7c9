/** @module Migration: share tombstones, the read receipts a burned share leaves (issue 12; frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  // What is left of a share once it ended: when it was opened and how it ended, for its creator.
  // No ciphertext, no verifier: nothing here can read, burn or guess the secret.
  await db.schema
    .createTable('share_tombstones')
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    // SHA-256 of the manage token, as on the share: status still needs the token once it is gone.
    .addColumn('manage_token_hash', t.blob, (c) => c.notNull())
    .addColumn('max_views', t.integer, (c) => c.notNull())
    .addColumn('failed_attempts', t.integer, (c) => c.notNull())
    // Times of the views, "ms," repeated (at most max_views of them).
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('how', 'text', (c) => c.notNull())
    .addColumn('created_at', t.integer, (c) => c.notNull())
    // The share's own expiry, unchanged.
    .addColumn('expires_at', t.integer, (c) => c.notNull())
    .addColumn('ended_at', t.integer, (c) => c.notNull())
    // When the sweeper deletes the tombstone (see share/tombstone.ts).
    .addColumn('purge_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()
  await db.schema
    .createIndex('share_tombstones_purge_at')
    .on('share_tombstones')
    .column('purge_at')
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('share_tombstones').execute()
}
