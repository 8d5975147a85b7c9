/** @module Migration: instance policy, invites, the administrators' audit, and disabled or granted accounts (issue 12; frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('instance_policy')
    // One row, shared by every instance on this database; absent until an administrator saves.
    .addColumn('id', t.integer, (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('registration', 'text', (c) => c.notNull())
    .addColumn('anonymous_shares', t.integer, (c) => c.notNull())
    .addColumn('max_share_bytes', t.integer, (c) => c.notNull())
    .addColumn('max_expiry_seconds', t.integer, (c) => c.notNull())
    // A JSON array of lower-case domain names.
    .addColumn('receipt_email_domains', 'text', (c) => c.notNull())
    .addColumn('updated_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()

  await db.schema
    .createTable('invites')
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    // SHA-256 of the token: the token is shown once, and a copy of the database registers nobody.
    .addColumn('token_hash', t.blob, (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('expires_at', t.integer, (c) => c.notNull())
    .addColumn('used_at', t.integer)
    .addColumn('used_by', 'text')
    .addColumn('revoked_at', t.integer)
    .modifyEnd(t.strict)
    .execute()

  await db.schema
    .createTable('admin_audit')
    .addColumn('id', t.integer, (c) =>
      t.blob === 'bytea' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
    )
    .addColumn('at', t.integer, (c) => c.notNull())
    // Names, not ids: the trail outlives a deleted account.
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('detail', 'text')
    .modifyEnd(t.strict)
    .execute()

  await db.schema.alterTable('users').addColumn('disabled_at', t.integer).execute()
  await db.schema.alterTable('users').addColumn('last_login_at', t.integer).execute()
  // Granted on the server host (`secretsentry admin grant`); ADMIN_USERS grants without a row.
  await db.schema
    .alterTable('users')
    .addColumn('admin', t.integer, (c) => c.notNull().defaultTo(0))
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('admin').execute()
  await db.schema.alterTable('users').dropColumn('last_login_at').execute()
  await db.schema.alterTable('users').dropColumn('disabled_at').execute()
  for (const table of ['admin_audit', 'invites', 'instance_policy']) {
    await db.schema.dropTable(table).execute()
  }
}
