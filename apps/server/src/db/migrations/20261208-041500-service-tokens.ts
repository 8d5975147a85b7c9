/** @module Migration: service tokens and their grants, and the token an audit row is about (issue 11; frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('service_tokens')
    // The token id from its text: public, the row key the holder names in its header.
    .addColumn('id', t.blob, (c) => c.primaryKey().notNull())
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    // Clear text, shown in lists and the audit trail like a username (nothing secret).
    .addColumn('name', 'text', (c) => c.notNull())
    // SHA-256(prefix || authKey): a copy of the database authenticates as no token.
    .addColumn('verifier', t.blob, (c) => c.notNull())
    // wrapKey under the owner's userKey, and the root path sealed under wrapKey: ciphertext.
    .addColumn('owner_wrapped_key', t.blob, (c) => c.notNull())
    .addColumn('token_meta', t.blob, (c) => c.notNull())
    // No foreign key: deleting the (empty) root folder takes its grant, and the token then
    // reads nothing; the row stays for the list and the audit trail.
    .addColumn('root_folder_id', t.blob, (c) => c.notNull())
    .addColumn('include_subfolders', t.integer, (c) => c.notNull())
    .addColumn('read_write', t.integer, (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull().check(sql`stage in ('current', 'any')`))
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('expires_at', t.integer)
    .addColumn('revoked_at', t.integer)
    .addColumn('last_used_at', t.integer)
    // Keyed hash of the last address, as audit rows keep it; never the address.
    .addColumn('last_used_client', 'text')
    .modifyEnd(t.strict)
    .execute()
  await db.schema
    .createIndex('service_tokens_user')
    .on('service_tokens')
    .column('user_id')
    .execute()

  await db.schema
    .createTable('token_grants')
    .addColumn('token_id', t.blob, (c) =>
      c.notNull().references('service_tokens.id').onDelete('cascade'),
    )
    // Deleting a folder deletes every grant of its key.
    .addColumn('folder_id', t.blob, (c) => c.notNull().references('folders.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('root', 'subfolder')`))
    // The folder key wrapped under the token's wrapKey (keyring SPEC §11.3).
    .addColumn('wrapped_key', t.blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('token_grants_pk', ['token_id', 'folder_id'])
    .modifyEnd(t.strict)
    .execute()
  await db.schema
    .createIndex('token_grants_folder')
    .on('token_grants')
    .column('folder_id')
    .execute()

  // The token an account event is about (what it read, or what it was refused).
  await db.schema.alterTable('audit').addColumn('token_id', t.blob).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit').dropColumn('token_id').execute()
  await db.schema.dropTable('token_grants').execute()
  await db.schema.dropTable('service_tokens').execute()
}
