/** @module Migration: the clients (kind of app + network) each account has logged in from, for the new-client alert (issue 12; frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('login_clients')
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'browser', 'cli' or 'other': the user-agent class the audit keeps, never the string.
    .addColumn('agent', 'text', (c) => c.notNull())
    // The keyed hash login_addresses uses (an IPv4 address or an IPv6 /64), never the address.
    .addColumn('address_hash', 'text', (c) => c.notNull())
    .addColumn('first_at', t.integer, (c) => c.notNull())
    .addColumn('last_at', t.integer, (c) => c.notNull())
    .addPrimaryKeyConstraint('login_clients_pk', ['user_id', 'agent', 'address_hash'])
    .modifyEnd(t.strict)
    .execute()
  await db.schema
    .createIndex('login_clients_last_at')
    .on('login_clients')
    .column('last_at')
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_clients').execute()
}
