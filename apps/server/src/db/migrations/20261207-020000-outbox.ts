/** @module Migration: the outbox of notifications to deliver and each account's delivery channels (issue 12; frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('notification_channels')
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'webhook' or 'email': at most one of each per account.
    .addColumn('kind', 'text', (c) => c.notNull())
    // The webhook URL or the email address.
    .addColumn('target', 'text', (c) => c.notNull())
    // Webhooks: the raw HMAC key (Standard Webhooks signs with it, so it cannot be stored hashed).
    .addColumn('secret', t.blob)
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('last_success_at', t.integer)
    .addColumn('last_failure_at', t.integer)
    // A short reason such as "HTTP 500" or "timed out"; never a response body.
    .addColumn('last_error', 'text')
    .addColumn('consecutive_failures', t.integer, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('notification_channels_pk', ['user_id', 'kind'])
    .modifyEnd(t.strict)
    .execute()

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    // The event id (webhook-id): the same for every attempt and every channel of one event.
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('user_id', t.blob, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // The whole event as JSON ({type, id, timestamp, data}); never a secret, link or key.
    .addColumn('payload', 'text', (c) => c.notNull())
    // 'pending', 'delivered', 'failed' (gave up) or 'dropped' (the channel was removed).
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.integer, (c) => c.notNull())
    .addColumn('next_attempt_at', t.integer, (c) => c.notNull())
    // A worker that claimed the row holds it until then; a crashed one's claim simply lapses.
    .addColumn('lease_until', t.integer)
    .addColumn('last_error', 'text')
    .addColumn('done_at', t.integer)
    .modifyEnd(t.strict)
    .execute()
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
  await db.schema.dropTable('outbox').execute()
  await db.schema.dropTable('notification_channels').execute()
}
