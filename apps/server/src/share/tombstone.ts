/**
 * @module Share tombstones: the receipt a share leaves when it ends (read, expired, deleted,
 * destroyed), so its creator still learns what happened (issue 12). Written in the transaction
 * that deletes the share; holds times, counters and the manage token's hash, never the
 * ciphertext or the verifier, so it can neither reveal nor burn anything.
 */
import { SHARE_LIMITS } from '@secretsentry/contract/limits'
import type { OnConflictBuilder } from 'kysely'
import type { Database, Db, ShareEnding, ShareTombstoneTable } from '../db/database.ts'
import { skipLocked } from '../db/dialect.ts'
import { prepared } from '../db/prepared.ts'

/** What a deleting statement returns about the share it deleted: enough for its tombstone. */
export interface EndedShareRow {
  id: Buffer
  manage_token_hash: Buffer
  max_views: number
  failed_attempts: number
  opened_at: string
  created_at: number
  expires_at: number
  from_vault: number
  receipt_email: string | null
  receipt_user_id: Buffer | null
  receipt_label: string | null
}

/** The columns a DELETE ... RETURNING names to fill `EndedShareRow`. */
export const ENDED_SHARE_COLUMNS = [
  'id',
  'manage_token_hash',
  'max_views',
  'failed_attempts',
  'opened_at',
  'created_at',
  'expires_at',
  'from_vault',
  // The receipt request rides on the row the ending deletes: no extra query for shares without one.
  'receipt_email',
  'receipt_user_id',
  'receipt_label',
] as const

/** A share ended; told to the `onShareEnded` hook inside the transaction that ended it. */
export interface ShareEnded {
  shareId: Buffer
  how: ShareEnding
  /** When it ended; for `expired`, its expiry (the sweeper may come later). */
  at: number
  /** Times of its consumed views, oldest first. */
  opens: number[]
  createdAt: number
  /** The share's original expiry. */
  expiresAt: number
  maxViews: number
  /** What its creator asked to be told, when they asked for a receipt at creation. */
  receipt?: ReceiptRequest
}

/** A receipt request as stored on the share row: to an address or to an account's channels. */
export type ReceiptRequest =
  { email: string; label: string | null } | { userId: Buffer; label: string | null }

/** The row's receipt request, if it has one (both columns set cannot happen: the create sets one). */
export function receiptOf(row: EndedShareRow): ReceiptRequest | undefined {
  if (row.receipt_email !== null) return { email: row.receipt_email, label: row.receipt_label }
  if (row.receipt_user_id !== null) return { userId: row.receipt_user_id, label: row.receipt_label }
  return undefined
}

/**
 * Called in the transaction that ends a share, after its tombstone is written: what it writes
 * (an outbox row for a read receipt, say) commits or rolls back with the burn itself. Throwing
 * rolls the burn back. The default is none: a share ending then costs nothing beyond its tombstone.
 */
export type ShareEndedHook = (trx: Db, ended: ShareEnded) => Promise<void>

/** Entries kept in a tombstone's open list; a share has at most viewsMax views, so none is lost. */
export const MAX_TOMBSTONE_OPENS = SHARE_LIMITS.viewsMax

/**
 * When a tombstone is swept: at the share's original expiry, as the share itself would have
 * been; a share that expired keeps its receipt `expiredReceiptSeconds` more ("Expired unread"
 * must be visible after the expiry that caused it).
 */
export function purgeAt(how: ShareEnding, expiresAt: number, endedAt: number): number {
  if (how === 'expired') return expiresAt + SHARE_LIMITS.expiredReceiptSeconds * 1000
  return Math.max(expiresAt, endedAt)
}

/** Parses an open list: "ms," repeated. */
export function parseOpenTimes(openedAt: string): number[] {
  return openedAt
    .split(',')
    .filter((part) => part.length > 0)
    .map(Number)
}

function capOpens(openedAt: string): string {
  const opens = parseOpenTimes(openedAt)
  if (opens.length <= MAX_TOMBSTONE_OPENS) return openedAt
  return opens
    .slice(-MAX_TOMBSTONE_OPENS)
    .map((at) => `${at},`)
    .join('')
}

/** A tombstone row (a mapped type, so it fits `prepared`'s argument record). */
type TombstoneRow = Required<ShareTombstoneTable>

export function tombstoneOf(row: EndedShareRow, how: ShareEnding, endedAt: number): TombstoneRow {
  return {
    id: row.id,
    manage_token_hash: row.manage_token_hash,
    max_views: row.max_views,
    failed_attempts: row.failed_attempts,
    opened_at: capOpens(row.opened_at),
    how,
    created_at: row.created_at,
    expires_at: row.expires_at,
    ended_at: endedAt,
    purge_at: purgeAt(how, row.expires_at, endedAt),
  }
}

const insertTombstoneQuery = prepared((db: Db, a: TombstoneRow) =>
  db
    .insertInto('share_tombstones')
    .values({
      id: a.id,
      manage_token_hash: a.manage_token_hash,
      max_views: a.max_views,
      failed_attempts: a.failed_attempts,
      opened_at: a.opened_at,
      how: a.how,
      created_at: a.created_at,
      expires_at: a.expires_at,
      ended_at: a.ended_at,
      purge_at: a.purge_at,
    })
    .onConflict(replaceOlder),
)

/**
 * A share ends once (the statement that deleted its row returned it), but a client may create a
 * new share under the id of one that ended: its ending replaces the older receipt.
 */
const replaceOlder = (oc: OnConflictBuilder<Database, 'share_tombstones'>) =>
  oc.column('id').doUpdateSet((eb) => ({
    manage_token_hash: eb.ref('excluded.manage_token_hash'),
    max_views: eb.ref('excluded.max_views'),
    failed_attempts: eb.ref('excluded.failed_attempts'),
    opened_at: eb.ref('excluded.opened_at'),
    how: eb.ref('excluded.how'),
    created_at: eb.ref('excluded.created_at'),
    expires_at: eb.ref('excluded.expires_at'),
    ended_at: eb.ref('excluded.ended_at'),
    purge_at: eb.ref('excluded.purge_at'),
  }))

/**
 * Records that shares ended: a tombstone for each, then the hook, all in the caller's transaction.
 * `endedAt` is the time of the ending; for `expired` each share's own expiry is used instead.
 */
export async function recordEnded(
  trx: Db,
  rows: readonly EndedShareRow[],
  how: ShareEnding,
  endedAt: number,
  hook: ShareEndedHook | undefined,
): Promise<void> {
  if (rows.length === 0) return
  const tombstones = rows.map((r) =>
    tombstoneOf(r, how, how === 'expired' ? r.expires_at : endedAt),
  )
  if (tombstones.length === 1) await insertTombstoneQuery(trx, tombstones[0] as TombstoneRow)
  else
    await trx.insertInto('share_tombstones').values(tombstones).onConflict(replaceOlder).execute()
  if (!hook) return
  for (const [i, row] of rows.entries()) {
    const t = tombstones[i] as TombstoneRow
    const receipt = receiptOf(row)
    await hook(trx, {
      shareId: row.id,
      how,
      at: t.ended_at,
      opens: parseOpenTimes(t.opened_at),
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      maxViews: row.max_views,
      ...(receipt ? { receipt } : {}),
    })
  }
}

const findTombstoneQuery = prepared((db: Db, a: { id: Buffer }) =>
  db
    .selectFrom('share_tombstones')
    .select([
      'manage_token_hash',
      'max_views',
      'failed_attempts',
      'opened_at',
      'how',
      'created_at',
      'expires_at',
      'ended_at',
      'purge_at',
    ])
    .where('id', '=', a.id),
)

export async function findTombstone(db: Db, id: Buffer) {
  const { rows } = await findTombstoneQuery(db, { id })
  return rows[0]
}

/**
 * Deletes up to `limit` tombstones whose time is up; returns how many. On PostgreSQL rows another
 * instance's sweeper holds are skipped, so several instances sweep side by side.
 */
export async function deleteDueTombstones(db: Db, now: number, limit: number): Promise<number> {
  const rows = await db
    .deleteFrom('share_tombstones')
    .where('id', 'in', (eb) =>
      skipLocked(
        eb
          .selectFrom('share_tombstones')
          .select('id')
          .where('purge_at', '<=', now)
          .orderBy('purge_at')
          .limit(limit),
        db,
      ),
    )
    .returning('id')
    .execute()
  return rows.length
}
