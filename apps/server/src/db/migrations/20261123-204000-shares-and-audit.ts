/** @module Migration: the share table and the audit table (frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('shares')
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    // SHA-256(access): the server never sees `access` at rest.
    .addColumn('verifier', t.blob, (c) => c.notNull())
    .addColumn('ciphertext', t.blob, (c) => c.notNull())
    .addColumn('manage_token_hash', t.blob, (c) => c.notNull())
    .addColumn('ttl_seconds', t.integer, (c) => c.notNull())
    .addColumn('max_views', t.integer, (c) => c.notNull())
    .addColumn('views_left', t.integer, (c) => c.notNull())
    .addColumn('failed_attempts', t.integer, (c) => c.notNull().defaultTo(0))
    // When each view was consumed, as "ms," entries: kept on the row so the audit table needs
    // no index on share id (a random key makes every insert touch another index page).
    .addColumn('opened_at', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('expires_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()
  await db.schema.createIndex('shares_expires_at').on('shares').column('expires_at').execute()

  // Append-only, keyed by rowid: inserts always land on the last page.
  await db.schema
    .createTable('audit')
    .addColumn('id', t.integer, (c) =>
      t.blob === 'bytea' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
    )
    .addColumn('at', t.integer, (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('share_id', t.blob)
    .addColumn('result', 'text', (c) => c.notNull())
    // HMAC of the client address under a server key, truncated; never the address itself.
    .addColumn('client_hash', 'text')
    .modifyEnd(t.strict)
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit').execute()
  await db.schema.dropTable('shares').execute()
}
