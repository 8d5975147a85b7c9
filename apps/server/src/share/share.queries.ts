/** @module Share and audit queries: plain functions taking `db` (or a transaction) first; snake_case stays here. */
import { sql, type Insertable, type Kysely } from 'kysely'
import type { AuditTable, Database, ShareTable } from '../db/database.ts'
import { skipLocked } from '../db/dialect.ts'
import { prepared } from '../db/prepared.ts'
import { ENDED_SHARE_COLUMNS, type EndedShareRow } from './tombstone.ts'

type Db = Kysely<Database>

/** Inserts a share; false when the id is already taken (no exception, so a batch is not spoiled). */
export async function insertShare(db: Db, row: NewShareRow): Promise<boolean> {
  const { rows } = await insertShareQuery(db, row)
  return rows.length > 0
}

type NewShareRow = Required<Omit<Insertable<ShareTable>, 'failed_attempts' | 'opened_at'>>

const insertShareQuery = prepared<Database, NewShareRow, { id: Buffer }>((db, a) =>
  db
    .insertInto('shares')
    .values({
      id: a.id,
      verifier: a.verifier,
      ciphertext: a.ciphertext,
      manage_token_hash: a.manage_token_hash,
      ttl_seconds: a.ttl_seconds,
      max_views: a.max_views,
      views_left: a.views_left,
      created_at: a.created_at,
      expires_at: a.expires_at,
      from_vault: a.from_vault,
      receipt_email: a.receipt_email,
      receipt_user_id: a.receipt_user_id,
      receipt_label: a.receipt_label,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id'),
)

/** Everything about a share except its ciphertext. */
export async function findShare(db: Db, id: Buffer) {
  const { rows } = await findShareQuery(db, { id })
  return rows[0]
}

const findShareQuery = prepared((db: Db, a: { id: Buffer }) =>
  db
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
      'from_vault',
    ])
    .where('id', '=', a.id),
)

export interface ConsumedView {
  ciphertext: Buffer
  views_left: number
  expires_at: number
  ttl_seconds: number
  max_views: number
}

type ViewArgs = { id: Buffer; verifier: Buffer; now: number; openedEntry: string }
const RETURNED = ['ciphertext', 'views_left', 'expires_at', 'ttl_seconds', 'max_views'] as const

const takeViewQuery = prepared((db: Db, a: ViewArgs) =>
  db
    .updateTable('shares')
    .set((eb) => ({
      views_left: eb('views_left', '-', 1),
      opened_at: sql<string>`${eb.ref('opened_at')} || ${a.openedEntry}`,
    }))
    .where('id', '=', a.id)
    .where('verifier', '=', a.verifier)
    .where('views_left', '>', 1)
    .where('expires_at', '>', a.now)
    .returning(RETURNED),
)

/** The burned row, less its id and views_left (the caller has both), each column once. */
const LAST_VIEW_COLUMNS = [
  ...RETURNED.filter((c) => c !== 'views_left'),
  ...ENDED_SHARE_COLUMNS.filter((c) => c !== 'id' && !(RETURNED as readonly string[]).includes(c)),
]

const takeLastViewQuery = prepared((db: Db, a: Omit<ViewArgs, 'openedEntry'>) =>
  db
    .deleteFrom('shares')
    .where('id', '=', a.id)
    .where('verifier', '=', a.verifier)
    .where('views_left', '=', 1)
    .where('expires_at', '>', a.now)
    // Only what the caller does not know: each returned column is a value better-sqlite3 makes
    // through V8's API, and a blob (the id) a new Buffer, about 4,000 instructions.
    .returning(LAST_VIEW_COLUMNS),
)

export type BurnedView = ConsumedView & { ended?: EndedShareRow }

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
): Promise<BurnedView | undefined> {
  if (viewsLeftSeen > 1) {
    const { rows } = await takeViewQuery(db, { id, verifier, now, openedEntry: `${now},` })
    if (rows[0]) return rows[0]
  }
  return takeLastView(db, id, verifier, now)
}

/**
 * Deletes a live share whose last view this is, when `verifier` is its verifier; undefined
 * otherwise (unknown, expired, more views left, or another verifier), with nothing changed.
 */
export async function takeLastView(
  db: Db,
  id: Buffer,
  verifier: Buffer,
  now: number,
): Promise<(BurnedView & { from_vault: number; ended: EndedShareRow }) | undefined> {
  const { rows } = await takeLastViewQuery(db, { id, verifier, now })
  const row = rows[0]
  if (!row) return undefined
  // Written out rather than spread from the row: one burn copies it twice.
  const ended: EndedShareRow = {
    id,
    manage_token_hash: row.manage_token_hash,
    max_views: row.max_views,
    failed_attempts: row.failed_attempts,
    // The deleted row's open list lacks this (last) view.
    opened_at: `${row.opened_at}${now},`,
    created_at: row.created_at,
    expires_at: row.expires_at,
    from_vault: row.from_vault,
    receipt_email: row.receipt_email,
    receipt_user_id: row.receipt_user_id,
    receipt_label: row.receipt_label,
  }
  return {
    ciphertext: row.ciphertext,
    views_left: 0,
    expires_at: row.expires_at,
    ttl_seconds: row.ttl_seconds,
    max_views: row.max_views,
    from_vault: row.from_vault,
    ended,
  }
}

const failedAttemptQuery = prepared((db: Db, a: { id: Buffer; now: number }) =>
  db
    .updateTable('shares')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', a.id)
    .where('expires_at', '>', a.now)
    .returning('failed_attempts'),
)

/** Counts one wrong `access` on a live share; returns the new count, or undefined when it is gone. */
export async function recordFailedAttempt(
  db: Db,
  id: Buffer,
  now: number,
): Promise<number | undefined> {
  const { rows } = await failedAttemptQuery(db, { id, now })
  return rows[0]?.failed_attempts
}

const deleteShareQuery = prepared((db: Db, a: { id: Buffer }) =>
  db.deleteFrom('shares').where('id', '=', a.id).returning(ENDED_SHARE_COLUMNS),
)

/** Deletes a share; returns what its tombstone needs, or undefined when there was none. */
export async function deleteShare(db: Db, id: Buffer): Promise<EndedShareRow | undefined> {
  const { rows } = await deleteShareQuery(db, { id })
  return rows[0]
}

const deleteIfExpiredQuery = prepared((db: Db, a: { id: Buffer; now: number }) =>
  db
    .deleteFrom('shares')
    .where('id', '=', a.id)
    .where('expires_at', '<=', a.now)
    .returning(ENDED_SHARE_COLUMNS),
)

export async function deleteShareIfExpired(
  db: Db,
  id: Buffer,
  now: number,
): Promise<EndedShareRow | undefined> {
  const { rows } = await deleteIfExpiredQuery(db, { id, now })
  return rows[0]
}

/** Deletes up to `limit` expired shares, oldest expiry first; returns what their tombstones need. */
export async function deleteExpiredBatch(
  db: Db,
  now: number,
  limit: number,
): Promise<EndedShareRow[]> {
  return db
    .deleteFrom('shares')
    .where('id', 'in', (eb) =>
      skipLocked(
        eb
          .selectFrom('shares')
          .select('id')
          .where('expires_at', '<=', now)
          .orderBy('expires_at')
          .limit(limit),
        db,
      ),
    )
    .returning(ENDED_SHARE_COLUMNS)
    .execute()
}

type AuditRow = Pick<Insertable<AuditTable>, 'at' | 'event' | 'share_id' | 'result' | 'client_hash'>

const insertAuditQuery = prepared((db: Db, a: Required<AuditRow>) =>
  db.insertInto('audit').values({
    at: a.at,
    event: a.event,
    share_id: a.share_id,
    result: a.result,
    client_hash: a.client_hash,
  }),
)

export async function insertAudit(db: Db, row: Required<AuditRow>): Promise<void> {
  await insertAuditQuery(db, row)
}

/** Many audit rows in one statement (the sweeper's batches). */
export async function insertAuditRows(db: Db, rows: AuditRow[]): Promise<void> {
  if (rows.length === 0) return
  await db.insertInto('audit').values(rows).execute()
}

export { parseOpenTimes } from './tombstone.ts'
