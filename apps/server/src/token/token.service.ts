/**
 * @module Service tokens (issue 11, keyring SPEC §11): the owner makes, lists and revokes them
 * and grants folders made later; a token reads the secrets of its granted folders. The server
 * keeps only a verifier and ciphertext: which folders a token can decrypt is fixed by the grants
 * its owner's client wrapped; read-only, the stage and expiry are this module's checks.
 */
import type {
  TokenFolder,
  TokenGrant,
  TokenInfoResponse,
  TokenSecretMeta,
  TokenSelf,
  TokenValue,
  SecretStage,
  SecretSummary,
} from '@secretsentry/contract/types'
import { SERVICE_TOKEN_LIMITS } from '@secretsentry/contract/limits'
import type { AuditEventName } from '@secretsentry/contract/types'
import type { ClientInfo } from '../audit/account-audit.ts'
import { lockAccount } from '../account/account.queries.ts'
import type { Db } from '../db/database.ts'
import { iso, isoOrNull } from '../http/validate.ts'
import type { VaultDeps } from '../vault/vault.service.ts'
import * as vq from '../vault/vault.queries.ts'
import * as q from './token.queries.ts'
import type { GrantRow, TokenRow } from './token.queries.ts'

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const hex = (bytes: Buffer): string => bytes.toString('hex')

/** Tokens not revoked (expired ones included) an account may hold at once. */
export const MAX_LIVE_TOKENS = 100

type Conflict = { kind: 'conflict'; field: string; message: string }
const conflict = (field: string, message: string): Conflict => ({
  kind: 'conflict',
  field,
  message,
})
type NoFolder = { kind: 'no_folder'; field: string }

interface Owner {
  userId: Buffer
  client: ClientInfo
}

/** A token that presented the right authKey, and the caller it came from. */
export interface AuthedToken {
  row: TokenRow
  client: ClientInfo
}

function ownerEvent(
  owner: Owner,
  at: number,
  tokenId: Buffer,
  event: AuditEventName,
  detail: string,
) {
  return {
    userId: owner.userId,
    event,
    result: 'ok' as const,
    actor: 'user' as const,
    client: owner.client,
    at,
    tokenId,
    detail,
  }
}

/** An event a token caused (or was refused), on its owner's trail, naming the token. */
export function tokenEvent(
  token: TokenRow,
  client: ClientInfo | null,
  at: number,
  event: 'token.read' | 'token.denied',
  detail: string,
  secretId: Buffer | null = null,
) {
  return {
    userId: token.user_id,
    event,
    result: event === 'token.denied' ? ('denied' as const) : ('ok' as const),
    actor: 'token' as const,
    client,
    at,
    tokenId: token.id,
    secretId,
    detail,
  }
}

// ── What a token is served ──────────────────────────────────────────────────

/** Whether `id` is below `root` in the account's (id → parent) map; bounded even if it loops. */
function isBelow(parents: Map<string, Buffer | null>, id: Buffer, root: Buffer): boolean {
  let at = parents.get(hex(id)) ?? null
  for (let steps = 0; at && steps <= parents.size; steps++) {
    if (at.equals(root)) return true
    at = parents.get(hex(at)) ?? null
  }
  return false
}

async function parentsOf(db: Db, userId: Buffer): Promise<Map<string, Buffer | null>> {
  return new Map((await vq.folderParents(db, userId)).map((r) => [hex(r.id), r.parent_id]))
}

/**
 * The grants a token is served: its root grant, and with includeSubfolders each subfolder grant
 * whose folder is still below the root in the server's tree (a folder moved out is no longer
 * served; its grant stays and is served again if the folder comes back).
 *
 * Security promise (a token learns nothing of other folders): every token route derives what it
 * sends from this list only. The token receives its own grants and the rows (id, sealed
 * metadata, revision), secrets and values of these folders, never a row of another folder, nor
 * a count of them or of their secrets. What it could decrypt is fixed by the grants anyway; this
 * keeps it from even seeing the ciphertext of the rest of the vault.
 */
export async function servedGrants(db: Db, token: TokenRow): Promise<GrantRow[]> {
  const grants = await q.grantsOf(db, token.id)
  const root = grants.filter((g) => g.role === 'root' && g.folder_id.equals(token.root_folder_id))
  const subfolders = grants.filter((g) => g.role === 'subfolder')
  if (!token.include_subfolders || subfolders.length === 0) return root
  const parents = await parentsOf(db, token.user_id)
  return [...root, ...subfolders.filter((g) => isBelow(parents, g.folder_id, token.root_folder_id))]
}

/** For writes through vault.service: is this folder one the token is served? */
export function scopeOf(token: TokenRow) {
  return async (trx: Db, folderId: Buffer): Promise<boolean> =>
    (await servedGrants(trx, token)).some((g) => g.folder_id.equals(folderId))
}

// ── Shapes ──────────────────────────────────────────────────────────────────

/** The owner's view: what the holder sees of its token, and revocation, last use and keys. */
export function toTokenInfo(t: TokenRow, served: number): TokenInfoResponse {
  return {
    ...toTokenSelf(t),
    revokedAt: isoOrNull(t.revoked_at),
    lastUsedAt: isoOrNull(t.last_used_at),
    lastUsedClient: t.last_used_client,
    grants: served,
    ownerWrappedKey: b64(t.owner_wrapped_key),
  }
}

function toTokenSelf(t: TokenRow): TokenSelf {
  return {
    id: b64(t.id),
    name: t.name,
    rootFolderId: b64(t.root_folder_id),
    includeSubfolders: t.include_subfolders === 1,
    readWrite: t.read_write === 1,
    stage: t.stage,
    createdAt: iso(t.created_at),
    expiresAt: isoOrNull(t.expires_at),
    tokenMeta: b64(t.token_meta),
  }
}

const toGrant = (g: GrantRow): TokenGrant => ({
  folderId: b64(g.folder_id),
  role: g.role,
  wrappedKey: b64(g.wrapped_key),
})

function stagesOf(s: vq.SecretRow, version: number): SecretStage[] {
  const stages: SecretStage[] = []
  if (s.current_version === version) stages.push('current')
  if (s.pending_version === version) stages.push('pending')
  if (s.previous_version === version) stages.push('previous')
  return stages
}

function toSecretMeta(s: vq.SecretRow): TokenSecretMeta {
  return {
    id: b64(s.id),
    folderId: b64(s.folder_id),
    revision: s.revision,
    latestVersion: s.latest_version,
    meta: { revision: s.meta_revision, ciphertext: b64(s.meta) },
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
  }
}

/** A token write answers with the token's view of the secret (no version list). */
export function summaryToTokenSecret(s: SecretSummary): TokenSecretMeta {
  return {
    id: s.id,
    folderId: s.folderId,
    revision: s.revision,
    latestVersion: s.versions.reduce((max, v) => Math.max(max, v.version), 0),
    meta: s.meta,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  }
}

function toValue(
  s: vq.SecretRow,
  v: { version: number; wrapped_key: Buffer; ciphertext: Buffer; created_at: number },
): TokenValue {
  return {
    version: Number(v.version),
    stages: stagesOf(s, Number(v.version)),
    wrappedKey: b64(v.wrapped_key),
    ciphertext: b64(v.ciphertext),
    createdAt: iso(v.created_at),
  }
}

// ── Owner: create, list, revoke, grant ──────────────────────────────────────

export interface NewToken {
  id: Buffer
  name: string
  verifier: Buffer
  ownerWrappedKey: Buffer
  tokenMeta: Buffer
  grants: { folderId: Buffer; role: 'root' | 'subfolder'; wrappedKey: Buffer }[]
  includeSubfolders: boolean
  readWrite: boolean
  stage: 'current' | 'any'
  expiresInSeconds: number | null
}

/**
 * Every grant must be a folder of the caller's: the root grant's folder becomes the token's
 * root, and each subfolder grant's folder must be below it in the server's tree. Everything is
 * checked, in the account's locked write, before anything is stored.
 */
export function createToken(deps: VaultDeps, owner: Owner, t: NewToken) {
  return deps.queue.run(async (trx) => {
    await lockAccount(trx, owner.userId)
    const now = deps.clock()
    if (await q.findToken(trx, t.id)) return conflict('id', 'A token with this id exists')
    const parents = await parentsOf(trx, owner.userId)
    const root = t.grants.find((g) => g.role === 'root')
    if (!root) return conflict('grants', 'grants: must hold exactly one root grant')
    for (const [i, g] of t.grants.entries()) {
      if (!parents.has(hex(g.folderId))) {
        return { kind: 'no_folder', field: `grants.${i}.folderId` } satisfies NoFolder
      }
      if (g.role === 'subfolder' && !isBelow(parents, g.folderId, root.folderId)) {
        return conflict(
          `grants.${i}.folderId`,
          `grants.${i}.folderId: not below the token's root folder`,
        )
      }
    }
    if ((await q.liveTokensNamed(trx, owner.userId, t.name, now)) > 0) {
      return conflict('name', 'name: a live token of this account has this name')
    }
    if ((await q.unrevokedTokens(trx, owner.userId)) >= MAX_LIVE_TOKENS) {
      return conflict(
        'id',
        `This account holds ${MAX_LIVE_TOKENS} tokens that are not revoked; revoke some first`,
      )
    }
    const row: TokenRow = {
      id: t.id,
      user_id: owner.userId,
      name: t.name,
      verifier: t.verifier,
      owner_wrapped_key: t.ownerWrappedKey,
      token_meta: t.tokenMeta,
      root_folder_id: root.folderId,
      include_subfolders: t.includeSubfolders ? 1 : 0,
      read_write: t.readWrite ? 1 : 0,
      stage: t.stage,
      created_at: now,
      expires_at: t.expiresInSeconds === null ? null : now + t.expiresInSeconds * 1000,
      revoked_at: null,
      last_used_at: null,
      last_used_client: null,
    }
    await q.insertToken(trx, row)
    await q.insertGrants(
      trx,
      t.grants.map((g) => ({
        token_id: t.id,
        folder_id: g.folderId,
        role: g.role,
        wrapped_key: g.wrappedKey,
      })),
    )
    const access = `${t.readWrite ? 'read-write' : 'read-only'}, stage ${t.stage}`
    const expiry = row.expires_at === null ? 'never expires' : `expires ${iso(row.expires_at)}`
    await deps.audit.record(
      trx,
      ownerEvent(
        owner,
        now,
        t.id,
        'token.created',
        `root folder ${b64(root.folderId)}, ${t.grants.length} folder(s), ${access}, ${expiry}`,
      ),
    )
    return { kind: 'created' as const, token: toTokenInfo(row, t.grants.length) }
  })
}

/** The account's tokens, revoked ones included, each with the number of folders it is served. */
export async function listTokens(deps: VaultDeps, userId: Buffer): Promise<TokenInfoResponse[]> {
  const [tokens, grants, parents] = await Promise.all([
    q.listTokens(deps.db, userId),
    q.grantsOfAccount(deps.db, userId),
    parentsOf(deps.db, userId),
  ])
  return tokens.map((t) => {
    const served = grants.filter(
      (g) =>
        g.token_id.equals(t.id) &&
        (g.role === 'root'
          ? g.folder_id.equals(t.root_folder_id)
          : t.include_subfolders === 1 && isBelow(parents, g.folder_id, t.root_folder_id)),
    ).length
    return toTokenInfo(t, served)
  })
}

/**
 * Revocation takes effect with this commit: the next request with the token is a 401
 * token_revoked. Its grants are deleted (the server can no longer serve them); the row stays for
 * the list and the audit trail. Revoking a revoked token changes nothing.
 */
export function revokeToken(deps: VaultDeps, owner: Owner, id: Buffer) {
  return deps.queue.run(async (trx) => {
    await lockAccount(trx, owner.userId)
    const now = deps.clock()
    const token = await q.findToken(trx, id)
    if (!token || !token.user_id.equals(owner.userId)) return { kind: 'not_found' as const }
    if (token.revoked_at !== null) return { kind: 'revoked' as const }
    await q.updateToken(trx, id, { revoked_at: now })
    await q.deleteGrants(trx, id)
    await deps.audit.record(trx, ownerEvent(owner, now, id, 'token.revoked', 'grants deleted'))
    return { kind: 'revoked' as const }
  })
}

/**
 * Subfolder grants the owner's client made for folders created (or moved) below the token's
 * root after the token: only for a live token with includeSubfolders, only folders below its
 * root. A folder the token already has a grant for keeps it.
 */
export function addGrants(
  deps: VaultDeps,
  owner: Owner,
  id: Buffer,
  grants: { folderId: Buffer; wrappedKey: Buffer }[],
) {
  return deps.queue.run(async (trx) => {
    await lockAccount(trx, owner.userId)
    const now = deps.clock()
    const token = await q.findToken(trx, id)
    if (!token || !token.user_id.equals(owner.userId)) return { kind: 'not_found' as const }
    if (token.revoked_at !== null) return conflict('id', 'The token is revoked')
    if (!token.include_subfolders) {
      return conflict('includeSubfolders', 'This token was made without its subfolders')
    }
    const parents = await parentsOf(trx, owner.userId)
    for (const [i, g] of grants.entries()) {
      if (!parents.has(hex(g.folderId))) {
        return { kind: 'no_folder', field: `grants.${i}.folderId` } satisfies NoFolder
      }
      if (!isBelow(parents, g.folderId, token.root_folder_id)) {
        return conflict(
          `grants.${i}.folderId`,
          `grants.${i}.folderId: not below the token's root folder`,
        )
      }
    }
    const held = await q.grantsOf(trx, id)
    const heldIds = new Set(held.map((g) => hex(g.folder_id)))
    const fresh = grants.filter((g) => !heldIds.has(hex(g.folderId)))
    if (held.length + fresh.length > SERVICE_TOKEN_LIMITS.maxGrants) {
      return conflict(
        'grants',
        `grants: a token holds at most ${SERVICE_TOKEN_LIMITS.maxGrants} folders`,
      )
    }
    const added = await q.addGrants(
      trx,
      fresh.map((g) => ({
        token_id: id,
        folder_id: g.folderId,
        role: 'subfolder' as const,
        wrapped_key: g.wrappedKey,
      })),
    )
    if (added > 0) {
      await deps.audit.record(
        trx,
        ownerEvent(owner, now, id, 'token.granted', `${added} folder(s) added`),
      )
    }
    const served = (await servedGrants(trx, token)).length
    return { kind: 'granted' as const, added, token: toTokenInfo(token, served) }
  })
}

/**
 * The owner's client seals the root's path again when the root or a folder above it is renamed
 * or moved, so the holder shows the paths the owner sees. Ciphertext to the server, as before.
 */
export function updateTokenMeta(deps: VaultDeps, owner: Owner, id: Buffer, tokenMeta: Buffer) {
  return deps.queue.run(async (trx) => {
    await lockAccount(trx, owner.userId)
    const token = await q.findToken(trx, id)
    if (!token || !token.user_id.equals(owner.userId)) return { kind: 'not_found' as const }
    if (token.revoked_at !== null) return conflict('id', 'The token is revoked')
    await q.updateToken(trx, id, { token_meta: tokenMeta })
    const served = (await servedGrants(trx, token)).length
    return {
      kind: 'updated' as const,
      token: toTokenInfo({ ...token, token_meta: tokenMeta }, served),
    }
  })
}

// ── Holder: what the token reads ────────────────────────────────────────────

/** Last use is written at most once a minute per token, unless the client changed. */
export const TOUCH_EVERY_MS = 60_000

export function needsTouch(auth: AuthedToken, now: number): boolean {
  const t = auth.row
  return (
    t.last_used_at === null ||
    now - t.last_used_at >= TOUCH_EVERY_MS ||
    t.last_used_client !== auth.client.hash
  )
}

/** The Activity detail of the alert; the web app words it. */
export const TOKEN_NEW_ADDRESS_DETAIL = 'token used from a new address'

async function touchIn(deps: VaultDeps, trx: Db, auth: AuthedToken, now: number): Promise<void> {
  if (!needsTouch(auth, now)) return
  await q.touchToken(trx, auth.row.id, now, auth.client.hash)
  // Only a change of address can be news: the same address as the last use costs no query.
  if (auth.row.last_used_client === auth.client.hash) return
  const seen = await q.recordTokenClient(trx, auth.row.id, auth.client.hash, now)
  // A token's first address is where it was meant to run; any later new one is worth a look.
  if (seen !== 'new') return
  await deps.audit.record(trx, {
    userId: auth.row.user_id,
    event: 'alert',
    result: 'ok',
    actor: 'system',
    client: auth.client,
    at: now,
    tokenId: auth.row.id,
    detail: TOKEN_NEW_ADDRESS_DETAIL,
  })
  await deps.onTokenNewAddress?.(trx, auth.row.user_id, auth.row.name, now)
}

/** Last use for routes that write nothing else (the token's info, the metadata list). */
export async function touch(deps: VaultDeps, auth: AuthedToken): Promise<void> {
  const now = deps.clock()
  if (needsTouch(auth, now)) await deps.queue.run((trx) => touchIn(deps, trx, auth, now))
}

/** A refusal of a token access, on the owner's trail (counted toward the failed-access alert). */
export function recordDenied(
  deps: VaultDeps,
  token: TokenRow,
  client: ClientInfo,
  detail: string,
  secretId: Buffer | null = null,
) {
  return deps.queue.run((trx) =>
    deps.audit.record(
      trx,
      tokenEvent(token, client, deps.clock(), 'token.denied', detail, secretId),
    ),
  )
}

/** The token's flags and sealed root path, its served grants and the rows of those folders. */
export async function tokenSelf(deps: VaultDeps, auth: AuthedToken) {
  const grants = await servedGrants(deps.db, auth.row)
  const folders: TokenFolder[] = (
    await q.foldersByIds(
      deps.db,
      grants.map((g) => g.folder_id),
    )
  ).map((f) => ({ id: b64(f.id), meta: b64(f.meta), revision: Number(f.revision) }))
  await touch(deps, auth)
  return { token: toTokenSelf(auth.row), grants: grants.map(toGrant), folders }
}

/**
 * Every live secret of the served folders, with the values of the stages the token may read
 * (`values`), in one answer: `secretsentry run` needs one request for any number of secrets.
 * Reading values is a `token.read` event with the count; the metadata alone is not a read.
 */
export function tokenSecrets(deps: VaultDeps, auth: AuthedToken, values: boolean) {
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    const folderIds = (await servedGrants(trx, auth.row)).map((g) => g.folder_id)
    const secrets = await q.secretsInFolders(trx, folderIds)
    const staged = values ? await q.stagedValues(trx, folderIds, auth.row.stage === 'any') : []
    const bySecret = new Map<string, typeof staged>()
    for (const v of staged) {
      const list = bySecret.get(hex(v.secret_id))
      if (list) list.push(v)
      else bySecret.set(hex(v.secret_id), [v])
    }
    if (values) {
      await deps.audit.record(
        trx,
        tokenEvent(auth.row, auth.client, now, 'token.read', `${secrets.length} secret(s)`),
      )
    }
    await touchIn(deps, trx, auth, now)
    return secrets.map((s) => ({
      ...toSecretMeta(s),
      values: (bySecret.get(hex(s.id)) ?? []).map((v) => toValue(s, v)),
    }))
  })
}

export type ValueSelector = { version: number } | { stage: SecretStage }

/**
 * One value. A `current` token reads current versions only: asking for another stage or a
 * version number is refused (404, audited), whatever the secret holds.
 */
export function tokenSecret(
  deps: VaultDeps,
  auth: AuthedToken,
  id: Buffer,
  selector: ValueSelector,
) {
  return deps.queue.run(async (trx) => {
    const now = deps.clock()
    const token = auth.row
    const deny = async (detail: string, secretId: Buffer | null) => {
      await deps.audit.record(
        trx,
        tokenEvent(token, auth.client, now, 'token.denied', detail, secretId),
      )
      await touchIn(deps, trx, auth, now)
    }
    const secret = await vq.findSecret(trx, id)
    const own = secret !== undefined && secret.user_id.equals(token.user_id)
    const served =
      own &&
      secret.deleted_at === null &&
      (await servedGrants(trx, token)).some((g) => g.folder_id.equals(secret.folder_id))
    if (!secret || !served) {
      // Another account's secret id is not put on this trail: it is not this owner's to see.
      await deny("read refused: no such secret in the token's folders", own ? id : null)
      return { kind: 'not_found' as const }
    }
    const current = 'stage' in selector && selector.stage === 'current'
    if (token.stage === 'current' && !current) {
      const asked = 'stage' in selector ? `the ${selector.stage} version` : 'a version by number'
      await deny(`read refused: ${asked}; the token reads current versions only`, id)
      return { kind: 'stage_refused' as const }
    }
    const number = 'version' in selector ? selector.version : secret[`${selector.stage}_version`]
    const version = number === null ? undefined : await vq.findVersion(trx, id, number)
    if (!version) return { kind: 'no_version' as const }
    await deps.audit.record(
      trx,
      tokenEvent(token, auth.client, now, 'token.read', `version ${version.version}`, id),
    )
    await touchIn(deps, trx, auth, now)
    return {
      kind: 'ok' as const,
      secret: { ...toSecretMeta(secret), value: toValue(secret, version) },
    }
  })
}
