/** @module Rows become API shapes here, in one place: snake_case and milliseconds in, camelCase, base64url and ISO times out. */
import type {
  Account,
  AuditEntry,
  Folder,
  KdfParams,
  SecretStage,
  SecretSummary,
  VaultShare,
} from '@secretsentry/contract/types'
import type { UserRow } from '../account/account.queries.ts'
import type { ShareEnding } from '../db/database.ts'
import { iso, isoOrNull } from '../http/validate.ts'
import { parseOpenTimes } from '../share/share.queries.ts'
import type { FolderRow, SecretRow, VersionInfo } from './vault.queries.ts'

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

export function toAccount(u: UserRow): Account {
  return {
    userId: b64(u.id),
    username: u.username,
    kdf: JSON.parse(u.kdf) as KdfParams,
    salt: b64(u.salt),
    wrappedUserKey: b64(u.wrapped_user_key),
    createdAt: iso(u.created_at),
  }
}

export function toFolder(f: FolderRow): Folder {
  return {
    id: b64(f.id),
    parentId: f.parent_id ? b64(f.parent_id) : null,
    revision: Number(f.revision),
    wrappedKey: b64(f.wrapped_key),
    meta: b64(f.meta),
    createdAt: iso(f.created_at),
  }
}

function stagesOf(s: SecretRow, version: number): SecretStage[] {
  const stages: SecretStage[] = []
  if (s.current_version === version) stages.push('current')
  if (s.pending_version === version) stages.push('pending')
  if (s.previous_version === version) stages.push('previous')
  return stages
}

/** `versions` must be this secret's (in version order). */
export function toSummary(s: SecretRow, versions: VersionInfo[]): SecretSummary {
  return {
    id: b64(s.id),
    folderId: b64(s.folder_id),
    revision: s.revision,
    meta: { revision: s.meta_revision, ciphertext: b64(s.meta) },
    versions: versions.map((v) => ({
      version: v.version,
      size: v.size,
      createdAt: iso(v.created_at),
      restoredFrom: v.restored_from,
      stages: stagesOf(s, v.version),
    })),
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
    deletedAt: isoOrNull(s.deleted_at),
    purgeAt: isoOrNull(s.purge_at),
  }
}

/** Summaries of many secrets from one version query. */
export function toSummaries(secrets: SecretRow[], versions: VersionInfo[]): SecretSummary[] {
  const bySecret = new Map<string, VersionInfo[]>()
  for (const v of versions) {
    const key = v.secret_id.toString('hex')
    const list = bySecret.get(key)
    if (list) list.push(v)
    else bySecret.set(key, [v])
  }
  return secrets.map((s) => toSummary(s, bySecret.get(s.id.toString('hex')) ?? []))
}

export interface VaultShareRow {
  share_id: Buffer
  version: number
  created_at: number
  expires_at: number
  max_views: number
  revoked_at: number | null
  opened_at: string
  views_left: number | null
  /** From the share's receipt (share/tombstone.ts), while it is kept. */
  how: ShareEnding | null
  ended_at: number | null
}

/**
 * Status from the live share row when it exists; once it is gone (the share table keeps no
 * tombstones): revoked if revoked here, used if every view was opened or it died before its
 * expiry (used up, or destroyed by wrong passphrases), else expired.
 */
export function toVaultShare(r: VaultShareRow, now: number): VaultShare {
  const opens = parseOpenTimes(r.opened_at)
  let status: VaultShare['status']
  if (r.views_left !== null && r.expires_at > now) status = 'active'
  else if (r.revoked_at !== null) status = 'revoked'
  else if (opens.length >= r.max_views || r.expires_at > now) status = 'used'
  else status = 'expired'
  const ending = status === 'active' ? null : endingOf(r, status, opens)
  return {
    id: b64(r.share_id),
    version: r.version,
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    maxViews: r.max_views,
    viewsLeft: status === 'active' ? r.views_left : null,
    status,
    state: ending?.how ?? 'live',
    endedAt: ending?.at == null ? null : iso(ending.at),
    opens: opens.map(iso),
  }
}

/**
 * How an ended share ended: its receipt says, while kept (until the original expiry, or 7 days
 * after it for an expired one). After that the link row guesses as `status` does: revoked is
 * deleted, every view opened is read, gone before its expiry is destroyed; past its expiry a
 * destroyed share can no longer be told from an expired one.
 */
function endingOf(
  r: VaultShareRow,
  status: Exclude<VaultShare['status'], 'active'>,
  opens: number[],
): { how: ShareEnding; at: number | null } {
  if (r.how !== null) return { how: r.how, at: r.ended_at }
  if (status === 'revoked') return { how: 'deleted', at: r.revoked_at }
  if (status === 'expired') return { how: 'expired', at: r.expires_at }
  if (opens.length >= r.max_views) return { how: 'read', at: opens.at(-1) ?? null }
  return { how: 'destroyed', at: null }
}

export interface AuditRowView {
  id: number
  at: number
  event: string
  result: string
  actor: string | null
  client_hash: string | null
  agent: string | null
  secret_id: Buffer | null
  share_id: Buffer | null
  detail: string | null
  token_id: Buffer | null
  token_name: string | null
}

export function toAuditEntry(r: AuditRowView): AuditEntry {
  return {
    id: String(r.id),
    at: iso(r.at),
    event: r.event as AuditEntry['event'],
    result: r.result as AuditEntry['result'],
    actor: (r.actor ?? 'system') as AuditEntry['actor'],
    client: { hash: r.client_hash, agent: (r.agent ?? 'other') as AuditEntry['client']['agent'] },
    secretId: r.secret_id ? b64(r.secret_id) : null,
    shareId: r.share_id ? b64(r.share_id) : null,
    detail: r.detail,
    token: r.token_id ? { id: b64(r.token_id), name: r.token_name ?? '' } : null,
  }
}
