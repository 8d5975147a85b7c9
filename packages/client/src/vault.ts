/**
 * @module The vault client (vault design §2–§3): accounts, sessions and secrets, for the web app,
 * the CLI and the SDK alike. Everything secret is sealed and opened here; the server sees only
 * authKey, wrapped keys and ciphertext.
 *
 * Security promises:
 * - Only authKey (never the password, masterKey, kek or any key) goes to the server.
 * - KDF settings below the keyring's floor, or weaker than the ones last used for the account
 *   (kdf-policy.ts), stop before anything is derived or sent.
 * - A VaultSession holds the unwrapped keys in memory only; `lock()` overwrites them with zeros
 *   and drops every decrypted record, and every later call throws `locked`.
 */
import { notificationsClient, type NotificationsClient } from './notifications.ts'
import { createShare, EnvelopeError, fromB64url, toB64url } from '@secretsentry/envelope'
import {
  changePassword as changeAccountPassword,
  createAccount,
  createFolder as createFolderRecord,
  createServiceToken,
  deriveAccountKeys,
  FIRST_FOLDER_NAME,
  grantFolder,
  KDF_DEFAULTS,
  openFolder,
  openTokenMeta,
  pathIsWithin,
  rewrapForMove,
  sealFolderMeta,
  sealTokenMeta,
  unlockAccount,
  unwrapTokenKey,
  unwrapUserKey,
} from '@secretsentry/keyring'
import type { KdfParams } from '@secretsentry/keyring'
import { SERVICE_TOKEN_LIMITS } from '@secretsentry/contract/limits'
import type {
  Account,
  AccountResponse,
  AuditEventName,
  AuditResponse,
  AuditResult,
  CreateSecretRequest,
  CreateShareRequest,
  CreateTokenRequest,
  CreateShareResponse,
  DeleteSecretResponse,
  Folder,
  LoginResponse,
  MoveSecretRequest,
  SecretKeysResponse,
  PasswordChangeResponse,
  PreloginResponse,
  SecretStage,
  SecretSummary,
  SecretWithValue,
  ShareReceiptRequest,
  TokenGrant,
  TokenInfoResponse,
  TokensResponse,
  UpdateSecretRequest,
  VaultShare,
} from '@secretsentry/contract/types'
import { ClientError, localError } from './errors.ts'
import {
  newSecretRequest,
  openAnsweredValue,
  openMetaOrNull,
  sealMeta,
  sealValue,
  viaCrypto,
  viaCryptoAsync,
} from './secret-crypto.ts'
import { connect, normalizeOrigin } from './http.ts'
import type { ConnectionOptions, Method } from './http.ts'
import { assertOfferedKdf, kdfMemoryKey, refuseKdfDowngrade, rememberKdf } from './kdf-policy.ts'
import type { ConfirmWeakerKdf, KdfGuard, KdfMemory } from './kdf-policy.ts'
import { formatLink } from './link.ts'
import { ROTATION_LIMITS } from './rotation.ts'
import type { SecretMeta } from './meta.ts'
import { resolveSecret } from './paths.ts'
import type { VaultItem } from './paths.ts'
import {
  buildTree,
  checkFolderName,
  ENVIRONMENTS,
  findFolder,
  folderSegments,
  parentBinding,
  placeSecret,
  requireFolder,
  sealedParentOf,
} from './folders.ts'
import type { FolderItem, OpenedFolderInfo } from './folders.ts'

export { ClientError } from './errors.ts'
export type { ClientErrorCode, ClientErrorDetails } from './errors.ts'
export type { ConnectionOptions, FetchLike, HttpRequest, HttpResponse } from './http.ts'
export { describeKdf, kdfMemoryKey, readRemembered } from './kdf-policy.ts'
export type { ConfirmWeakerKdf, KdfMemory, RememberedKdf } from './kdf-policy.ts'
export { cleanMeta, META_LIMITS, PATH_PATTERN, validateMeta } from './meta.ts'
export type { MetaErrors, SecretMeta } from './meta.ts'
export { resolveSecret, secretPath, secretsUnder, splitPath } from './paths.ts'
export type { VaultItem } from './paths.ts'
export { ENVIRONMENTS, FOLDER_NAME_PATTERN, findFolder, folderSegments } from './folders.ts'
export { DAY_MS, formatDays, isStale, ROTATION_LIMITS, staleness } from './rotation.ts'
export type { Staleness } from './rotation.ts'
export type { FolderItem } from './folders.ts'
export type { KdfParams } from '@secretsentry/keyring'
export type {
  Account,
  AuditEntry,
  AuditEventName,
  AuditResponse,
  AuditResult,
  Folder,
  SecretStage,
  SecretSummary,
  SecretVersion,
  VaultShare,
} from '@secretsentry/contract/types'

export type SecretItem = VaultItem<SecretSummary>
export type Stage = 'current' | 'pending' | 'previous'

export interface VaultClientOptions extends ConnectionOptions {
  /**
   * `cookie` (browser): the server sets an HttpOnly cookie; the client sends the CSRF token it
   * got with every request that changes something. `bearer` (CLI, SDK): the token is in the
   * login answer and goes in Authorization; no cookie, no CSRF.
   */
  session: 'cookie' | 'bearer'
  /** bearer: the token of an earlier login (a CLI's session file). */
  token?: string
  /** The origin put in share links and in the KDF memory key (default: `origin`). */
  linkOrigin?: string
  /** Where the KDF settings last used per account are remembered; none: no downgrade check. */
  kdfMemory?: KdfMemory
  /** Asked when a server offers weaker KDF settings than last time; absent: refused. */
  confirmWeakerKdf?: ConfirmWeakerKdf
  /** Argon2id progress: 0..1 while it runs, null when it ends. */
  onKdfProgress?: (fraction: number | null) => void
}

export interface LoginOptions {
  /** Weaker settings the user already agreed to (exactly these go on without asking). */
  acceptWeakerKdf?: KdfParams
}

export interface SecretInput {
  meta: SecretMeta
  value: string
  /**
   * The folder (path or id) to create the secret in, its metadata path kept as given. Without
   * it, the deepest folder whose path starts `meta.path` takes it, with the rest as its path.
   */
  folder?: string
  /**
   * Days between rotations (ROTATION_LIMITS: 1 to 3650), or null/absent for none (then the
   * 90-day default applies). Unlike everything else here it is sent in clear: the server sends
   * the daily digest of secrets due for rotation.
   */
  rotationDays?: number | null
}

export interface SecretChange {
  meta?: SecretMeta
  value?: string
  /** Where a new value goes: `current` (default) or `pending` (a rotation staged for later). */
  stage?: 'current' | 'pending'
  /** The new value is version N re-encrypted (Restore this version). */
  restoredFrom?: number
  /** A new rotation interval in days, or null to clear it; absent: unchanged. Sent in clear. */
  rotationDays?: number | null
}

export interface ShareChoices {
  ttlSeconds: number
  maxViews: number
  passphrase?: string
  /** A receipt when the link ends (see the share client's ShareOptions.receipt). */
  receipt?: ShareReceiptRequest
}

export interface VaultLink {
  link: string
  id: string
  fragment: string
  expiresAt: string
  manageToken: string
}

export interface AuditQuery {
  limit?: number
  before?: string
  event?: AuditEventName
  secretId?: string
  result?: AuditResult
}

export interface ReadValue {
  value: string
  version: number
  /** The answer's summary (without the sealed value). */
  summary: SecretSummary
}

export type TokenStage = 'current' | 'any'

/** A service token as its owner sees it (never its text, which is shown once at creation). */
export interface TokenInfo {
  id: string
  /** Clear text on the server (like a username): never anything secret. */
  name: string
  /** The root folder's path, resolved by the owner ('/' for the vault's root folder). */
  path: string
  includeSubfolders: boolean
  readWrite: boolean
  stage: TokenStage
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
  lastUsedAt: string | null
  /** Keyed hash of the address it was last used from, as the audit trail shows clients. */
  lastUsedClient: string | null
}

export interface CreateTokenInput {
  /** The folder the token reads (and its subfolders with includeSubfolders). */
  path: string
  /** Default `token-` and the start of its id. Stored in clear: nothing secret. */
  name?: string
  /** Default null: no expiry (revoke it instead). */
  expiresInSeconds?: number | null
  /** Default false. */
  includeSubfolders?: boolean
  /** Default false: read-only. */
  readWrite?: boolean
  /** Default 'current': the current version only; 'any' reads pending and previous too. */
  stage?: TokenStage
}

export interface VaultSession {
  /** The signed-in account (replaced after a password change). */
  readonly account: Account
  readonly locked: boolean
  /** The folder new secrets go into (the account's first folder until folders exist). */
  readonly defaultFolderId: string | null
  /** Zeroes every key and drops decrypted metadata; the server session stays (unlock works). */
  lock(): void
  /** A copy of the unwrapped user key, for a caller that keeps it encrypted (the CLI); wipe it after use. */
  exportUserKey(): Uint8Array
  /** A summary with its metadata decrypted (null when unreadable); cached per ciphertext. */
  decrypt(summary: SecretSummary): SecretItem
  list(options?: { deleted?: boolean }): Promise<SecretItem[]>
  /** Lists, then finds the one secret at a path, name or id (secret_not_found / ambiguous). */
  resolve(path: string): Promise<SecretItem>
  /** Decrypts a version: the current one, `version`, or the one with `stage`. The server audits the read. */
  read(
    target: string | SecretSummary,
    options?: { version?: number; stage?: Stage },
  ): Promise<ReadValue>
  create(input: SecretInput): Promise<SecretItem>
  /** Check-and-set against `summary.revision`: a concurrent change gives 409 conflict. */
  update(summary: SecretSummary, change: SecretChange): Promise<SecretItem>
  /** Version N decrypted here, re-encrypted as a new current version. */
  restoreVersion(summary: SecretSummary, version: number): Promise<SecretItem>
  promote(summary: SecretSummary): Promise<SecretItem>
  /** Recoverable until purgeAt. */
  delete(id: string): Promise<DeleteSecretResponse>
  restore(id: string): Promise<SecretItem>
  purge(id: string): Promise<void>
  /** A one-time link to the current value: decrypted here, sealed under a fresh share seed. */
  share(id: string, choices: ShareChoices): Promise<VaultLink>
  shares(id: string): Promise<VaultShare[]>
  revokeShare(id: string, shareId: string): Promise<void>
  audit(query?: AuditQuery): Promise<AuditResponse>
  /** Re-wraps the user key under the new password (today's KDF defaults); nothing else changes. */
  changePassword(current: string, next: string): Promise<void>
  /** The folder tree as last fetched, in path order; the root (path '') first. */
  folders(): FolderItem[]
  /** Fetches the folders again (another session may have changed them). */
  refreshFolders(): Promise<FolderItem[]>
  /**
   * Creates the folder at `path` (like /app/production/database). With `parents` (the default)
   * missing parents are created and an existing folder is returned as is; without, a missing
   * parent is folder_not_found and an existing folder folder_exists. A new folder within the
   * root of a service token that includes its subfolders is granted to it (SPEC §11.3).
   */
  mkdir(path: string, options?: { parents?: boolean }): Promise<FolderItem>
  /**
   * New name, same parent (check-and-set on the folder's revision). Tokens whose root path
   * changed get it sealed again.
   */
  renameFolder(pathOrId: string, name: string): Promise<FolderItem>
  /**
   * Moves a folder (and everything in it): into `dest` when that folder exists, else to `dest`'s
   * parent under `dest`'s last segment as its name. Only ids change on the server. The folder
   * and its subfolders are granted to tokens whose root now holds them (SPEC §11.3), and tokens
   * whose root path changed get it sealed again.
   */
  moveFolder(pathOrId: string, dest: string): Promise<FolderItem>
  /** Deletes an empty folder (the server refuses one with subfolders or secrets, deleted ones too). */
  removeFolder(pathOrId: string): Promise<void>
  /**
   * Moves a secret into the folder at `destPath`: every version's data key is unwrapped here
   * with the old folder key and wrapped under the new one, and the metadata re-sealed under it
   * (its own path cleared, so the secret sits right in the folder); the server swaps all of it
   * at once or nothing.
   */
  moveSecret(summary: SecretSummary, destPath: string): Promise<SecretItem>
  /** development, staging and production under `projectPath` (created when missing; idempotent). */
  environments(projectPath: string): Promise<FolderItem[]>
  /** The account's service tokens, revoked ones too. */
  tokens(): Promise<TokenInfo[]>
  /**
   * A service token for the folder at `input.path`: the keys are made here and only the
   * verifier and wrapped keys go to the server. `text` is the token: show it once, never store it.
   */
  createToken(input: CreateTokenInput): Promise<{ text: string; token: TokenInfo }>
  /** Revokes at once (by id, or by the name of a live token); revoking a revoked one is fine. */
  revokeToken(idOrName: string): Promise<void>
}

export interface VaultClient {
  readonly origin: string
  /** The account's notification channels, over this client's session (cookie + CSRF, or bearer). */
  readonly notifications: NotificationsClient
  /** The bearer token of the session (null for cookie sessions or before login). */
  token(): string | null
  /** `options.invite`: the token of an administrator's invite link (invite-only instances). */
  register(username: string, password: string, options?: { invite?: string }): Promise<VaultSession>
  login(username: string, password: string, options?: LoginOptions): Promise<VaultSession>
  /** The account of the live session (cookie or token); `unauthenticated` when there is none. */
  account(): Promise<Account>
  /** The session is alive but holds no keys (a reload, a lock): the password brings them back. */
  unlock(account: Account, password: string, options?: LoginOptions): Promise<VaultSession>
  /** A session from a user key kept by the caller (the CLI's session file); checks it opens the folders. */
  openWithUserKey(token: string | null, userKey: Uint8Array): Promise<VaultSession>
  /** Ends the session on the server; the token is forgotten even when the server already had. */
  logout(): Promise<void>
}

/** Best effort: JS cannot promise that no copy of a key survives in memory (GC moves, JIT). */
export function wipe(...keys: (Uint8Array | null | undefined)[]): void {
  for (const k of keys) k?.fill(0)
}

/** The highest version number the secret has had (new versions take the next one). */
export function latestVersion(summary: SecretSummary): number {
  return summary.versions.reduce((max, v) => Math.max(max, v.version), 0)
}

export function versionWithStage(summary: SecretSummary, stage: SecretStage): number | null {
  return summary.versions.find((v) => v.stages.includes(stage))?.version ?? null
}

/** A rotation interval as the server takes it, checked here so a caller learns the field early. */
function checkRotationDays(days: number | null): number | null {
  if (days === null) return null
  if (!Number.isInteger(days) || days < ROTATION_LIMITS.minDays || days > ROTATION_LIMITS.maxDays) {
    throw localError(
      'bad_input',
      `rotationDays: must be a whole number of days from ${ROTATION_LIMITS.minDays} to ${ROTATION_LIMITS.maxDays}, or null`,
      { field: 'rotationDays' },
    )
  }
  return days
}

/** A token's root path when neither the folder tree nor its sealed root path gives one. */
export const UNKNOWN_TOKEN_ROOT = '(unknown folder)'

const secretUrl = (id: string): string => `/api/secrets/${encodeURIComponent(id)}`
const revisionTag = (revision: number): string => `"${revision}"`

export function createVaultClient(options: VaultClientOptions): VaultClient {
  const http = connect(options)
  if (options.session !== 'cookie' && options.session !== 'bearer') {
    throw localError('bad_input', "session must be 'cookie' or 'bearer'", { field: 'session' })
  }
  const bearerMode = options.session === 'bearer'
  const linkOrigin =
    options.linkOrigin === undefined
      ? http.origin
      : normalizeOrigin(options.linkOrigin, 'linkOrigin')
  const guard: KdfGuard = { memory: options.kdfMemory, confirm: options.confirmWeakerKdf }
  const memoryKey = (username: string): string => kdfMemoryKey(linkOrigin, username)
  let token: string | null = options.token ?? null
  let csrfToken: string | null = null

  /**
   * Security promise (design §2): a cookie session sends X-CSRF-Token with every request but GET;
   * with the SameSite=Strict cookie, another site cannot act as the user. A bearer session sends
   * only its token (the server accepts a token only the way it issued it).
   */
  function authHeaders(method: Method, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra }
    if (bearerMode) {
      if (token !== null) headers['authorization'] = `Bearer ${token}`
    } else if (method !== 'GET' && csrfToken !== null) {
      headers['x-csrf-token'] = csrfToken
    }
    return headers
  }

  const call = <T>(
    method: Method,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => http.call<T>(method, path, { body, headers: authHeaders(method, headers) })

  async function slow<T>(run: (onProgress: (f: number) => void) => Promise<T>): Promise<T> {
    const report = options.onKdfProgress
    report?.(0)
    try {
      return await viaCryptoAsync(() => run((f) => report?.(Math.min(1, Math.max(0, f)))))
    } finally {
      report?.(null)
    }
  }

  function adopt(res: LoginResponse | AccountResponse): Account {
    csrfToken = res.csrfToken
    if (bearerMode && 'token' in res && typeof res.token === 'string') token = res.token
    return res.account
  }

  interface OpenFolders {
    keys: Map<string, Uint8Array>
    infos: OpenedFolderInfo[]
    /**
     * The parent ids the server keeps (it checks a token's grants against them); paths come from
     * the sealed parents only.
     */
    serverParents: Map<string, string | null>
  }

  /** Opens every folder (keys already held are reused, so a refresh unwraps only new ones). */
  async function openFolders(userKey: Uint8Array, held?: OpenFolders): Promise<OpenFolders> {
    const { folders } = await call<{ folders: Folder[] }>('GET', '/api/folders')
    const keys = new Map<string, Uint8Array>()
    const infos: OpenedFolderInfo[] = []
    const serverParents = new Map(folders.map((f) => [f.id, f.parentId]))
    try {
      for (const f of folders) {
        const opened = viaCrypto(() => openFolder(userKey, f))
        const old = held?.keys.get(f.id)
        if (old) wipe(opened.key)
        keys.set(f.id, old ?? opened.key)
        infos.push({
          id: f.id,
          name: opened.meta.name,
          sealedParent: sealedParentOf(opened.meta.path),
          revision: f.revision,
        })
      }
    } catch (e) {
      for (const [id, k] of keys) if (held?.keys.get(id) !== k) wipe(k)
      throw e
    }
    if (held) for (const [id, k] of held.keys) if (!keys.has(id)) wipe(k)
    // Map order is insertion order: the first folder stays first.
    return { keys, infos, serverParents }
  }

  async function startSession(account: Account, userKey: Uint8Array): Promise<VaultSession> {
    let opened: OpenFolders
    try {
      opened = await openFolders(userKey)
    } catch (e) {
      wipe(userKey)
      throw e
    }
    return makeSession(account, userKey, opened)
  }

  function makeSession(
    initialAccount: Account,
    userKey: Uint8Array,
    initialFolders: OpenFolders,
  ): VaultSession {
    let account = initialAccount
    let locked = false
    let opened = initialFolders
    const folderKeys = opened.keys
    let tree = buildTree(opened.infos)
    const defaultFolderId: string | null = tree.find((f) => f.root)?.id ?? null
    /** Decrypted metadata by secret id and ciphertext, so a refresh opens only what changed. */
    const metaCache = new Map<string, { ciphertext: string; meta: SecretMeta | null }>()

    function requireOpen(): void {
      if (locked) throw localError('locked', 'The vault is locked.')
    }

    function folderKey(folderId: string): Uint8Array {
      requireOpen()
      const key = folderKeys.get(folderId)
      if (!key)
        throw localError('decrypt_failed', 'This secret is in a folder this account cannot open.')
      return key
    }

    function decrypt(summary: SecretSummary): SecretItem {
      const folderPath = tree.find((f) => f.id === summary.folderId)?.path ?? ''
      const cached = metaCache.get(summary.id)
      if (cached && cached.ciphertext === summary.meta.ciphertext) {
        return { id: summary.id, summary, meta: cached.meta, folderPath }
      }
      const key = locked ? undefined : folderKeys.get(summary.folderId)
      let meta: SecretMeta | null = null
      if (key) {
        // Tampered, swapped or from a folder we cannot open: listed as unreadable.
        meta = openMetaOrNull(key, summary)
        metaCache.set(summary.id, { ciphertext: summary.meta.ciphertext, meta })
      }
      return { id: summary.id, summary, meta, folderPath }
    }

    async function list(opts: { deleted?: boolean } = {}): Promise<SecretItem[]> {
      requireOpen()
      const { secrets } = await call<{ secrets: SecretSummary[] }>(
        'GET',
        opts.deleted ? '/api/secrets?deleted=true' : '/api/secrets',
      )
      requireOpen()
      // A folder made by another session since this one opened: fetch the tree again.
      if (secrets.some((s) => !folderKeys.has(s.folderId))) await refreshFolders()
      const wanted = opts.deleted ? secrets.filter((s) => s.deletedAt !== null) : secrets
      return wanted.map(decrypt)
    }

    async function summaryOf(target: string | SecretSummary): Promise<SecretSummary> {
      if (typeof target !== 'string') return target
      const found = (await list()).find((i) => i.id === target)
      if (!found) throw localError('secret_not_found', 'No such secret in the vault.')
      return found.summary
    }

    async function read(
      target: string | SecretSummary,
      opts: { version?: number; stage?: Stage } = {},
    ): Promise<ReadValue> {
      requireOpen()
      let version = opts.version
      if (version === undefined && opts.stage !== undefined && opts.stage !== 'current') {
        const summary = await summaryOf(target)
        const found = versionWithStage(summary, opts.stage)
        if (found === null)
          throw localError('not_found', `This secret has no ${opts.stage} version.`)
        version = found
      }
      const id = typeof target === 'string' ? target : target.id
      const path = version === undefined ? secretUrl(id) : `${secretUrl(id)}?version=${version}`
      const body = await call<SecretWithValue>('GET', path)
      // The version asked for, or the one the answer labels current (see openAnsweredValue).
      const asked = version ?? versionWithStage(body, 'current')
      const opened = openAnsweredValue(folderKey(body.folderId), id, body, asked)
      const { value: _sealed, ...summary } = body
      return { ...opened, summary }
    }

    async function update(summary: SecretSummary, change: SecretChange): Promise<SecretItem> {
      requireOpen()
      const key = folderKey(summary.folderId)
      const body: UpdateSecretRequest = {}
      if (change.meta) {
        const revision = summary.meta.revision + 1
        body.meta = { revision, ciphertext: sealMeta(key, summary.id, revision, change.meta) }
      }
      if (change.rotationDays !== undefined) {
        body.rotationDays = checkRotationDays(change.rotationDays)
      }
      if (change.value !== undefined) {
        const version = latestVersion(summary) + 1
        body.value = {
          version,
          ...sealValue(key, summary.id, version, change.value),
          stage: change.stage ?? 'current',
          ...(change.restoredFrom !== undefined ? { restoredFrom: change.restoredFrom } : {}),
        }
      }
      const res = await call<SecretSummary>('PUT', secretUrl(summary.id), body, {
        'if-match': revisionTag(summary.revision),
      })
      return decrypt(res)
    }

    async function refreshFolders(): Promise<FolderItem[]> {
      requireOpen()
      const next = await openFolders(userKey, opened)
      if (locked) {
        wipe(...next.keys.values())
        throw localError('locked', 'The vault is locked.')
      }
      folderKeys.clear()
      for (const [id, k] of next.keys) folderKeys.set(id, k)
      opened = { keys: folderKeys, infos: next.infos, serverParents: next.serverParents }
      tree = buildTree(opened.infos)
      return tree
    }

    const folderUrl = (id: string): string => `/api/folders/${encodeURIComponent(id)}`
    const tokenUrl = (id: string): string => `/api/tokens/${encodeURIComponent(id)}`
    const pathOf = (segments: string[]): string => segments.map((x) => `/${x}`).join('')

    async function createChild(parent: FolderItem, name: string): Promise<FolderItem> {
      const created = viaCrypto(() =>
        createFolderRecord(userKey, { name, path: parentBinding(parent.id) }),
      )
      try {
        await call<Folder>('POST', '/api/folders', {
          id: created.id,
          parentId: parent.id,
          wrappedKey: created.wrappedKey,
          meta: created.meta,
        })
      } finally {
        wipe(created.key)
      }
      await refreshFolders()
      return requireFolder(tree, created.id)
    }

    async function mkdir(path: string, opts: { parents?: boolean } = {}): Promise<FolderItem> {
      requireOpen()
      const segments = folderSegments(path)
      const parents = opts.parents ?? true
      await refreshFolders()
      let at = tree.find((f) => f.root)
      if (!at) throw localError('folder_not_found', 'This account has no root folder.')
      if (segments.length === 0) {
        if (parents) return at
        throw localError('folder_exists', 'The root folder / exists.')
      }
      const created: string[] = []
      for (let i = 0; i < segments.length; i++) {
        const here = pathOf(segments.slice(0, i + 1))
        const existing = tree.find((f) => f.path === here)
        const last = i === segments.length - 1
        if (existing) {
          if (last && !parents) throw localError('folder_exists', `A folder ${here} exists.`)
          at = existing
          continue
        }
        if (!last && !parents) {
          throw localError('folder_not_found', `No folder ${here}; create parents too (-p).`)
        }
        at = await createChild(at, segments[i]!)
        created.push(at.id)
      }
      await grantToTokens(created)
      return at
    }

    /** New metadata (name and sealed parent) for a folder, sent with check-and-set. */
    async function reseatFolder(
      folder: FolderItem,
      parent: FolderItem,
      name: string,
    ): Promise<FolderItem> {
      if (folder.root) throw localError('bad_input', 'The root folder cannot be renamed or moved.')
      if (tree.some((f) => f.path === `${parent.path}/${name}` && f.id !== folder.id)) {
        throw localError('folder_exists', `A folder ${parent.path}/${name} exists.`)
      }
      const key = folderKeys.get(folder.id)
      if (!key) throw localError('folder_not_found', 'This folder cannot be opened.')
      const meta = viaCrypto(() =>
        sealFolderMeta(key, folder.id, { name, path: parentBinding(parent.id) }),
      )
      await call<Folder>(
        'PUT',
        folderUrl(folder.id),
        { parentId: parent.id, meta },
        { 'if-match': revisionTag(folder.revision) },
      )
      await refreshFolders()
      return requireFolder(tree, folder.id)
    }

    async function moveSecret(summary: SecretSummary, destPath: string): Promise<SecretItem> {
      requireOpen()
      await refreshFolders()
      const dest = requireFolder(tree, destPath)
      if (dest.id === summary.folderId) {
        throw localError('bad_input', 'The secret is already in this folder.', { field: 'dest' })
      }
      const oldKey = folderKey(summary.folderId)
      const newKey = folderKey(dest.id)
      const keys = await call<SecretKeysResponse>('GET', `${secretUrl(summary.id)}/keys`)
      if (keys.revision !== summary.revision || keys.folderId !== summary.folderId) {
        throw localError(
          'conflict',
          `The secret changed meanwhile (now at revision ${keys.revision}); list it again and retry.`,
        )
      }
      const { meta } = decrypt(summary)
      if (!meta) throw localError('decrypt_failed', 'This secret’s metadata cannot be opened.')
      // The keyring's one implementation of SPEC.md §12: every data key re-wrapped, meta re-sealed.
      const moved = viaCrypto(() =>
        rewrapForMove(
          oldKey,
          { id: dest.id, key: newKey },
          {
            id: summary.id,
            metaRevision: summary.meta.revision,
            meta: summary.meta.ciphertext,
            versions: keys.versions,
          },
          { meta: { ...meta, path: '' } },
        ),
      )
      const body: MoveSecretRequest = {
        folderId: moved.folderId,
        meta: moved.meta,
        versions: moved.versions,
      }
      const res = await call<SecretSummary>('POST', `${secretUrl(summary.id)}/move`, body, {
        'if-match': revisionTag(summary.revision),
      })
      return decrypt(res)
    }

    /** Whether the server's tree has `id` below `rootId` (it refuses grants elsewhere). */
    function serverBelow(id: string, rootId: string): boolean {
      const parents = opened.serverParents
      let at = parents.get(id) ?? null
      for (let steps = 0; at !== null && steps <= parents.size; steps++) {
        if (at === rootId) return true
        at = parents.get(at) ?? null
      }
      return false
    }

    /** The folders a token for `root` with its subfolders is granted: below it in both trees. */
    const subfoldersOf = (root: FolderItem): FolderItem[] =>
      tree.filter(
        (f) => f.id !== root.id && pathIsWithin(f.path, root.path) && serverBelow(f.id, root.id),
      )

    /** The root's path as the owner's tree has it, else as sealed in the token ('/' for the top). */
    function toTokenInfo(t: TokenInfoResponse): TokenInfo {
      let path = tree.find((f) => f.id === t.rootFolderId)?.path
      if (path === undefined) {
        try {
          const wrapKey = unwrapTokenKey(userKey, t.id, t.ownerWrappedKey)
          try {
            path = openTokenMeta(wrapKey, t.id, t.tokenMeta).path
          } finally {
            wipe(wrapKey)
          }
        } catch {
          // Never '/': an unreadable root must not look like a token for the whole vault.
          path = UNKNOWN_TOKEN_ROOT
        }
      }
      return {
        id: t.id,
        name: t.name,
        path: path === '' ? '/' : path,
        includeSubfolders: t.includeSubfolders,
        readWrite: t.readWrite,
        stage: t.stage,
        createdAt: t.createdAt,
        expiresAt: t.expiresAt,
        revokedAt: t.revokedAt,
        lastUsedAt: t.lastUsedAt,
        lastUsedClient: t.lastUsedClient,
      }
    }

    async function listTokens(): Promise<TokenInfoResponse[]> {
      return (await call<TokensResponse>('GET', '/api/tokens')).tokens
    }

    /**
     * SPEC §11.3 (MUST): a folder created or moved within the root of a token that includes its
     * subfolders gets a `subfolder` grant, made here (the only place the folder key and the
     * token's wrapKey meet). A token revoked or changed meanwhile is skipped.
     */
    async function grantToTokens(folderIds: string[]): Promise<void> {
      if (folderIds.length === 0) return
      const now = Date.now()
      for (const t of await listTokens()) {
        if (t.revokedAt !== null || !t.includeSubfolders) continue
        if (t.expiresAt !== null && Date.parse(t.expiresAt) <= now) continue
        const root = tree.find((f) => f.id === t.rootFolderId)
        if (!root) continue
        const within = new Set(subfoldersOf(root).map((f) => f.id))
        const targets = folderIds.filter((id) => within.has(id))
        if (targets.length === 0) continue
        const wrapKey = viaCrypto(() => unwrapTokenKey(userKey, t.id, t.ownerWrappedKey))
        let grants: TokenGrant[]
        try {
          grants = targets.map((id) =>
            viaCrypto(() => grantFolder(wrapKey, t.id, { id, key: folderKey(id) }, 'subfolder')),
          )
        } finally {
          wipe(wrapKey)
        }
        try {
          await call<TokenInfoResponse>('POST', `${tokenUrl(t.id)}/grants`, { grants })
        } catch (e) {
          if (e instanceof ClientError && (e.code === 'conflict' || e.code === 'not_found'))
            continue
          throw e
        }
      }
    }

    /**
     * After a rename or move, each token whose root now has another path gets its sealed root
     * path (SPEC §11.6) again, so its holder shows the paths the owner sees.
     */
    async function resealTokenPaths(): Promise<void> {
      for (const t of await listTokens()) {
        if (t.revokedAt !== null) continue
        const root = tree.find((f) => f.id === t.rootFolderId)
        if (!root) continue
        const wrapKey = viaCrypto(() => unwrapTokenKey(userKey, t.id, t.ownerWrappedKey))
        let tokenMeta: string
        try {
          let sealedPath: string | null = null
          try {
            sealedPath = openTokenMeta(wrapKey, t.id, t.tokenMeta).path
          } catch {
            // Unreadable (tampered): sealed anew below.
          }
          if (sealedPath === root.path) continue
          tokenMeta = viaCrypto(() => sealTokenMeta(wrapKey, t.id, { path: root.path }))
        } finally {
          wipe(wrapKey)
        }
        try {
          await call<TokenInfoResponse>('PUT', `${tokenUrl(t.id)}/meta`, { tokenMeta })
        } catch (e) {
          if (e instanceof ClientError && (e.code === 'conflict' || e.code === 'not_found'))
            continue
          throw e
        }
      }
    }

    async function createToken(
      input: CreateTokenInput,
    ): Promise<{ text: string; token: TokenInfo }> {
      requireOpen()
      if (typeof input !== 'object' || input === null || typeof input.path !== 'string') {
        throw localError('bad_input', 'path: the folder the token is for', { field: 'path' })
      }
      await refreshFolders()
      const root = requireFolder(tree, input.path)
      const includeSubfolders = input.includeSubfolders ?? false
      const subs = includeSubfolders ? subfoldersOf(root) : []
      if (subs.length + 1 > SERVICE_TOKEN_LIMITS.maxGrants) {
        throw localError(
          'bad_input',
          `A token can hold at most ${SERVICE_TOKEN_LIMITS.maxGrants} folders; ${root.path || '/'} has ${subs.length + 1}.`,
          { field: 'includeSubfolders' },
        )
      }
      const made = viaCrypto(() =>
        createServiceToken(
          userKey,
          { id: root.id, key: folderKey(root.id) },
          subs.map((f) => ({ id: f.id, key: folderKey(f.id) })),
          { path: root.path },
        ),
      )
      const name = input.name?.trim() || `token-${made.id.slice(0, 8)}`
      const body: CreateTokenRequest = {
        id: made.id,
        verifier: made.verifier,
        ownerWrappedKey: made.ownerWrappedKey,
        grants: made.grants,
        name,
        tokenMeta: made.meta,
        includeSubfolders,
        readWrite: input.readWrite ?? false,
        stage: input.stage ?? 'current',
        expiresInSeconds: input.expiresInSeconds ?? null,
      }
      const res = await call<TokenInfoResponse>('POST', '/api/tokens', body)
      return { text: made.text, token: toTokenInfo(res) }
    }

    return {
      async tokens() {
        requireOpen()
        const list = await listTokens()
        if (list.some((t) => !tree.some((f) => f.id === t.rootFolderId))) await refreshFolders()
        return list.map(toTokenInfo)
      },
      createToken,

      async revokeToken(idOrName) {
        requireOpen()
        const text = typeof idOrName === 'string' ? idOrName.trim() : ''
        if (text === '')
          throw localError('bad_input', 'Name or id of the token', { field: 'token' })
        const list = await listTokens()
        const byId = list.find((t) => t.id === text)
        const named = list.filter((t) => t.name === text)
        const live = named.filter((t) => t.revokedAt === null)
        const target = byId ?? (live.length > 0 ? live : named)[0]
        if (!byId && live.length > 1) {
          throw localError(
            'ambiguous',
            `${live.length} tokens are named ${text}: ${live.map((t) => t.id).join(', ')}. Use an id.`,
            { candidates: live.map((t) => t.id) },
          )
        }
        if (!target) throw localError('not_found', `No token named ${text} or with that id.`)
        await call<void>('DELETE', tokenUrl(target.id))
      },

      folders: () => {
        requireOpen()
        return tree.slice()
      },
      refreshFolders,
      mkdir,
      moveSecret,

      async renameFolder(pathOrId, name) {
        requireOpen()
        await refreshFolders()
        const folder = requireFolder(tree, pathOrId)
        const parent = tree.find((f) => f.id === folder.parentId)
        if (!parent) throw localError('folder_not_found', 'The folder’s parent cannot be found.')
        const renamed = await reseatFolder(folder, parent, checkFolderName(name))
        await resealTokenPaths()
        return renamed
      },

      async moveFolder(pathOrId, dest) {
        requireOpen()
        await refreshFolders()
        const folder = requireFolder(tree, pathOrId)
        const into = findFolder(tree, dest)
        let moved: FolderItem
        if (into) moved = await reseatFolder(folder, into, folder.name)
        else {
          const segments = folderSegments(dest, 'dest')
          const name = segments.pop()!
          const parent = tree.find((f) => f.path === pathOf(segments))
          if (!parent) {
            throw localError(
              'folder_not_found',
              `No folder ${pathOf(segments) || '/'} to move into.`,
            )
          }
          moved = await reseatFolder(folder, parent, name)
        }
        // The folder and everything in it may now be within a token's root (SPEC §11.3).
        await grantToTokens(tree.filter((f) => pathIsWithin(f.path, moved.path)).map((f) => f.id))
        await resealTokenPaths()
        return moved
      },

      async removeFolder(pathOrId) {
        requireOpen()
        await refreshFolders()
        const folder = requireFolder(tree, pathOrId)
        if (folder.root) throw localError('bad_input', 'The root folder cannot be deleted.')
        await call<void>('DELETE', folderUrl(folder.id), undefined, {
          'if-match': revisionTag(folder.revision),
        })
        await refreshFolders()
      },

      async environments(projectPath) {
        requireOpen()
        const base = pathOf(folderSegments(projectPath))
        const made: FolderItem[] = []
        for (const env of ENVIRONMENTS) made.push(await mkdir(`${base}/${env}`))
        return made
      },

      get account() {
        return account
      },
      get locked() {
        return locked
      },
      defaultFolderId,

      lock() {
        if (locked) return
        locked = true
        wipe(userKey, ...folderKeys.values())
        folderKeys.clear()
        tree = []
        metaCache.clear()
      },

      exportUserKey() {
        requireOpen()
        return userKey.slice()
      },

      decrypt,
      list,
      read,
      update,

      async resolve(path) {
        return resolveSecret(await list(), path)
      },

      async create(input) {
        requireOpen()
        let folderId = defaultFolderId
        let meta = input.meta
        if (input.folder !== undefined) {
          folderId = requireFolder(tree, input.folder).id
        } else {
          const placed = placeSecret(tree, input.meta.path)
          if (placed.folder) {
            folderId = placed.folder.id
            meta = { ...input.meta, path: placed.rest }
          }
        }
        if (!folderId)
          throw localError('not_found', 'This account has no folder to keep secrets in.')
        const request: CreateSecretRequest = {
          ...newSecretRequest(folderId, folderKey(folderId), meta, input.value),
          ...(input.rotationDays != null
            ? { rotationDays: checkRotationDays(input.rotationDays) }
            : {}),
        }
        return decrypt(await call<SecretSummary>('POST', '/api/secrets', request))
      },

      async restoreVersion(summary, version) {
        const { value } = await read(summary, { version })
        return update(summary, { value, stage: 'current', restoredFrom: version })
      },

      async promote(summary) {
        requireOpen()
        const res = await call<SecretSummary>(
          'PUT',
          secretUrl(summary.id),
          { promote: 'pending' },
          {
            'if-match': revisionTag(summary.revision),
          },
        )
        return decrypt(res)
      },

      async delete(id) {
        requireOpen()
        return call<DeleteSecretResponse>('DELETE', secretUrl(id))
      },

      async restore(id) {
        requireOpen()
        return decrypt(await call<SecretSummary>('POST', `${secretUrl(id)}/restore`))
      },

      async purge(id) {
        requireOpen()
        await call<void>('DELETE', `${secretUrl(id)}?purge=true`)
      },

      async share(id, choices) {
        const { value } = await read(id)
        const passphrase = choices.passphrase ?? ''
        let sealed: { fragment: string; request: CreateShareRequest }
        try {
          sealed = await createShare(
            { kind: 'text', text: value },
            {
              ttlSeconds: choices.ttlSeconds,
              maxViews: choices.maxViews,
              ...(passphrase !== '' ? { passphrase } : {}),
            },
          )
        } catch (e) {
          if (e instanceof EnvelopeError) throw localError('bad_input', e.message)
          throw e
        }
        const res = await call<CreateShareResponse>(
          'POST',
          `${secretUrl(id)}/share`,
          choices.receipt ? { ...sealed.request, receipt: choices.receipt } : sealed.request,
        )
        return {
          link: formatLink(linkOrigin, sealed.fragment),
          id: res.id,
          fragment: sealed.fragment,
          expiresAt: res.expiresAt,
          manageToken: res.manageToken,
        }
      },

      async shares(id) {
        requireOpen()
        return (await call<{ shares: VaultShare[] }>('GET', `${secretUrl(id)}/shares`)).shares
      },

      async revokeShare(id, shareId) {
        requireOpen()
        await call<void>('DELETE', `${secretUrl(id)}/shares/${encodeURIComponent(shareId)}`)
      },

      async audit(query = {}) {
        requireOpen()
        const params: string[] = []
        for (const [k, v] of Object.entries(query)) {
          if (v !== undefined && v !== '') params.push(`${k}=${encodeURIComponent(String(v))}`)
        }
        return call<AuditResponse>(
          'GET',
          params.length ? `/api/audit?${params.join('&')}` : '/api/audit',
        )
      },

      async changePassword(current, next) {
        requireOpen()
        const acc = account
        assertOfferedKdf(acc.kdf)
        await refuseKdfDowngrade({ memory: guard.memory }, memoryKey(acc.username), acc.kdf)
        const newKdf = { ...KDF_DEFAULTS }
        const secrets = { salt: acc.salt, kdf: { ...acc.kdf }, wrappedUserKey: acc.wrappedUserKey }
        const body = await slow((onProgress) =>
          changeAccountPassword(current, secrets, next, newKdf, { onProgress }),
        )
        const res = await call<PasswordChangeResponse>('POST', '/api/account/password', body)
        account = res.account
        // What this client chose, not what the server echoes back.
        await rememberKdf(guard, memoryKey(acc.username), newKdf)
      },
    }
  }

  return {
    origin: http.origin,
    notifications: notificationsClient({ origin: http.origin, fetch: options.fetch }, (method) =>
      authHeaders(method),
    ),
    token: () => (bearerMode ? token : null),

    async register(username, password, registration = {}) {
      const created = await slow((onProgress) =>
        createAccount(password, { ...KDF_DEFAULTS }, { onProgress }),
      )
      let account: Account
      try {
        const res = await call<LoginResponse>('POST', '/api/register', {
          username,
          kdf: created.kdf,
          salt: created.salt,
          authKey: created.authKey,
          wrappedUserKey: created.wrappedUserKey,
          folder: {
            id: created.folder.id,
            wrappedKey: created.folder.wrappedKey,
            meta: created.folder.meta,
          },
          ...(bearerMode ? { session: 'bearer' } : {}),
          ...(registration.invite ? { invite: registration.invite } : {}),
        })
        account = adopt(res)
      } catch (e) {
        wipe(created.userKey, created.folder.key)
        throw e
      }
      await rememberKdf(guard, memoryKey(username), created.kdf)
      return makeSession(account, created.userKey, {
        keys: new Map([[created.folder.id, created.folder.key]]),
        infos: [
          { id: created.folder.id, name: FIRST_FOLDER_NAME, sealedParent: null, revision: 1 },
        ],
        serverParents: new Map([[created.folder.id, null]]),
      })
    },

    async login(username, password, opts = {}) {
      const pre = await call<PreloginResponse>('POST', '/api/prelogin', { username })
      // Before any derivation and before any login request: a downgrade stops here.
      const kdf = assertOfferedKdf(pre.kdf)
      await refuseKdfDowngrade(guard, memoryKey(username), kdf, opts.acceptWeakerKdf)
      const salt = viaCrypto(() => fromB64url(pre.salt))
      const keys = await slow((onProgress) =>
        deriveAccountKeys(password, salt, kdf, { onProgress }),
      )
      let account: Account
      let userKey: Uint8Array
      try {
        const res = await call<LoginResponse>('POST', '/api/login', {
          username,
          authKey: toB64url(keys.authKey),
          ...(bearerMode ? { session: 'bearer' } : {}),
        })
        account = adopt(res)
        userKey = viaCrypto(() => unwrapUserKey(keys.kek, res.account.wrappedUserKey))
      } finally {
        wipe(keys.authKey, keys.kek)
      }
      const session = await startSession(account, userKey)
      await rememberKdf(guard, memoryKey(username), kdf)
      return session
    },

    async account() {
      return adopt(await call<AccountResponse>('GET', '/api/account'))
    },

    async unlock(account, password, opts = {}) {
      const kdf = assertOfferedKdf(account.kdf)
      // The account answer comes from the server as the prelogin does: the same downgrade check.
      await refuseKdfDowngrade(guard, memoryKey(account.username), kdf, opts.acceptWeakerKdf)
      const secrets = {
        salt: account.salt,
        kdf: { ...kdf },
        wrappedUserKey: account.wrappedUserKey,
      }
      const { userKey } = await slow((onProgress) =>
        unlockAccount(password, secrets, { onProgress }),
      )
      const session = await startSession(account, userKey)
      await rememberKdf(guard, memoryKey(account.username), kdf)
      return session
    },

    async openWithUserKey(sessionToken, userKey) {
      if (!(userKey instanceof Uint8Array) || userKey.length !== 32) {
        throw localError('bad_input', 'userKey must be 32 bytes', { field: 'userKey' })
      }
      if (bearerMode) token = sessionToken
      const key = userKey.slice()
      let account: Account
      try {
        account = adopt(await call<AccountResponse>('GET', '/api/account'))
      } catch (e) {
        wipe(key)
        throw e
      }
      return startSession(account, key)
    },

    async logout() {
      try {
        await call<void>('POST', '/api/logout')
      } catch (e) {
        // Already gone on the server is what was wanted; anything else (offline, 5xx) is thrown,
        // since the session may still work there.
        if (!(e instanceof ClientError && e.status === 401)) throw e
      }
      token = null
      csrfToken = null
    },
  }
}
