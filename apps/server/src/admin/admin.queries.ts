/** @module Queries of the administrators' API: accounts (never their vault), invites and the admin audit. */
import type { Kysely } from 'kysely'
import type { AdminAuditTable, Database, InviteTable } from '../db/database.ts'
import { forUpdate } from '../db/dialect.ts'

type Db = Kysely<Database>

export interface AccountListRow {
  id: Buffer
  username: string
  created_at: number
  last_login_at: number | null
  disabled_at: number | null
  admin: number
}

/** Names and dates only: an administrator sees who has an account, never what it holds. */
export async function listAccounts(db: Db): Promise<AccountListRow[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'username', 'created_at', 'last_login_at', 'disabled_at', 'admin'])
    .orderBy('username')
    .execute()
  return rows.map((r) => ({
    ...r,
    created_at: Number(r.created_at),
    last_login_at: r.last_login_at === null ? null : Number(r.last_login_at),
    disabled_at: r.disabled_at === null ? null : Number(r.disabled_at),
    admin: Number(r.admin),
  }))
}

/** The account row held until COMMIT on PostgreSQL, so a login and a disable cannot interleave. */
export async function lockedAccount(
  db: Db,
  id: Buffer,
): Promise<{ username: string; disabled_at: number | null } | undefined> {
  const row = await forUpdate(
    db.selectFrom('users').select(['username', 'disabled_at']).where('id', '=', id),
    db,
  ).executeTakeFirst()
  if (!row) return undefined
  return {
    username: row.username,
    disabled_at: row.disabled_at === null ? null : Number(row.disabled_at),
  }
}

export async function setDisabled(db: Db, id: Buffer, at: number | null): Promise<void> {
  await db.updateTable('users').set({ disabled_at: at }).where('id', '=', id).execute()
}

export async function deleteSessionsOf(db: Db, userId: Buffer): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Removes an account and everything it owns: shares made from its secrets (their ciphertext
 * too), its secrets with every version, service tokens and their grants, folders, sessions, login
 * addresses and its audit trail.
 * Children first, so no foreign key is ever left dangling, whatever the backend.
 */
export async function deleteAccount(db: Db, id: Buffer): Promise<boolean> {
  await db
    .deleteFrom('shares')
    .where('id', 'in', db.selectFrom('vault_shares').select('share_id').where('user_id', '=', id))
    .execute()
  await db.deleteFrom('vault_shares').where('user_id', '=', id).execute()
  await db
    .deleteFrom('secret_versions')
    .where('secret_id', 'in', db.selectFrom('secrets').select('id').where('user_id', '=', id))
    .execute()
  await db.deleteFrom('secrets').where('user_id', '=', id).execute()
  await db
    .deleteFrom('token_grants')
    .where('token_id', 'in', db.selectFrom('service_tokens').select('id').where('user_id', '=', id))
    .execute()
  await db
    .deleteFrom('token_clients')
    .where('token_id', 'in', db.selectFrom('service_tokens').select('id').where('user_id', '=', id))
    .execute()
  await db.deleteFrom('service_tokens').where('user_id', '=', id).execute()
  await db.deleteFrom('folders').where('user_id', '=', id).execute()
  await db.deleteFrom('sessions').where('user_id', '=', id).execute()
  await db.deleteFrom('login_addresses').where('user_id', '=', id).execute()
  await db.deleteFrom('login_clients').where('user_id', '=', id).execute()
  await db.deleteFrom('audit').where('user_id', '=', id).execute()
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function setAdminByName(db: Db, username: string, admin: boolean): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ admin: admin ? 1 : 0 })
    .where('username', '=', username)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

// ── Invites ──────────────────────────────────────────────────────────────────

export type InviteRow = InviteTable

const inviteNumbers = (r: InviteRow): InviteRow => ({
  ...r,
  created_at: Number(r.created_at),
  expires_at: Number(r.expires_at),
  used_at: r.used_at === null ? null : Number(r.used_at),
  revoked_at: r.revoked_at === null ? null : Number(r.revoked_at),
})

export async function insertInvite(db: Db, row: InviteRow): Promise<void> {
  await db.insertInto('invites').values(row).execute()
}

/** Newest first; bounded, since expired and used invites are kept for the record. */
export async function listInvites(db: Db, limit = 200): Promise<InviteRow[]> {
  const rows = await db
    .selectFrom('invites')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute()
  return rows.map(inviteNumbers)
}

/** Revokes an invite not yet used; false when there is none such. */
export async function revokeInvite(db: Db, id: Buffer, now: number): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/**
 * Security promise (an invite registers one account): one conditional UPDATE marks the invite
 * used, so of two registrations racing with one token (on any instances) exactly one succeeds.
 */
export async function consumeInvite(
  db: Db,
  tokenHash: Buffer,
  username: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ used_at: now, used_by: username })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Gives an invite back when the registration that took it failed after all. */
export async function releaseInvite(db: Db, tokenHash: Buffer): Promise<void> {
  await db
    .updateTable('invites')
    .set({ used_at: null, used_by: null })
    .where('token_hash', '=', tokenHash)
    .execute()
}

// ── Admin audit ──────────────────────────────────────────────────────────────

export type AdminAuditRow = Omit<AdminAuditTable, 'id'> & { id: number }

export async function insertAdminAudit(db: Db, row: Omit<AdminAuditTable, 'id'>): Promise<void> {
  await db.insertInto('admin_audit').values(row).execute()
}

export async function listAdminAudit(
  db: Db,
  limit: number,
  before: number | undefined,
): Promise<AdminAuditRow[]> {
  let query = db.selectFrom('admin_audit').selectAll().orderBy('id', 'desc').limit(limit)
  if (before !== undefined) query = query.where('id', '<', before)
  const rows = await query.execute()
  return rows.map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) }))
}
