/** @module The vault rules (issue 3): folders, secrets, versions and stages, delete/restore/purge, shares made from secrets; write ops return outcomes. */
import type { Updateable } from 'kysely'
import type { SecretStage, SecretSummary, VaultShare } from '@secretsentry/contract/types'
import type { AccountAudit, ClientInfo } from '../audit/account-audit.ts'
import type { Database, Db, SecretTable } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import { lockAccount } from '../account/account.queries.ts'
import {
  deleteShareOp,
  insertShareOp,
  type NewShare,
  type ShareEvents,
} from '../share/share.service.ts'
import type { ShareEndedHook } from '../share/tombstone.ts'
import { toFolder, toSummaries, toSummary, toVaultShare } from './shapes.ts'
import * as q from './vault.queries.ts'

export interface VaultDeps {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  audit: AccountAudit
  /** VAULT_RECOVERY_DAYS in milliseconds. */
  recoveryMs: number
  /** VAULT_QUOTA_BYTES: what an account may store; 0 = no quota. */
  quotaBytes: number
  /** Shares revoked here end as `deleted`; the share API's hook hears of them too. */
  onShareEnded?: ShareEndedHook
  /** A service token was used from an address it had not been used from (issue 12's alert). */
  onTokenNewAddress?: (trx: Db, userId: Buffer, tokenName: string, at: number) => Promise<void>
}

type NotFound = { kind: 'not_found' }
const NOT_FOUND: NotFound = { kind: 'not_found' }
export type Conflict = { kind: 'conflict'; field: string; message: string }
const conflict = (field: string, message: string): Conflict => ({
  kind: 'conflict',
  field,
  message,
})

export type QuotaExceeded = { kind: 'quota_exceeded'; used: number; limit: number; adding: number }

/**
 * Security promise (a bounded vault per account): a write that would take the account past
 * VAULT_QUOTA_BYTES is refused before it changes anything. Race-safe: it runs inside the
 * write's own transaction, and write transactions are serialized (the write queue here, and
 * SQLite's single writer across processes), so two writes cannot both pass on the same
 * figure. A write that adds nothing (or shrinks) always passes, so an account at its quota can
 * still tidy up.
 */
async function overQuota(
  trx: Db,
  deps: VaultDeps,
  userId: Buffer,
  adding: number,
): Promise<QuotaExceeded | undefined> {
  if (deps.quotaBytes <= 0 || adding <= 0) return undefined
  const used = await q.storedBytes(trx, userId)
  if (used + adding <= deps.quotaBytes) return undefined
  return { kind: 'quota_exceeded', used, limit: deps.quotaBytes, adding }
}

export interface Caller {
  userId: Buffer
  client: ClientInfo
  /**
   * A service token writing for its owner (token/token.routes.ts): its events name it (actor
   * `token`), and a secret or folder outside its folders is handled like an unknown one.
   */
  token?: { id: Buffer; inScope: (trx: Db, folderId: Buffer) => Promise<boolean> }
}

/**
 * Every vault write of an account runs in one transaction that first locks the account (see
 * lockAccount): checks such as If-Match, the next revision or the quota then hold until COMMIT
 * even when the account's requests land on several instances.
 */
function writeAs<T>(deps: VaultDeps, caller: Caller, op: (trx: Db) => Promise<T>): Promise<T> {
  return deps.queue.run(async (trx) => {
    await lockAccount(trx, caller.userId)
    return op(trx)
  })
}

/**
 * Security promise (no cross-account access): a secret of another account is handled exactly
 * like an unknown id (the caller gets the same 404), and the attempt lands on the owner's
 * audit trail as access.denied, where repeated attempts raise an alert.
 */
async function ownedSecret(
  trx: Db,
  deps: VaultDeps,
  caller: Caller,
  id: Buffer,
  now: number,
  options: { deleted?: 'include' } = {},
): Promise<q.SecretRow | undefined> {
  const secret = await q.findSecret(trx, id)
  if (!secret) return undefined
  if (!secret.user_id.equals(caller.userId)) {
    await deps.audit.record(trx, {
      userId: secret.user_id,
      event: 'access.denied',
      result: 'denied',
      // The caller, not the owner whose trail this is; unnamed (see AUDIT_ACTORS).
      actor: 'other_account',
      client: caller.client,
      at: now,
      secretId: id,
    })
    return undefined
  }
  if (secret.deleted_at !== null && options.deleted !== 'include') return undefined
  if (caller.token && !(await caller.token.inScope(trx, secret.folder_id))) return undefined
  return secret
}

const event = (caller: Caller, at: number, secretId: Buffer) => ({
  userId: caller.userId,
  result: 'ok' as const,
  actor: caller.token ? ('token' as const) : ('user' as const),
  client: caller.client,
  at,
  secretId,
  tokenId: caller.token?.id ?? null,
})

async function summaryOf(trx: Db, id: Buffer): Promise<SecretSummary> {
  const secret = await q.findSecret(trx, id)
  if (!secret) throw new Error('secret vanished inside its own transaction')
  return toSummary(secret, await q.versionInfo(trx, id))
}

// ── Folders ─────────────────────────────────────────────────────────────────

export interface NewFolder {
  id: Buffer
  parentId: Buffer | null
  wrappedKey: Buffer
  meta: Buffer
}

const folderEvent = (caller: Caller, at: number, folderId: Buffer) => ({
  userId: caller.userId,
  result: 'ok' as const,
  actor: 'user' as const,
  client: caller.client,
  at,
  // Audit rows have no folder column; the id (never a name) goes in the detail.
  detail: `folder ${folderId.toString('base64url')}`,
})

/** The caller's folder, or undefined for an unknown id or another account's (the same 404). */
async function ownedFolder(trx: Db, caller: Caller, id: Buffer) {
  const folder = await q.findFolderRow(trx, id)
  return folder && folder.user_id.equals(caller.userId) ? folder : undefined
}

export function createFolder(deps: VaultDeps, caller: Caller, f: NewFolder) {
  return writeAs(deps, caller, async (trx) => {
    if (await q.findFolder(trx, f.id)) return conflict('id', 'A folder with this id exists')
    if (f.parentId && !(await ownedFolder(trx, caller, f.parentId))) {
      return { kind: 'no_parent' as const }
    }
    const full = await overQuota(trx, deps, caller.userId, f.meta.length + f.wrappedKey.length)
    if (full) return full
    const row = {
      id: f.id,
      user_id: caller.userId,
      parent_id: f.parentId,
      revision: 1,
      wrapped_key: f.wrappedKey,
      meta: f.meta,
      created_at: deps.clock(),
    }
    await q.insertFolder(trx, row)
    await deps.audit.record(trx, {
      ...folderEvent(caller, row.created_at, f.id),
      event: 'folder.created',
    })
    return { kind: 'created' as const, folder: toFolder(row) }
  })
}

export interface FolderUpdate {
  ifMatch: number
  parentId: Buffer | null
  meta: Buffer
}

/**
 * Rename and/or move: the new sealed FolderMeta (which binds the parent, so the client can tell
 * a tree the server rearranged) replaces the old one when If-Match names the stored revision.
 * Security promise (a tree, never a cycle): the new parent may be neither the folder itself nor
 * one of its subfolders; checked on the account's whole (id, parent) list inside the locked
 * write, so two concurrent moves cannot build a cycle between them.
 */
export function updateFolder(deps: VaultDeps, caller: Caller, id: Buffer, u: FolderUpdate) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const folder = await ownedFolder(trx, caller, id)
    if (!folder) return NOT_FOUND
    if (u.ifMatch !== folder.revision) {
      return conflict('If-Match', `Changed meanwhile: the folder is at revision ${folder.revision}`)
    }
    if (u.parentId) {
      if (u.parentId.equals(id))
        return conflict('parentId', 'parentId: a folder cannot be its own parent')
      const parents = new Map(
        (await q.folderParents(trx, caller.userId)).map((r) => [r.id.toString('hex'), r.parent_id]),
      )
      if (!parents.has(u.parentId.toString('hex'))) return { kind: 'no_parent' as const }
      // Walk up from the new parent; meeting the folder means the parent is inside it. The
      // walk is bounded by the number of folders even if stored rows already held a loop.
      let at: Buffer | null = u.parentId
      for (let steps = 0; at && steps <= parents.size; steps++) {
        if (at.equals(id)) {
          return conflict(
            'parentId',
            'parentId: a folder cannot move into one of its own subfolders',
          )
        }
        at = parents.get(at.toString('hex')) ?? null
      }
    }
    const full = await overQuota(trx, deps, caller.userId, u.meta.length - folder.meta.length)
    if (full) return full
    const moved = !(u.parentId === null
      ? folder.parent_id === null
      : folder.parent_id !== null && folder.parent_id.equals(u.parentId))
    await q.updateFolder(trx, id, {
      parent_id: u.parentId,
      meta: u.meta,
      revision: folder.revision + 1,
    })
    await deps.audit.record(trx, {
      ...folderEvent(caller, now, id),
      event: 'folder.updated',
      detail: `folder ${id.toString('base64url')} ${moved ? 'moved' : 'renamed'}, revision ${folder.revision + 1}`,
    })
    const row = await q.findFolderRow(trx, id)
    if (!row) throw new Error('folder vanished inside its own transaction')
    return { kind: 'updated' as const, folder: toFolder(row) }
  })
}

/**
 * Only an empty folder is deleted: no subfolders and no secrets, counting deleted secrets still
 * in their recovery window (they keep their data keys wrapped under this folder's key, so
 * deleting the key would destroy them early). Nothing is deleted recursively: the caller moves
 * or purges what is left first. The last top-level folder stays, so new secrets always have a home.
 */
export function deleteFolder(deps: VaultDeps, caller: Caller, id: Buffer, ifMatch?: number) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const folder = await ownedFolder(trx, caller, id)
    if (!folder) return NOT_FOUND
    if (ifMatch !== undefined && ifMatch !== folder.revision) {
      return conflict('If-Match', `Changed meanwhile: the folder is at revision ${folder.revision}`)
    }
    const left = await q.folderContents(trx, id)
    if (left.folders + left.live + left.deleted > 0) {
      const parts: string[] = []
      if (left.folders) parts.push(`${left.folders} subfolder(s)`)
      if (left.live) parts.push(`${left.live} secret(s)`)
      if (left.deleted) parts.push(`${left.deleted} deleted secret(s) in the recovery window`)
      return conflict(
        'id',
        `The folder is not empty: it holds ${parts.join(', ')}; move, delete or purge them first`,
      )
    }
    if (folder.parent_id === null) {
      const topLevel = (await q.folderParents(trx, caller.userId)).filter(
        (r) => r.parent_id === null,
      )
      if (topLevel.length <= 1) {
        return conflict('id', 'This is the account’s last top-level folder; it cannot be deleted')
      }
    }
    await q.deleteFolder(trx, id)
    await deps.audit.record(trx, { ...folderEvent(caller, now, id), event: 'folder.deleted' })
    return { kind: 'deleted' as const }
  })
}

export async function listFolders(deps: VaultDeps, userId: Buffer) {
  return (await q.listFolders(deps.db, userId)).map(toFolder)
}

// ── Secrets ─────────────────────────────────────────────────────────────────

export interface NewSecret {
  id: Buffer
  folderId: Buffer
  meta: Buffer
  value: { wrappedKey: Buffer; ciphertext: Buffer }
  /** Days between rotations, or null (the 90-day default applies). */
  rotationDays?: number | null
}

/** The audit detail of an interval change: the number only, which the server holds anyway. */
const rotationDetail = (days: number | null) =>
  days === null ? 'no rotation interval' : `rotation every ${days} days`

export function createSecret(deps: VaultDeps, caller: Caller, s: NewSecret) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const folder = await q.findFolder(trx, s.folderId)
    if (!folder || !folder.user_id.equals(caller.userId)) return NOT_FOUND
    if (caller.token && !(await caller.token.inScope(trx, s.folderId))) return NOT_FOUND
    if (await q.findSecret(trx, s.id)) return conflict('id', 'A secret with this id exists')
    const adding = s.meta.length + s.value.wrappedKey.length + s.value.ciphertext.length
    const full = await overQuota(trx, deps, caller.userId, adding)
    if (full) return full
    await q.insertSecret(trx, {
      id: s.id,
      user_id: caller.userId,
      folder_id: s.folderId,
      revision: 1,
      meta_revision: 1,
      meta: s.meta,
      latest_version: 1,
      current_version: 1,
      pending_version: null,
      previous_version: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      purge_at: null,
      rotation_days: s.rotationDays ?? null,
    })
    await q.insertVersion(trx, {
      secret_id: s.id,
      version: 1,
      wrapped_key: s.value.wrappedKey,
      ciphertext: s.value.ciphertext,
      restored_from: null,
      created_at: now,
    })
    await deps.audit.record(trx, {
      ...event(caller, now, s.id),
      event: 'secret.created',
      detail: s.rotationDays == null ? 'version 1' : `version 1; ${rotationDetail(s.rotationDays)}`,
    })
    return { kind: 'created' as const, summary: await summaryOf(trx, s.id) }
  })
}

/** Metadata of every live (or every deleted) secret: two queries whatever their number. */
export async function listSecrets(
  deps: VaultDeps,
  userId: Buffer,
  deleted: boolean,
): Promise<SecretSummary[]> {
  const [secrets, versions] = await Promise.all([
    q.listSecrets(deps.db, userId, deleted),
    q.versionInfoOfAccount(deps.db, userId, deleted),
  ])
  return toSummaries(secrets, versions)
}

export type VersionSelector = { version: number } | { stage: SecretStage }

/** One sealed value; the read is on the audit trail before the value leaves. */
export function readSecret(deps: VaultDeps, caller: Caller, id: Buffer, selector: VersionSelector) {
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    const secret = await ownedSecret(trx, deps, caller, id, now)
    if (!secret) return NOT_FOUND
    const number = 'version' in selector ? selector.version : secret[`${selector.stage}_version`]
    const version = number === null ? undefined : await q.findVersion(trx, id, number)
    if (!version) return { kind: 'no_version' as const }
    await deps.audit.record(trx, {
      ...event(caller, now, id),
      event: 'secret.read',
      detail: `version ${version.version}`,
    })
    return {
      kind: 'ok' as const,
      summary: toSummary(secret, await q.versionInfo(trx, id)),
      value: version,
    }
  })
}

export interface SecretUpdate {
  ifMatch?: number
  meta?: { revision: number; ciphertext: Buffer }
  value?: {
    version: number
    wrappedKey: Buffer
    ciphertext: Buffer
    stage: 'current' | 'pending'
    restoredFrom?: number
  }
  promote?: 'pending'
  /** A new interval in days, or null to clear it; undefined leaves it as it is. */
  rotationDays?: number | null
}

/**
 * Check-and-set: If-Match must name the stored revision, the meta revision and version number
 * must be the next ones (the client sealed them into the AD). Every check runs before any
 * write, so a refusal changes nothing. Labels: a new current moves the old one to previous; a
 * new pending replaces the pending label; promote moves current to previous and pending to current.
 */
export function updateSecret(deps: VaultDeps, caller: Caller, id: Buffer, u: SecretUpdate) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now)
    if (!s) return NOT_FOUND
    if (u.ifMatch !== undefined && u.ifMatch !== s.revision) {
      return conflict('If-Match', `Changed meanwhile: the secret is at revision ${s.revision}`)
    }
    if (u.meta && u.meta.revision !== s.meta_revision + 1) {
      return conflict('meta.revision', `meta.revision: must be ${s.meta_revision + 1}`)
    }
    if (u.value && u.value.version !== s.latest_version + 1) {
      return conflict('value.version', `value.version: must be ${s.latest_version + 1}`)
    }
    if (u.value?.restoredFrom !== undefined && u.value.restoredFrom > s.latest_version) {
      return conflict('value.restoredFrom', 'value.restoredFrom: no such version')
    }
    if (u.promote && s.pending_version === null)
      return conflict('promote', 'There is no pending version')
    const adding =
      (u.meta ? u.meta.ciphertext.length - s.meta.length : 0) +
      (u.value ? u.value.wrappedKey.length + u.value.ciphertext.length : 0)
    const full = await overQuota(trx, deps, caller.userId, adding)
    if (full) return full

    const set: Updateable<SecretTable> = { revision: s.revision + 1, updated_at: now }
    const details: string[] = []
    if (u.meta) {
      set.meta_revision = u.meta.revision
      set.meta = u.meta.ciphertext
      details.push(`meta revision ${u.meta.revision}`)
    }
    if (u.value) {
      const v = u.value
      await q.insertVersion(trx, {
        secret_id: id,
        version: v.version,
        wrapped_key: v.wrappedKey,
        ciphertext: v.ciphertext,
        restored_from: v.restoredFrom ?? null,
        created_at: now,
      })
      set.latest_version = v.version
      if (v.stage === 'pending') set.pending_version = v.version
      else {
        set.previous_version = s.current_version
        set.current_version = v.version
      }
      details.push(
        v.restoredFrom === undefined
          ? `version ${v.version} (${v.stage})`
          : `version ${v.version} restored from version ${v.restoredFrom}`,
      )
    }
    if (u.promote) {
      set.previous_version = s.current_version
      set.current_version = s.pending_version
      set.pending_version = null
      details.push(`version ${s.pending_version} promoted to current`)
    }
    if (u.rotationDays !== undefined) {
      set.rotation_days = u.rotationDays
      details.push(rotationDetail(u.rotationDays))
    }
    await q.updateSecret(trx, id, set)
    const restored = u.value?.restoredFrom !== undefined
    await deps.audit.record(trx, {
      ...event(caller, now, id),
      event: restored ? 'secret.version_restored' : 'secret.updated',
      detail: details.join('; '),
    })
    return { kind: 'updated' as const, summary: await summaryOf(trx, id) }
  })
}

/**
 * Every version's wrapped data key, for a move. Not on the audit trail as a read: a wrapped key
 * opens nothing without the folder key, which only the client holds; the move itself is audited.
 */
export async function secretKeys(deps: VaultDeps, caller: Caller, id: Buffer) {
  return deps.queue.run(async (trx) => {
    const s = await ownedSecret(trx, deps, caller, id, deps.clock())
    if (!s) return NOT_FOUND
    return { kind: 'ok' as const, secret: s, keys: await q.wrappedKeys(trx, id) }
  })
}

export interface SecretMove {
  ifMatch: number
  folderId: Buffer
  meta: { revision: number; ciphertext: Buffer }
  versions: { version: number; wrappedKey: Buffer }[]
}

/**
 * Moves a secret to another folder of the caller's. The client re-wrapped every version's data
 * key under the destination folder key and re-sealed the metadata under it.
 * Security promise (all or nothing): the request must name exactly the stored versions, each
 * once, and If-Match the stored revision; every check runs before any write and the swap is one
 * transaction, so a secret never ends up with some data keys under the old folder key and some
 * under the new one (which would make those versions unreadable).
 */
export function moveSecret(deps: VaultDeps, caller: Caller, id: Buffer, m: SecretMove) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now, { deleted: 'include' })
    if (!s) return NOT_FOUND
    if (s.deleted_at !== null) return conflict('id', 'The secret is deleted; restore it first')
    if (m.ifMatch !== s.revision) {
      return conflict('If-Match', `Changed meanwhile: the secret is at revision ${s.revision}`)
    }
    const dest = await ownedFolder(trx, caller, m.folderId)
    if (!dest) return { kind: 'no_folder' as const }
    if (s.folder_id.equals(m.folderId))
      return conflict('folderId', 'folderId: the secret is already in this folder')
    if (m.meta.revision !== s.meta_revision + 1) {
      return conflict('meta.revision', `meta.revision: must be ${s.meta_revision + 1}`)
    }
    const stored = await q.versionNumbers(trx, id)
    const sent = m.versions.map((v) => v.version).sort((a, b) => a - b)
    if (sent.length !== stored.length || sent.some((v, i) => v !== stored[i])) {
      return conflict(
        'versions',
        `versions: must re-wrap exactly the stored versions (${stored.length}: ${stored.join(', ')}), each once`,
      )
    }
    const full = await overQuota(trx, deps, caller.userId, m.meta.ciphertext.length - s.meta.length)
    if (full) return full
    for (const v of m.versions) await q.setVersionWrappedKey(trx, id, v.version, v.wrappedKey)
    await q.updateSecret(trx, id, {
      folder_id: m.folderId,
      meta: m.meta.ciphertext,
      meta_revision: m.meta.revision,
      revision: s.revision + 1,
      updated_at: now,
    })
    await deps.audit.record(trx, {
      ...event(caller, now, id),
      event: 'secret.moved',
      detail: `to folder ${m.folderId.toString('base64url')}, ${stored.length} version(s) re-wrapped`,
    })
    return { kind: 'moved' as const, summary: await summaryOf(trx, id) }
  })
}

/**
 * DELETE starts the recovery window and revokes the secret's live shares (their rows, and so
 * their ciphertext, are deleted now). With `purge` a deleted secret is destroyed at once.
 */
export function deleteSecret(deps: VaultDeps, caller: Caller, id: Buffer, purge: boolean) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now, { deleted: 'include' })
    if (!s) return NOT_FOUND
    if (s.deleted_at !== null) {
      if (!purge) return { kind: 'already_deleted' as const }
      await q.deleteSecret(trx, id)
      await deps.audit.record(trx, {
        ...event(caller, now, id),
        event: 'secret.purged',
        detail: 'on request',
      })
      return { kind: 'purged' as const }
    }
    if (purge) return conflict('purge', 'Only a deleted secret can be purged; delete it first')
    for (const shareId of await q.liveShareIds(trx, id)) {
      await deleteShareOp(trx, shareId, now, deps.onShareEnded)
      await q.markVaultShareRevoked(trx, shareId, now)
      await deps.audit.record(trx, {
        ...event(caller, now, id),
        event: 'share.revoked',
        shareId,
        detail: 'secret deleted',
      })
    }
    const purgeAt = now + deps.recoveryMs
    await q.updateSecret(trx, id, {
      deleted_at: now,
      purge_at: purgeAt,
      revision: s.revision + 1,
      updated_at: now,
    })
    await deps.audit.record(trx, { ...event(caller, now, id), event: 'secret.deleted' })
    return { kind: 'deleted' as const, deletedAt: now, purgeAt }
  })
}

export function restoreSecret(deps: VaultDeps, caller: Caller, id: Buffer) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now, { deleted: 'include' })
    if (!s) return NOT_FOUND
    if (s.deleted_at === null) return conflict('id', 'The secret is not deleted')
    await q.updateSecret(trx, id, {
      deleted_at: null,
      purge_at: null,
      revision: s.revision + 1,
      updated_at: now,
    })
    await deps.audit.record(trx, { ...event(caller, now, id), event: 'secret.restored' })
    return { kind: 'restored' as const, summary: await summaryOf(trx, id) }
  })
}

/** One batch of secrets past their recovery window: rows, versions and ciphertext deleted. */
export function purgeDue(deps: VaultDeps, limit: number): Promise<number> {
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    const due = await q.dueForPurge(trx, now, limit)
    for (const s of due) {
      await q.deleteSecret(trx, s.id)
      await deps.audit.record(trx, {
        userId: s.user_id,
        event: 'secret.purged',
        result: 'ok',
        actor: 'system',
        client: null,
        at: now,
        secretId: s.id,
        detail: 'recovery window over',
      })
    }
    return due.length
  })
}

// ── Shares made from secrets ────────────────────────────────────────────────

/** The share is created exactly as POST /api/share creates it, and linked, in one transaction. */
export function shareSecret(
  deps: VaultDeps,
  caller: Caller,
  id: Buffer,
  version: number | undefined,
  share: NewShare,
) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now)
    if (!s) return NOT_FOUND
    const shared = version ?? s.current_version
    if (shared === null || shared > s.latest_version) return { kind: 'no_version' as const }
    const created = await insertShareOp(trx, share, now, caller.client.hash, true)
    if (created.kind === 'conflict') return conflict('id', 'A share with this id exists')
    await q.insertVaultShare(trx, {
      share_id: share.id,
      secret_id: id,
      user_id: caller.userId,
      version: shared,
      created_at: now,
      expires_at: created.expiresAt,
      max_views: share.maxViews,
      revoked_at: null,
    })
    await deps.audit.record(trx, {
      ...event(caller, now, id),
      event: 'secret.shared',
      shareId: share.id,
      detail: `version ${shared}, ${share.maxViews} view(s), ${share.ttlSeconds} s`,
    })
    return { kind: 'created' as const, expiresAt: created.expiresAt }
  })
}

export function listShares(deps: VaultDeps, caller: Caller, id: Buffer) {
  return deps.queue.run(async (trx): Promise<NotFound | { kind: 'ok'; shares: VaultShare[] }> => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now)
    if (!s) return NOT_FOUND
    const rows = await q.listVaultShares(trx, id)
    return { kind: 'ok', shares: rows.map((r) => toVaultShare(r, now)) }
  })
}

/** Deletes the live share row (its ciphertext goes with it) and marks the link revoked. */
export function revokeShare(deps: VaultDeps, caller: Caller, id: Buffer, shareId: Buffer) {
  return writeAs(deps, caller, async (trx) => {
    const now = deps.clock()
    const s = await ownedSecret(trx, deps, caller, id, now)
    if (!s) return NOT_FOUND
    const link = await q.findVaultShare(trx, shareId)
    if (!link || !link.secret_id.equals(id)) return NOT_FOUND
    // Revoking a share that is already used up or expired changes nothing (its status stays).
    if (link.revoked_at === null && (await deleteShareOp(trx, shareId, now, deps.onShareEnded))) {
      await q.markVaultShareRevoked(trx, shareId, now)
      await deps.audit.record(trx, { ...event(caller, now, id), event: 'share.revoked', shareId })
    }
    return { kind: 'revoked' as const }
  })
}

/** Opens and early deletions of shares made from secrets land on the owner's audit trail. */
export function vaultShareEvents(deps: Pick<VaultDeps, 'audit'>): ShareEvents {
  return {
    async opened(trx, shareId, ok, now, client) {
      const link = ok
        ? await q.recordVaultShareOpen(trx, shareId, now)
        : await q.findVaultShare(trx, shareId)
      if (!link) return
      await deps.audit.record(trx, {
        userId: link.user_id,
        event: 'share.opened',
        result: ok ? 'ok' : 'failed',
        actor: 'anonymous',
        client,
        at: now,
        secretId: link.secret_id,
        shareId,
        detail: ok ? null : 'wrong passphrase or link',
      })
    },
    async deleted(trx, shareId, now) {
      const link = await q.markVaultShareRevoked(trx, shareId, now)
      if (!link) return
      await deps.audit.record(trx, {
        userId: link.user_id,
        event: 'share.revoked',
        result: 'ok',
        actor: 'anonymous',
        client: null,
        at: now,
        secretId: link.secret_id,
        shareId,
        detail: 'deleted with its manage token',
      })
    },
  }
}
