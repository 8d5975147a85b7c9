/** @module The share rules of SPEC §4/§6 as write operations; each returns an outcome, never throws a refusal. */
import crypto from 'node:crypto'
import { SHARE_LIMITS } from '@secretsentry/contract/limits'
import type { Agent, ClientInfo } from '../audit/account-audit.ts'
import type { ShareState } from '@secretsentry/contract/types'
import type { AuditEvent, Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import * as q from './share.queries.ts'
import {
  deleteDueTombstones,
  findTombstone,
  recordEnded,
  type ReceiptRequest,
  type ShareEndedHook,
} from './tombstone.ts'

export interface ShareDeps {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  /** Told about opens and deletions inside their transaction (the vault audits its own shares). */
  events?: ShareEvents
  /** Told when a share ends, inside that transaction (see ShareEndedHook); none by default. */
  onShareEnded?: ShareEndedHook
}

export interface ShareEvents {
  /** A view was consumed (`ok`), or a wrong access value was counted. */
  opened(trx: Db, id: Buffer, ok: boolean, now: number, client: ClientInfo): Promise<void>
  /** Deleted early with its manage token or access value. */
  deleted(trx: Db, id: Buffer, now: number): Promise<void>
}

/** One-shot hashing: no Hash object per call. */
export const sha256 = (data: Uint8Array): Buffer => crypto.hash('sha256', data, 'buffer')

/** Secret comparisons run in constant time, so response timing tells nothing about the stored value. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

const audit = (
  event: AuditEvent,
  shareId: Buffer | null,
  result: string,
  clientHash: string | null,
  at: number,
) => ({
  at,
  event,
  share_id: shareId,
  result,
  client_hash: clientHash,
})

export interface NewShare {
  id: Buffer
  verifier: Buffer
  ciphertext: Buffer
  ttlSeconds: number
  maxViews: number
  manageTokenHash: Buffer
  /** Tell the creator when it ends (issue 12); kept on the share row until then. */
  receipt?: ReceiptRequest
}

export type CreateOutcome = { kind: 'created'; expiresAt: number } | { kind: 'conflict' }

export function createShare(
  deps: ShareDeps,
  share: NewShare,
  clientHash: string,
): Promise<CreateOutcome> {
  return deps.queue.run((trx) => insertShareOp(trx, share, deps.clock(), clientHash))
}

/** The create as a step of a larger write (a share made from a vault secret). */
export async function insertShareOp(
  trx: Db,
  share: NewShare,
  now: number,
  clientHash: string,
  fromVault = false,
): Promise<CreateOutcome> {
  const expiresAt = now + share.ttlSeconds * 1000
  const inserted = await q.insertShare(trx, {
    id: share.id,
    verifier: share.verifier,
    ciphertext: share.ciphertext,
    manage_token_hash: share.manageTokenHash,
    ttl_seconds: share.ttlSeconds,
    max_views: share.maxViews,
    views_left: share.maxViews,
    created_at: now,
    expires_at: expiresAt,
    from_vault: fromVault ? 1 : 0,
    receipt_email: share.receipt && 'email' in share.receipt ? share.receipt.email : null,
    receipt_user_id: share.receipt && 'userId' in share.receipt ? share.receipt.userId : null,
    receipt_label: share.receipt?.label ?? null,
  })
  if (!inserted) return { kind: 'conflict' }
  await q.insertAudit(trx, audit('share_created', share.id, 'ok', clientHash, now))
  return { kind: 'created', expiresAt }
}

export type OpenOutcome =
  | { kind: 'opened'; view: q.ConsumedView }
  /** Unknown, expired (`expired` true: the row was deleted just now) or used up. */
  | { kind: 'not_found'; expired: boolean }
  | { kind: 'wrong_access'; attemptsLeft: number; destroyed: boolean }

/**
 * Wrong access on a live share counts a failed attempt; the 5th destroys the share, after which
 * it is an ordinary 404 (SPEC §4). An expired row found here is deleted on the spot.
 */
export function openShare(
  deps: ShareDeps,
  id: Buffer,
  access: Uint8Array,
  clientHash: string,
  /** User-agent class, for the owner's trail when the share was made from a vault secret. */
  agent: Agent = 'other',
): Promise<OpenOutcome> {
  const presented = sha256(access)
  return deps.queue.run(async (trx): Promise<OpenOutcome> => {
    const now = deps.clock()
    // The last view of a live share (every 1-view share) is burned by one statement that finds
    // the row by id and compares the verifier in SQL. That comparison need not run in constant
    // time: both sides are SHA-256 digests and the presented one is of the caller's own input,
    // so its timing could at most reveal the stored digest, which does not give an access value
    // (the access value is 256 random bits). Anything else (wrong access, expired, more views
    // left) changed nothing and takes the path below, which looks at the row first.
    const burned = await q.takeLastView(trx, id, presented, now)
    if (burned) return opened(trx, deps, id, burned, now, clientHash, agent)
    const row = await q.findShare(trx, id)
    if (!row) return { kind: 'not_found', expired: false }
    if (row.expires_at <= now) {
      const expired = await q.deleteShareIfExpired(trx, id, now)
      if (!expired) return { kind: 'not_found', expired: false }
      await q.insertAudit(trx, audit('share_expired', id, 'on_open', null, now))
      await recordEnded(trx, [expired], 'expired', now, deps.onShareEnded)
      return { kind: 'not_found', expired: true }
    }
    if (!constantTimeEqual(presented, row.verifier)) {
      const outcome = await wrongAccess(trx, id, now, clientHash, deps.onShareEnded)
      // Only shares made from the vault are looked up there: the hot path of the others stays as it was.
      if (outcome.kind === 'wrong_access' && row.from_vault)
        await deps.events?.opened(trx, id, false, now, { hash: clientHash, agent })
      return outcome
    }
    const view = await q.consumeView(trx, id, row.verifier, now, row.views_left)
    if (!view) return { kind: 'not_found', expired: false }
    return opened(trx, deps, id, { ...view, from_vault: row.from_vault }, now, clientHash, agent)
  })
}

/** What a consumed view writes besides the row: its receipt (last view), audit and vault trail. */
async function opened(
  trx: Db,
  deps: ShareDeps,
  id: Buffer,
  view: q.BurnedView & { from_vault: number },
  now: number,
  clientHash: string,
  agent: Agent,
): Promise<OpenOutcome> {
  // The last view deleted the row: its receipt is written in the same transaction.
  if (view.ended) await recordEnded(trx, [view.ended], 'read', now, deps.onShareEnded)
  await q.insertAudit(
    trx,
    audit('share_opened', id, view.views_left === 0 ? 'last_view' : 'ok', clientHash, now),
  )
  if (view.from_vault) await deps.events?.opened(trx, id, true, now, { hash: clientHash, agent })
  return { kind: 'opened', view }
}

async function wrongAccess(
  trx: Db,
  id: Buffer,
  now: number,
  clientHash: string,
  onShareEnded: ShareEndedHook | undefined,
): Promise<OpenOutcome> {
  const failures = await q.recordFailedAttempt(trx, id, now)
  if (failures === undefined) return { kind: 'not_found', expired: false }
  const attemptsLeft = Math.max(0, SHARE_LIMITS.maxFailedAttempts - failures)
  await q.insertAudit(
    trx,
    audit('share_wrong_access', id, `attempts_left=${attemptsLeft}`, clientHash, now),
  )
  if (attemptsLeft > 0) return { kind: 'wrong_access', attemptsLeft, destroyed: false }
  const ended = await q.deleteShare(trx, id)
  if (ended) await recordEnded(trx, [ended], 'destroyed', now, onShareEnded)
  await q.insertAudit(
    trx,
    audit('share_destroyed', id, 'too_many_failed_attempts', clientHash, now),
  )
  return { kind: 'wrong_access', attemptsLeft: 0, destroyed: true }
}

export type StatusOutcome =
  | {
      kind: 'status'
      state: ShareState
      viewsLeft: number
      maxViews: number
      ttlSeconds: number
      createdAt: number
      expiresAt: number
      endedAt: number | null
      failedAttempts: number
      opens: number[]
    }
  | { kind: 'not_found' }
  | { kind: 'unauthorized' }

/**
 * Read-only, so it does not queue; it never returns content. A live share answers a wrong token
 * with 401 as before. A share that ended answers only its manage token: to anyone else it is the
 * same 404 as an unknown id (SPEC §4), so its receipt tells nobody else that it existed.
 */
export async function shareStatus(
  deps: ShareDeps,
  id: Buffer,
  manageToken: Uint8Array,
): Promise<StatusOutcome> {
  const now = deps.clock()
  const presented = sha256(manageToken)
  const row = await q.findShare(deps.db, id)
  if (row && row.expires_at > now) {
    if (!constantTimeEqual(presented, row.manage_token_hash)) return { kind: 'unauthorized' }
    return {
      kind: 'status',
      state: 'live',
      viewsLeft: row.views_left,
      maxViews: row.max_views,
      ttlSeconds: row.ttl_seconds,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      endedAt: null,
      failedAttempts: row.failed_attempts,
      opens: q.parseOpenTimes(row.opened_at),
    }
  }
  if (row) {
    // Expired, and the sweeper has not come yet: reported as its tombstone will say.
    if (!constantTimeEqual(presented, row.manage_token_hash)) return { kind: 'not_found' }
    return {
      kind: 'status',
      state: 'expired',
      viewsLeft: 0,
      maxViews: row.max_views,
      ttlSeconds: row.ttl_seconds,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      endedAt: row.expires_at,
      failedAttempts: row.failed_attempts,
      opens: q.parseOpenTimes(row.opened_at),
    }
  }
  const tomb = await findTombstone(deps.db, id)
  // A receipt past its time is gone, whether or not the sweeper has deleted it yet.
  if (!tomb || tomb.purge_at <= now) return { kind: 'not_found' }
  if (!constantTimeEqual(presented, tomb.manage_token_hash)) return { kind: 'not_found' }
  return {
    kind: 'status',
    state: tomb.how,
    viewsLeft: 0,
    maxViews: tomb.max_views,
    ttlSeconds: Math.round((tomb.expires_at - tomb.created_at) / 1000),
    createdAt: tomb.created_at,
    expiresAt: tomb.expires_at,
    endedAt: tomb.ended_at,
    failedAttempts: tomb.failed_attempts,
    opens: q.parseOpenTimes(tomb.opened_at),
  }
}

export type DeleteOutcome =
  | { kind: 'deleted'; by: 'manage_token' | 'access' }
  | { kind: 'not_found' }
  | { kind: 'unauthorized'; destroyed: boolean }

/**
 * DELETE accepts the manage token or `access`. A wrong token counts as a failed attempt: else
 * DELETE would be an uncounted oracle for guessing a share's passphrase (a 204 confirms a guess).
 */
export function deleteShareWithToken(
  deps: ShareDeps,
  id: Buffer,
  token: Uint8Array,
  clientHash: string,
): Promise<DeleteOutcome> {
  const presented = sha256(token)
  return deps.queue.run(async (trx): Promise<DeleteOutcome> => {
    const now = deps.clock()
    const row = await q.findShare(trx, id)
    if (!row || row.expires_at <= now) return { kind: 'not_found' }
    // Both comparisons always run, so timing does not say which token kind was close.
    const byManage = constantTimeEqual(presented, row.manage_token_hash)
    const byAccess = constantTimeEqual(presented, row.verifier)
    if (!byManage && !byAccess) {
      const outcome = await wrongAccess(trx, id, now, clientHash, deps.onShareEnded)
      if (outcome.kind === 'not_found') return outcome
      return {
        kind: 'unauthorized',
        destroyed: outcome.kind === 'wrong_access' && outcome.destroyed,
      }
    }
    const by = byManage ? 'manage_token' : 'access'
    const ended = await q.deleteShare(trx, id)
    if (!ended) return { kind: 'not_found' }
    await recordEnded(trx, [ended], 'deleted', now, deps.onShareEnded)
    await q.insertAudit(trx, audit('share_deleted', id, by, clientHash, now))
    if (row.from_vault) await deps.events?.deleted(trx, id, now)
    return { kind: 'deleted', by }
  })
}

/**
 * A share deleted as a step of a larger write (the vault revoking a link, or deleting the secret
 * it was made from): its receipt says `deleted`. False when there was no share.
 */
export async function deleteShareOp(
  trx: Db,
  id: Buffer,
  now: number,
  onShareEnded: ShareEndedHook | undefined,
): Promise<boolean> {
  const ended = await q.deleteShare(trx, id)
  if (!ended) return false
  await recordEnded(trx, [ended], 'deleted', now, onShareEnded)
  return true
}

/**
 * One sweep batch: deletes up to `limit` expired shares (each leaves an audit row and an
 * `expired` receipt) and up to `limit` receipts whose time is up.
 */
export function sweepExpired(
  deps: ShareDeps,
  limit: number,
): Promise<{ shares: number; tombstones: number }> {
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    const ended = await q.deleteExpiredBatch(trx, now, limit)
    await q.insertAuditRows(
      trx,
      ended.map((row) => audit('share_expired', row.id, 'swept', null, now)),
    )
    await recordEnded(trx, ended, 'expired', now, deps.onShareEnded)
    const tombstones = await deleteDueTombstones(trx, now, limit)
    return { shares: ended.length, tombstones }
  })
}
