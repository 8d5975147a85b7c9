/**
 * @module Migration: receipts a share's creator asks for at creation (issue 12). The request lives
 * on the share row, so ending a share without one costs no extra query; the outbox takes rows
 * for an address that is no account's channel (frozen in time, so `Kysely<any>`).
 */
import { sql, type Kysely } from 'kysely'
import { columnTypes, dialectOf } from '../dialect.ts'

/**
 * A row goes to an account's channel (user_id, no address) or to one address (no user_id); the
 * address is cleared once the row is done, so a pending row always has somewhere to go.
 */
const OUTBOX_TARGET_CHECK = sql`(user_id is null or address is null) and (user_id is not null or address is not null or status <> 'pending')`

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  // The address a receipt is mailed to, in clear until the share ends (deleted with the row).
  await db.schema.alterTable('shares').addColumn('receipt_email', 'text').execute()
  // The account whose channels (webhook, alert email) get the receipt.
  await db.schema.alterTable('shares').addColumn('receipt_user_id', columnTypes(db).blob).execute()
  // The creator's label, only when they chose to send it with the receipt.
  await db.schema.alterTable('shares').addColumn('receipt_label', 'text').execute()

  if (dialectOf(db) === 'postgres') {
    // PostgreSQL runs every migration in a transaction: the three changes land together.
    await sql`alter table outbox alter column user_id drop not null`.execute(db)
    await db.schema.alterTable('outbox').addColumn('address', 'text').execute()
    await sql`alter table outbox add constraint outbox_target check (${OUTBOX_TARGET_CHECK})`.execute(
      db,
    )
    return
  }
  // SQLite cannot drop a NOT NULL: the table is rebuilt (its documented 12-step procedure), in one
  // transaction, since Kysely runs SQLite migrations outside one.
  await db.transaction().execute(async (trx) => {
    await createOutbox(trx, 'outbox_new', true)
    await sql`insert into outbox_new (id, event_id, user_id, channel, type, payload, status, attempts, created_at, next_attempt_at, lease_until, last_error, done_at)
      select id, event_id, user_id, channel, type, payload, status, attempts, created_at, next_attempt_at, lease_until, last_error, done_at from outbox`.execute(
      trx,
    )
    await trx.schema.dropTable('outbox').execute()
    await sql`alter table outbox_new rename to outbox`.execute(trx)
    await outboxIndexes(trx)
  })
}

/** The outbox as the 20261207-020000 migration made it, with `address` and its check when `receipts`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function createOutbox(db: Kysely<any>, name: string, receipts: boolean): Promise<void> {
  const t = columnTypes(db)
  let table = db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('user_id', t.blob, (c) => {
      const col = c.references('users.id').onDelete('cascade')
      return receipts ? col : col.notNull()
    })
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('next_attempt_at', t.integer, (c) => c.notNull())
    .addColumn('lease_until', t.integer)
    .addColumn('last_error', 'text')
    .addColumn('done_at', t.integer)
  if (receipts)
    table = table
      .addColumn('address', 'text')
      .addCheckConstraint('outbox_target', OUTBOX_TARGET_CHECK)
  await table.modifyEnd(t.strict).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function outboxIndexes(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('outbox_due')
    .on('outbox')
    .columns(['status', 'next_attempt_at'])
    .execute()
  await db.schema
    .createIndex('outbox_user')
    .on('outbox')
    .columns(['user_id', 'created_at'])
    .execute()
  await db.schema.createIndex('outbox_done').on('outbox').column('done_at').execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  // Receipts to an address have no account to go back to.
  await db.deleteFrom('outbox').where('user_id', 'is', null).execute()
  if (dialectOf(db) === 'postgres') {
    await sql`alter table outbox drop constraint outbox_target`.execute(db)
    await db.schema.alterTable('outbox').dropColumn('address').execute()
    await sql`alter table outbox alter column user_id set not null`.execute(db)
  } else {
    await db.transaction().execute(async (trx) => {
      await createOutbox(trx, 'outbox_old', false)
      await sql`insert into outbox_old (id, event_id, user_id, channel, type, payload, status, attempts, created_at, next_attempt_at, lease_until, last_error, done_at)
        select id, event_id, user_id, channel, type, payload, status, attempts, created_at, next_attempt_at, lease_until, last_error, done_at from outbox`.execute(
        trx,
      )
      await trx.schema.dropTable('outbox').execute()
      await sql`alter table outbox_old rename to outbox`.execute(trx)
      await outboxIndexes(trx)
    })
  }
  for (const column of ['receipt_label', 'receipt_user_id', 'receipt_email'])
    await db.schema.alterTable('shares').dropColumn(column).execute()
}
