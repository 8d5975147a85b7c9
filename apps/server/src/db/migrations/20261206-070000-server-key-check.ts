/** @module Migration: the fingerprint of the server key the instances on this database share (issue 9; frozen in time, so `Kysely<any>`). */
import { sql, type Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('server_key_check')
    // One row: the first instance to start records its key's fingerprint, later ones compare.
    .addColumn('id', t.integer, (c) => c.primaryKey().check(sql`id = 1`))
    // HMAC of a constant under the key: tells keys apart, reveals nothing of the key itself.
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .modifyEnd(t.strict)
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('server_key_check').execute()
}
