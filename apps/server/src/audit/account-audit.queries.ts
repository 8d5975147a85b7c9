/** @module Queries over an account's audit trail: plain functions taking `db` (or a transaction) first. */
import type { Insertable, Kysely } from 'kysely'
import type { AuditEventName, AuditResult } from '@secretsentry/contract/types'
import type { AuditTable, Database } from '../db/database.ts'

type Db = Kysely<Database>

export type AccountAuditRow = Omit<Insertable<AuditTable>, 'id'>

export async function insertAccountAudit(db: Db, row: AccountAuditRow): Promise<void> {
  await db.insertInto('audit').values(row).execute()
}

/**
 * The newest rows of one account scanned for the alert count: bounded work per failed login or
 * denied access however long the account's history (an attacker can cause those events).
 */
const RECENT_SCAN_LIMIT = 5000

/** Rows of `events` on the account since `since`, among its newest RECENT_SCAN_LIMIT rows. */
export async function countRecent(
  db: Db,
  userId: Buffer,
  events: AuditEventName[],
  since: number,
  /** Only rows whose detail contains this. */
  detailContains?: string,
): Promise<number> {
  let query = db
    .selectFrom((eb) =>
      eb
        .selectFrom('audit')
        .select(['event', 'at', 'detail'])
        .where('user_id', '=', userId)
        .orderBy('id', 'desc')
        .limit(RECENT_SCAN_LIMIT)
        .as('recent'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('event', 'in', events)
    .where('at', '>=', since)
  if (detailContains !== undefined) query = query.where('detail', 'like', `%${detailContains}%`)
  const row = await query.executeTakeFirst()
  return row?.n ?? 0
}

export interface AuditFilter {
  userId: Buffer
  limit: number
  before?: number
  event?: AuditEventName
  secretId?: Buffer
  result?: AuditResult
  tokenId?: Buffer
}

/** The account's events, newest first, each with the name of the token it is about (if any). */
export async function listAccountAudit(db: Db, f: AuditFilter) {
  let query = db
    .selectFrom('audit as a')
    // Token rows are kept after revocation, so every token event keeps its name.
    .leftJoin('service_tokens as t', 't.id', 'a.token_id')
    .select([
      'a.id',
      'a.at',
      'a.event',
      'a.result',
      'a.actor',
      'a.client_hash',
      'a.agent',
      'a.secret_id',
      'a.share_id',
      'a.detail',
      'a.token_id',
      't.name as token_name',
    ])
    .where('a.user_id', '=', f.userId)
  if (f.before !== undefined) query = query.where('a.id', '<', f.before)
  if (f.event !== undefined) query = query.where('a.event', '=', f.event)
  if (f.secretId !== undefined) query = query.where('a.secret_id', '=', f.secretId)
  if (f.result !== undefined) query = query.where('a.result', '=', f.result)
  if (f.tokenId !== undefined) query = query.where('a.token_id', '=', f.tokenId)
  return query.orderBy('a.id', 'desc').limit(f.limit).execute()
}
