/** @module The administrators' operations: each change and its admin-audit row commit in one transaction. */
import crypto from 'node:crypto'
import { INVITE_TOKEN_BYTES, VAULT_LIMITS } from '@secretsentry/contract/limits'
import type { AdminAction, InstancePolicy } from '@secretsentry/contract/types'
import type { Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import type { UserRow } from '../account/account.queries.ts'
import { sha256 } from '../share/share.service.ts'
import { isoTime } from '../iso-time.ts'
import * as q from './admin.queries.ts'
import { writePolicy, type PolicyStore } from './policy.ts'

export interface AdminDeps {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  policy: PolicyStore
  /** ADMIN_USERS, normalized. */
  adminUsers: readonly string[]
}

/** The actor name of changes made with `secretsentry admin` on the server host. */
export const SERVER_HOST_ACTOR = 'server host'

/** Why an account is an administrator, or null: ADMIN_USERS or a grant, never while disabled. */
export function adminVia(
  user: Pick<UserRow, 'username' | 'admin' | 'disabled_at'>,
  adminUsers: readonly string[],
): 'setting' | 'granted' | null {
  if (user.disabled_at !== null) return null
  if (adminUsers.includes(user.username)) return 'setting'
  if (Number(user.admin) === 1) return 'granted'
  return null
}

export function recordAdminAction(
  db: Db,
  entry: { at: number; actor: string; action: AdminAction; target?: string; detail?: string },
): Promise<void> {
  return q.insertAdminAudit(db, {
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    detail: entry.detail ?? null,
  })
}

export async function savePolicy(
  deps: AdminDeps,
  actor: string,
  policy: InstancePolicy,
): Promise<void> {
  const before = (await deps.policy.stored()).policy
  await deps.queue.run(async (trx) => {
    const now = deps.clock()
    await writePolicy(trx, policy, now)
    await recordAdminAction(trx, {
      at: now,
      actor,
      action: 'policy.updated',
      detail: describeChanges(before, policy),
    })
  })
  // In force on this instance at once; elsewhere within POLICY_CACHE_MS.
  deps.policy.invalidate()
}

/** "registration: open → closed; anonymousShares: true → false", or "no change". */
function describeChanges(before: InstancePolicy, after: InstancePolicy): string {
  const changes: string[] = []
  for (const key of Object.keys(after) as (keyof InstancePolicy)[]) {
    const a = JSON.stringify(before[key])
    const b = JSON.stringify(after[key])
    if (a !== b) changes.push(`${key}: ${a} → ${b}`)
  }
  return changes.length ? changes.join('; ') : 'no change'
}

export type AccountChange =
  { kind: 'ok'; username: string } | { kind: 'not_found' } | { kind: 'self' }

/**
 * Security promise (a disabled account is locked out at once): the flag and the deletion of every
 * session of the account commit together, under the account's row lock, which login also takes
 * before it starts a session, so no session of a disabled account survives or is born.
 */
export function setAccountDisabled(
  deps: AdminDeps,
  actor: { userId: Buffer; username: string },
  target: Buffer,
  disabled: boolean,
): Promise<AccountChange & { sessionsEnded?: number }> {
  // An administrator cannot lock themselves out (nor the instance out of its last administrator by mistake).
  if (disabled && actor.userId.equals(target)) return Promise.resolve({ kind: 'self' })
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    const row = await q.lockedAccount(trx, target)
    if (!row) return { kind: 'not_found' as const }
    let ended = 0
    if (disabled) {
      if (row.disabled_at === null) await q.setDisabled(trx, target, now)
      ended = await q.deleteSessionsOf(trx, target)
    } else {
      await q.setDisabled(trx, target, null)
    }
    await recordAdminAction(trx, {
      at: now,
      actor: actor.username,
      action: disabled ? 'user.disabled' : 'user.enabled',
      target: row.username,
      ...(disabled ? { detail: `sessions ended: ${ended}` } : {}),
    })
    return { kind: 'ok' as const, username: row.username, sessionsEnded: ended }
  })
}

export function deleteAccount(
  deps: AdminDeps,
  actor: { userId: Buffer; username: string },
  target: Buffer,
): Promise<AccountChange> {
  if (actor.userId.equals(target)) return Promise.resolve({ kind: 'self' })
  return deps.queue.run(async (trx): Promise<AccountChange> => {
    const row = await q.lockedAccount(trx, target)
    if (!row) return { kind: 'not_found' }
    await q.deleteAccount(trx, target)
    await recordAdminAction(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'user.deleted',
      target: row.username,
    })
    return { kind: 'ok', username: row.username }
  })
}

export const INVITE_ID_BYTES = VAULT_LIMITS.idBytes

/** A random token shown once; only its SHA-256 is stored, so a copy of the database registers nobody. */
export async function createInvite(
  deps: AdminDeps,
  actor: string,
  lifetimeSeconds: number,
): Promise<{ row: q.InviteRow; token: Buffer }> {
  const token = crypto.randomBytes(INVITE_TOKEN_BYTES)
  const now = deps.clock()
  const row: q.InviteRow = {
    id: crypto.randomBytes(INVITE_ID_BYTES),
    token_hash: sha256(token),
    created_by: actor,
    created_at: now,
    expires_at: now + lifetimeSeconds * 1000,
    used_at: null,
    used_by: null,
    revoked_at: null,
  }
  await deps.queue.run(async (trx) => {
    await q.insertInvite(trx, row)
    await recordAdminAction(trx, {
      at: now,
      actor,
      action: 'invite.created',
      target: row.id.toString('base64url'),
      detail: `expires ${isoTime(row.expires_at)}`,
    })
  })
  return { row, token }
}

export function revokeInvite(deps: AdminDeps, actor: string, id: Buffer): Promise<boolean> {
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    if (!(await q.revokeInvite(trx, id, now))) return false
    await recordAdminAction(trx, {
      at: now,
      actor,
      action: 'invite.revoked',
      target: id.toString('base64url'),
    })
    return true
  })
}

export function inviteStatus(
  row: q.InviteRow,
  now: number,
): 'active' | 'used' | 'expired' | 'revoked' {
  if (row.used_at !== null) return 'used'
  if (row.revoked_at !== null) return 'revoked'
  if (row.expires_at <= now) return 'expired'
  return 'active'
}

/**
 * `secretsentry admin grant|revoke NAME` on the server host: whoever can run it can read the
 * database anyway, so it needs no session. False when no account has that name.
 */
export async function setGrantedAdmin(
  db: Db,
  username: string,
  admin: boolean,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await q.setAdminByName(trx, username, admin))) return false
    await recordAdminAction(trx, {
      at: now,
      actor: SERVER_HOST_ACTOR,
      action: admin ? 'admin.granted' : 'admin.revoked',
      target: username,
    })
    return true
  })
}

/**
 * ADMIN_USERS names an account nobody has registered: whoever registers it first is an
 * administrator. Said at every start until it is registered, so the operator can act.
 */
export async function warnUnregisteredAdmins(
  db: Db,
  config: { adminUsers: readonly string[] },
  logger: { warn(message: string, fields?: Record<string, unknown>): void },
): Promise<void> {
  const found = await db
    .selectFrom('users')
    .select('username')
    .where('username', 'in', [...config.adminUsers])
    .execute()
  const known = new Set(found.map((r) => r.username))
  for (const name of config.adminUsers) {
    if (known.has(name)) continue
    logger.warn('ADMIN_USERS names an account that does not exist yet', {
      username: name,
      risk: 'whoever registers this name first becomes an administrator; register it now or close registration',
    })
  }
}
