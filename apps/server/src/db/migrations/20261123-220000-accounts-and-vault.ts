/** @module Migration: accounts, sessions and the vault (issue 3); audit rows gain an account and a secret (frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('users')
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    // scrypt$N$r$p$salt$hash of the client's authKey; the password never reaches the server.
    .addColumn('auth_hash', 'text', (c) => c.notNull())
    .addColumn('kdf', 'text', (c) => c.notNull())
    .addColumn('salt', t.blob, (c) => c.notNull())
    .addColumn('wrapped_user_key', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('updated_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()

  await db.schema
    .createTable('sessions')
    // SHA-256 of the token: a copy of the database does not log anyone in.
    .addColumn('token_hash', t.blob, (c) => c.primaryKey().notNull())
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('last_seen_at', t.integer, (c) => c.notNull())
    .addColumn('expires_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute()
  await db.schema.createIndex('sessions_last_seen').on('sessions').column('last_seen_at').execute()

  await db.schema
    .createTable('folders')
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('wrapped_key', t.blob, (c) => c.notNull())
    .addColumn('meta', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()
  await db.schema.createIndex('folders_user').on('folders').column('user_id').execute()

  await db.schema
    .createTable('secrets')
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('folder_id', t.blob, (c) => c.notNull().references('folders.id'))
    .addColumn('revision', t.integer, (c) => c.notNull())
    .addColumn('meta_revision', t.integer, (c) => c.notNull())
    .addColumn('meta', t.blob, (c) => c.notNull())
    .addColumn('latest_version', t.integer, (c) => c.notNull())
    // A stage label sits on at most one version: one column each.
    .addColumn('current_version', t.integer)
    .addColumn('pending_version', t.integer)
    .addColumn('previous_version', t.integer)
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('updated_at', t.integer, (c) => c.notNull())
    .addColumn('deleted_at', t.integer)
    .addColumn('purge_at', t.integer)
    .modifyEnd(t.strict)
    .execute()
  await db.schema.createIndex('secrets_user').on('secrets').column('user_id').execute()
  await db.schema
    .createIndex('secrets_purge_at')
    .on('secrets')
    .column('purge_at')
    .where(sql.ref('purge_at'), 'is not', null)
    .execute()

  await db.schema
    .createTable('secret_versions')
    .addColumn('secret_id', t.blob, (c) => c.notNull().references('secrets.id').onDelete('cascade'))
    .addColumn('version', t.integer, (c) => c.notNull())
    .addColumn('wrapped_key', t.blob, (c) => c.notNull())
    .addColumn('ciphertext', t.blob, (c) => c.notNull())
    .addColumn('restored_from', t.integer)
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addPrimaryKeyConstraint('secret_versions_pk', ['secret_id', 'version'])
    .modifyEnd(t.strict)
    .execute()

  await db.schema
    .createTable('vault_shares')
    // No foreign key to shares: that row is deleted when the share is used up, expired or revoked.
    .addColumn('share_id', t.blob, (c) => c.primaryKey().notNull())
    .addColumn('secret_id', t.blob, (c) => c.notNull().references('secrets.id').onDelete('cascade'))
    .addColumn('user_id', t.blob, (c) => c.notNull())
    .addColumn('version', t.integer, (c) => c.notNull())
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('expires_at', t.integer, (c) => c.notNull())
    .addColumn('max_views', t.integer, (c) => c.notNull())
    .addColumn('revoked_at', t.integer)
    // Times of successful opens, "ms," repeated (as shares.opened_at, which dies with its row).
    .addColumn('opened_at', 'text', (c) => c.notNull().defaultTo(''))
    .modifyEnd(t.strict)
    .execute()
  await db.schema
    .createIndex('vault_shares_secret')
    .on('vault_shares')
    .column('secret_id')
    .execute()

  // Marks shares made from a vault secret, so opening any other share never looks at vault_shares.
  await db.schema
    .alterTable('shares')
    .addColumn('from_vault', t.integer, (c) => c.notNull().defaultTo(0))
    .execute()

  // Account events (share events keep user_id null). The index is partial: anonymous share rows,
  // the hot path, pay nothing for it.
  await db.schema.alterTable('audit').addColumn('user_id', t.blob).execute()
  await db.schema.alterTable('audit').addColumn('secret_id', t.blob).execute()
  await db.schema.alterTable('audit').addColumn('actor', 'text').execute()
  await db.schema.alterTable('audit').addColumn('agent', 'text').execute()
  await db.schema.alterTable('audit').addColumn('detail', 'text').execute()
  await db.schema
    .createIndex('audit_user')
    .on('audit')
    .columns(['user_id', 'id'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_user').execute()
  await db.schema.alterTable('shares').dropColumn('from_vault').execute()
  for (const column of ['detail', 'agent', 'actor', 'secret_id', 'user_id']) {
    await db.schema.alterTable('audit').dropColumn(column).execute()
  }
  for (const table of [
    'vault_shares',
    'secret_versions',
    'secrets',
    'folders',
    'sessions',
    'users',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
