/** @module Migration: the addresses each service token was used from, for the new-address alert (issue 12; frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('token_clients')
    .addColumn('token_id', t.blob, (c) =>
      c.notNull().references('service_tokens.id').onDelete('cascade'),
    )
    // The audit's keyed hash of the address, never the address.
    .addColumn('address_hash', 'text', (c) => c.notNull())
    .addColumn('first_at', t.integer, (c) => c.notNull())
    .addPrimaryKeyConstraint('token_clients_pk', ['token_id', 'address_hash'])
    .modifyEnd(t.strict)
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_clients').execute()
}
