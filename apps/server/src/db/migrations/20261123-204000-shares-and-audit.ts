/** @module Migration: the share table and the audit table (frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shares')
    .addColumn('id', 'blob', (c) => c.primaryKey().notNull())
    // SHA-256(access): the server never sees `access` at rest.
    .addColumn('verifier', 'blob', (c) => c.notNull())
    .addColumn('ciphertext', 'blob', (c) => c.notNull())
    .addColumn('manage_token_hash', 'blob', (c) => c.notNull())
    .addColumn('ttl_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_views', 'integer', (c) => c.notNull())
    .addColumn('views_left', 'integer', (c) => c.notNull())
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // When each view was consumed, as "ms," entries: kept on the row so the audit table needs
    // no index on share id (a random key makes every insert touch another index page).
    .addColumn('opened_at', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute()
  await db.schema.createIndex('shares_expires_at').on('shares').column('expires_at').execute()

  // Append-only, keyed by rowid: inserts always land on the last page.
  await db.schema
    .createTable('audit')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('share_id', 'blob')
    .addColumn('result', 'text', (c) => c.notNull())
    // HMAC of the client address under a server key, truncated; never the address itself.
    .addColumn('client_hash', 'text')
    .modifyEnd(sql`strict`)
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit').execute()
  await db.schema.dropTable('shares').execute()
}
