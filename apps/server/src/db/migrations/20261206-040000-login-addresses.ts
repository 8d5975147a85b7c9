/** @module Migration: the addresses each account has logged in from, so a stranger's failed logins cannot lock its owner out (issue 8; frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('login_addresses')
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    // HMAC of the rate-limit key (an IPv4 address or an IPv6 /64) under the audit key, never the address.
    .addColumn('address_hash', 'text', (c) => c.notNull())
    .addColumn('last_ok_at', t.integer, (c) => c.notNull())
    .addPrimaryKeyConstraint('login_addresses_pk', ['user_id', 'address_hash'])
    .modifyEnd(t.strict)
    .execute()
  await db.schema
    .createIndex('login_addresses_last_ok')
    .on('login_addresses')
    .column('last_ok_at')
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_addresses').execute()
}
