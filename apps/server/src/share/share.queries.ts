/** @module Share and audit queries: plain functions taking `db` (or a transaction) first; snake_case stays here. */
import { sql, type Insertable, type Kysely } from 'kysely'
import type { AuditTable, Database, ShareTable } from '../db/database.ts'

type Db = Kysely<Database>

/** Inserts a share; false when the id is already taken (no exception, so a batch is not spoiled). */
export async function insertShare(db: Db, row: Insertable<ShareTable>): Promise<boolean> {
  const inserted = await db
    .insertInto('shares')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** Everything about a share except its ciphertext. */
export function findShare(db: Db, id: Buffer) {
  return db
    .selectFrom('shares')
    .select([
      'verifier',
      'manage_token_hash',
      'views_left',
      'max_views',
      'ttl_seconds',
      'failed_attempts',
      'created_at',
      'expires_at',
      'opened_at',
    ])
    .where('id', '=', id)
    .executeTakeFirst()
}

export interface ConsumedView {
  ciphertext: Buffer
  views_left: number
  expires_at: number
  ttl_seconds: number
  max_views: number
}

/**
 * The burn (SPEC §6): each statement checks id, verifier, views and expiry and changes the row
 * in one step, so of N concurrent opens of a 1-view share exactly one gets the row, on SQLite
 * and on PostgreSQL alike. The last view DELETEs the row: the ciphertext is gone, not flagged.
 * `viewsLeftSeen` only picks which statement to try first.
 */
export async function consumeView(
  db: Db,
  id: Buffer,
  verifier: Buffer,
  now: number,
  viewsLeftSeen: number,
): Promise<ConsumedView | undefined> {
  const returned = ['ciphertext', 'views_left', 'expires_at', 'ttl_seconds', 'max_views'] as const
  const takeOne = () =>
    db
      .updateTable('shares')
      .set((eb) => ({
        views_left: eb('views_left', '-', 1),
        opened_at: sql<string>`${eb.ref('opened_at')} || ${`${now},`}`,
      }))
      .where('id', '=', id)
      .where('verifier', '=', verifier)
      .where('views_left', '>', 1)
      .where('expires_at', '>', now)
      .returning(returned)
      .executeTakeFirst()
  const takeLast = async () => {
    const row = await db
      .deleteFrom('shares')
      .where('id', '=', id)
      .where('verifier', '=', verifier)
      .where('views_left', '=', 1)
      .where('expires_at', '>', now)
      .returning(returned)
      .executeTakeFirst()
    return row && { ...row, views_left: 0 }
  }
  if (viewsLeftSeen > 1) return (await takeOne()) ?? (await takeLast())
  return takeLast()
}

/** Counts one wrong `access` on a live share; returns the new count, or undefined when it is gone. */
export async function recordFailedAttempt(db: Db, id: Buffer, now: number): Promise<number | undefined> {
  const row = await db
    .updateTable('shares')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .returning('failed_attempts')
    .executeTakeFirst()
  return row?.failed_attempts
}

export async function deleteShare(db: Db, id: Buffer): Promise<boolean> {
  const row = await db.deleteFrom('shares').where('id', '=', id).returning('id').executeTakeFirst()
  return row !== undefined
}

export async function deleteShareIfExpired(db: Db, id: Buffer, now: number): Promise<boolean> {
  const row = await db
    .deleteFrom('shares')
    .where('id', '=', id)
    .where('expires_at', '<=', now)
    .returning('id')
    .executeTakeFirst()
  return row !== undefined
}

/** Deletes up to `limit` expired shares, oldest expiry first; returns their ids. */
export async function deleteExpiredBatch(db: Db, now: number, limit: number): Promise<Buffer[]> {
  const rows = await db
    .deleteFrom('shares')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('shares')
        .select('id')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit),
    )
    .returning('id')
    .execute()
  return rows.map((r) => r.id)
}

export async function insertAudit(db: Db, rows: Insertable<AuditTable>[]): Promise<void> {
  if (rows.length === 0) return
  await db.insertInto('audit').values(rows).execute()
}

/** Parses the `opened_at` column: "ms," repeated. */
export function parseOpenTimes(openedAt: string): number[] {
  return openedAt
    .split(',')
    .filter((part) => part.length > 0)
    .map(Number)
}

/** SQLite file size in bytes (pages in use and free), for the metrics. */
export async function databaseSizeBytes(db: Db): Promise<number> {
  const { rows } = await sql<{ size: number }>`
    select page_count * page_size as size from pragma_page_count(), pragma_page_size()
  `.execute(db)
  return rows[0]?.size ?? 0
}
