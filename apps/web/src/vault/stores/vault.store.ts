/**
 * @module useVaultStore: the signed-in account, its keys and the decrypted list of secrets.
 *
 * Security promises (vault design §3):
 * - Keys live only in this module's memory: never in reactive state (devtools, serialisers),
 *   never in localStorage or sessionStorage. `lock()` overwrites them with zeros and drops the
 *   decrypted metadata; a page reload loses them and asks for the master password again.
 * - The client refuses KDF settings below its minimums (a downgraded prelogin or account answer)
 *   before deriving anything, so a hostile server cannot make the password cheap to guess; and
 *   settings weaker than the ones last used for the account in this browser (lib/kdf-memory.ts)
 *   stop before deriving or sending anything, unless the user accepts exactly those settings.
 * - Only authKey (never the password, masterKey, kek or any key) goes to the server.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { assertKdfParams, KDF_DEFAULTS, newId } from '@secretsentry/keyring'
import { createShare, fromB64url, toB64url } from '@secretsentry/envelope'
import { ApiError } from '../../shared/api/share.api.ts'
import { setCsrfToken, vaultApi } from '../api/vault.api.ts'
import type {
  Account,
  AuditPage,
  AuditQuery,
  KdfParams,
  SecretSummary,
  SessionResponse,
  VaultShare,
} from '../api/vault.types.ts'
import { kdf } from '../crypto/kdf-client.ts'
import type { KdfRequest, KdfResults } from '../crypto/kdf-ops.ts'
import {
  openMeta,
  openValue,
  sealMeta,
  sealValue,
  unwrapFolderKey,
  unwrapUserKey,
  wipe,
} from '../crypto/vault-crypto.ts'
import { useIdleLock } from '../composables/useIdleLock.ts'
import { codeOf } from '../lib/errors.ts'
import { refuseKdfDowngrade, rememberKdf } from '../lib/kdf-memory.ts'
import type { SecretMeta, VaultItem } from '../lib/filter.ts'
import type { CreatedShare } from '../../app/created-share.ts'

export type VaultStatus = 'unknown' | 'anonymous' | 'locked' | 'unlocked'
export type SecretItem = VaultItem<SecretSummary>

export const AUTO_LOCK_KEY = 'secretsentry.vault.autolock.v1'
export const AUTO_LOCK_DEFAULT_MINUTES = 15
export const AUTO_LOCK_MIN = 1
export const AUTO_LOCK_MAX = 24 * 60

/** A not-a-number, out-of-range or missing setting falls back to the default. */
export function clampAutoLock(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < AUTO_LOCK_MIN || n > AUTO_LOCK_MAX)
    return AUTO_LOCK_DEFAULT_MINUTES
  return n
}

function loadAutoLock(): number {
  try {
    const raw = localStorage.getItem(AUTO_LOCK_KEY)
    return raw === null ? AUTO_LOCK_DEFAULT_MINUTES : clampAutoLock(raw)
  } catch {
    return AUTO_LOCK_DEFAULT_MINUTES
  }
}

/** The highest version number the secret has had (new versions take the next one). */
export function latestVersion(summary: SecretSummary): number {
  return summary.versions.reduce((max, v) => Math.max(max, v.version), 0)
}

export function versionWithStage(
  summary: SecretSummary,
  stage: 'current' | 'pending' | 'previous',
): number | null {
  return summary.versions.find((v) => v.stages.includes(stage))?.version ?? null
}

/** Plain copies (not reactive proxies) of what the KDF needs. */
function plainSecrets(acc: Account): { salt: string; kdf: KdfParams; wrappedUserKey: string } {
  return { salt: acc.salt, kdf: { ...acc.kdf }, wrappedUserKey: acc.wrappedUserKey }
}

export interface SecretInput {
  meta: SecretMeta
  value: string
}

export interface SecretChange {
  meta?: SecretMeta
  value?: string
  /** Where a new value goes: `current` (default) or `pending` (rotation staged for later). */
  stage?: 'current' | 'pending'
}

/** Weaker KDF settings than last time the user agreed to after the warning (exactly these). */
export interface KdfAcceptance {
  acceptWeakerKdf?: KdfParams
}

export interface ShareChoices {
  ttlSeconds: number
  maxViews: number
  passphrase?: string
}

export const useVaultStore = defineStore('vault', () => {
  const status = ref<VaultStatus>('unknown')
  const account = ref<Account | null>(null)
  const items = shallowRef<SecretItem[]>([])
  const deletedItems = shallowRef<SecretItem[]>([])
  /** 0..1 while Argon2id runs, else null (for the progress bar). */
  const deriving = ref<number | null>(null)
  const autoLockMinutes = ref(loadAutoLock())
  /** Why the vault was last locked or signed out ('idle', 'manual', 'session', 'logout_failed'), for a notice. */
  const lockReason = ref<'idle' | 'manual' | 'session' | 'logout_failed' | null>(null)
  /** A one-time notice for the next page (e.g. after a delete); may name a secret, so lock clears it. */
  const flash = ref<string | null>(null)

  // Never reactive, never stored: see the module comment.
  let userKey: Uint8Array | null = null
  const folderKeys = new Map<string, Uint8Array>()
  let defaultFolderId: string | null = null
  /** Decrypted metadata by secret id and ciphertext, so a list refresh opens only what changed. */
  const metaCache = new Map<string, { ciphertext: string; meta: SecretMeta | null }>()

  const unlocked = computed(() => status.value === 'unlocked')

  function wipeKeys(): void {
    wipe(userKey, ...folderKeys.values())
    userKey = null
    folderKeys.clear()
    defaultFolderId = null
    metaCache.clear()
  }

  /** Drops keys and every decrypted thing; the session (cookie) stays, so Unlock works. */
  function lock(reason: 'idle' | 'manual' = 'manual'): void {
    if (status.value !== 'unlocked') return
    wipeKeys()
    items.value = []
    deletedItems.value = []
    flash.value = null
    status.value = 'locked'
    lockReason.value = reason
  }

  /** The server no longer knows this session: forget everything, including the account. */
  function endSession(reason: 'session' | null): void {
    wipeKeys()
    items.value = []
    deletedItems.value = []
    flash.value = null
    account.value = null
    setCsrfToken(null)
    status.value = 'anonymous'
    lockReason.value = reason
  }

  /** Runs an API action; a 401 means the session ended (idle expiry, logout elsewhere). */
  async function guarded<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && codeOf(e) === 'unauthenticated') {
        endSession('session')
      }
      throw e
    }
  }

  // Here, not in a vault page: the keys stay in this store while the tab shows the create page
  // or My links, and must still be wiped after the idle time there.
  useIdleLock(unlocked, autoLockMinutes, () => lock('idle'))

  function requireKeys(): Uint8Array {
    if (!userKey || status.value !== 'unlocked') throw new Error('The vault is locked.')
    return userKey
  }

  function folderKey(folderId: string): Uint8Array {
    requireKeys()
    const key = folderKeys.get(folderId)
    if (!key) throw new Error('This secret is in a folder this account cannot open.')
    return key
  }

  /** Where the session is: asks the server once per page load (the cookie is HttpOnly). */
  async function init(): Promise<void> {
    if (status.value !== 'unknown') return
    try {
      const res = await vaultApi.account()
      account.value = res.account
      setCsrfToken(res.csrfToken)
      status.value = 'locked'
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        status.value = 'anonymous'
        return
      }
      throw e
    }
  }

  /** Refuses a downgraded or absurd KDF before any work; KeyringError code kdf_too_weak/kdf_invalid. */
  function checkKdf(kdf: KdfParams): void {
    assertKdfParams(kdf)
  }

  /** Runs an Argon2id request (on the page, in pinned code), with its progress in `deriving`. */
  async function slow<Op extends KdfRequest['op']>(
    req: Extract<KdfRequest, { op: Op }>,
  ): Promise<KdfResults[Op]> {
    deriving.value = 0
    try {
      return await kdf(req, (f) => (deriving.value = Math.min(1, Math.max(0, f))))
    } finally {
      deriving.value = null
    }
  }

  /** Unwraps every folder key and decrypts the list: the state right after login or unlock. */
  async function open(uk: Uint8Array): Promise<void> {
    const { folders } = await guarded(() => vaultApi.folders())
    const keys = new Map<string, Uint8Array>()
    try {
      for (const f of folders) keys.set(f.id, unwrapFolderKey(uk, f))
    } catch (e) {
      wipe(uk, ...keys.values())
      throw e
    }
    // Another account's keys (a second login in this tab) never linger beside the new ones.
    if (userKey !== uk) wipeKeys()
    userKey = uk
    for (const [id, k] of keys) folderKeys.set(id, k)
    defaultFolderId = folders[0]?.id ?? null
    status.value = 'unlocked'
    lockReason.value = null
    await refresh()
  }

  function adoptSession(res: SessionResponse): void {
    account.value = res.account
    setCsrfToken(res.csrfToken)
  }

  async function register(username: string, password: string): Promise<void> {
    const created = await slow({ op: 'create', password, kdf: { ...KDF_DEFAULTS } })
    const { userKey: uk, folder } = created
    try {
      const res = await vaultApi.register({
        username,
        kdf: created.kdf,
        salt: created.salt,
        authKey: created.authKey,
        wrappedUserKey: created.wrappedUserKey,
        folder: { id: folder.id, wrappedKey: folder.wrappedKey, meta: folder.meta },
      })
      adoptSession(res)
    } catch (e) {
      wipe(uk, folder.key)
      throw e
    }
    await rememberKdf(username, created.kdf)
    wipeKeys()
    userKey = uk
    folderKeys.set(folder.id, folder.key)
    defaultFolderId = folder.id
    status.value = 'unlocked'
    lockReason.value = null
    items.value = []
  }

  async function login(
    username: string,
    password: string,
    opts: KdfAcceptance = {},
  ): Promise<void> {
    const pre = await vaultApi.prelogin(username)
    // Before any derivation and before any login request: a downgrade stops here.
    checkKdf(pre.kdf)
    await refuseKdfDowngrade(username, pre.kdf, opts.acceptWeakerKdf)
    const keys = await slow({ op: 'derive', password, salt: fromB64url(pre.salt), kdf: pre.kdf })
    let uk: Uint8Array
    try {
      const res = await vaultApi.login(username, toB64url(keys.authKey))
      adoptSession(res)
      uk = unwrapUserKey(keys.kek, res.account.wrappedUserKey)
    } finally {
      wipe(keys.authKey, keys.kek)
    }
    await open(uk)
    await rememberKdf(username, pre.kdf)
  }

  /** After a reload: the session is alive, the keys are not; the password brings them back. */
  async function unlock(password: string, opts: KdfAcceptance = {}): Promise<void> {
    const acc = account.value
    if (!acc) throw new Error('No account to unlock.')
    checkKdf(acc.kdf)
    // The account answer comes from the server as the prelogin does: the same downgrade check.
    await refuseKdfDowngrade(acc.username, acc.kdf, opts.acceptWeakerKdf)
    const { userKey: uk } = await slow({ op: 'unlock', password, account: plainSecrets(acc) })
    await open(uk)
    await rememberKdf(acc.username, acc.kdf)
  }

  async function logout(): Promise<void> {
    try {
      await vaultApi.logout()
    } catch (e) {
      // Already gone on the server is what we wanted. Otherwise (offline, 5xx) the cookie may
      // still work there: saying "logged out" would leave it behind unnoticed on a shared
      // computer. The keys go now; the Unlock page says so and offers Log out again.
      if (!(e instanceof ApiError && e.status === 401)) {
        lock('manual')
        lockReason.value = 'logout_failed'
        throw e
      }
    }
    endSession(null)
  }

  function decryptItem(summary: SecretSummary): SecretItem {
    const cached = metaCache.get(summary.id)
    if (cached && cached.ciphertext === summary.meta.ciphertext) {
      return { id: summary.id, summary, meta: cached.meta }
    }
    const key = folderKeys.get(summary.folderId)
    let meta: SecretMeta | null = null
    if (key) {
      try {
        meta = openMeta(key, summary.id, summary.meta.revision, summary.meta.ciphertext)
      } catch {
        // Tampered, swapped or from a folder we cannot open: listed as unreadable.
        meta = null
      }
    }
    // Without the key (locked while a request was out) nothing is cached: after Unlock it opens.
    if (key) metaCache.set(summary.id, { ciphertext: summary.meta.ciphertext, meta })
    return { id: summary.id, summary, meta }
  }

  async function refresh(): Promise<void> {
    requireKeys()
    const { secrets } = await guarded(() => vaultApi.listSecrets())
    if (status.value !== 'unlocked') return
    items.value = secrets.map(decryptItem)
  }

  async function refreshDeleted(): Promise<void> {
    requireKeys()
    const { secrets } = await guarded(() => vaultApi.listSecrets(true))
    if (status.value !== 'unlocked') return
    deletedItems.value = secrets.filter((s) => s.deletedAt !== null).map(decryptItem)
  }

  function put(summary: SecretSummary): SecretItem {
    const item = decryptItem(summary)
    // An answer arriving after a lock must not refill the list that lock emptied.
    if (status.value === 'unlocked')
      items.value = [...items.value.filter((i) => i.id !== summary.id), item]
    return item
  }

  function find(id: string): SecretItem | undefined {
    return items.value.find((i) => i.id === id)
  }

  async function createSecret(input: SecretInput): Promise<SecretItem> {
    requireKeys()
    const folderId = defaultFolderId
    if (!folderId) throw new Error('This account has no folder to keep secrets in.')
    const key = folderKey(folderId)
    const id = newId()
    const summary = await guarded(() =>
      vaultApi.createSecret({
        id,
        folderId,
        meta: { ciphertext: sealMeta(key, id, 1, input.meta) },
        value: sealValue(key, id, 1, input.value),
      }),
    )
    return put(summary)
  }

  /** Decrypts one version (the current one by default). The server records the read. */
  async function readValue(
    id: string,
    version?: number,
  ): Promise<{ value: string; version: number }> {
    requireKeys()
    const { body } = await guarded(() => vaultApi.getSecret(id, version))
    // Security promise: the AD binds a value to its own version only, so a server could answer
    // with another version that opens fine (an old value as the current one, or the wrong one
    // restored). The version must be the one asked for, or the one the answer labels current.
    const asked = version ?? versionWithStage(body, 'current')
    if (body.value.version !== asked) {
      throw Object.assign(
        new Error('The server sent another version of this secret than the one asked for.'),
        { code: 'wrong_version' },
      )
    }
    const key = folderKey(body.folderId)
    const value = openValue(key, id, body.value)
    const { value: _sealed, ...summary } = body
    // Only adopt the answer's summary when it is not older than what we show.
    const known = find(id)
    if (!known || known.summary.revision <= summary.revision) put(summary)
    return { value, version: body.value.version }
  }

  /**
   * Saves new metadata and/or a new value. Check-and-set: the request carries the revision this
   * page showed (If-Match), so a concurrent edit gives 409 instead of being overwritten.
   */
  async function updateSecret(
    id: string,
    change: SecretChange,
    extra: { restoredFrom?: number } = {},
  ) {
    requireKeys()
    const item = find(id)
    if (!item) throw new Error('This secret is not in the list; reload the vault.')
    const s = item.summary
    const key = folderKey(s.folderId)
    const body: Parameters<typeof vaultApi.updateSecret>[2] = {}
    if (change.meta) {
      const revision = s.meta.revision + 1
      body.meta = { revision, ciphertext: sealMeta(key, id, revision, change.meta) }
    }
    if (change.value !== undefined) {
      const version = latestVersion(s) + 1
      body.value = {
        version,
        ...sealValue(key, id, version, change.value),
        stage: change.stage ?? 'current',
        ...(extra.restoredFrom !== undefined ? { restoredFrom: extra.restoredFrom } : {}),
      }
    }
    const { body: summary } = await guarded(() => vaultApi.updateSecret(id, s.revision, body))
    return put(summary)
  }

  /** "Restore this version": version N decrypted here, re-encrypted as a new current version. */
  async function restoreVersion(id: string, version: number): Promise<SecretItem> {
    const { value } = await readValue(id, version)
    return updateSecret(id, { value, stage: 'current' }, { restoredFrom: version })
  }

  async function promotePending(id: string): Promise<SecretItem> {
    const item = find(id)
    if (!item) throw new Error('This secret is not in the list; reload the vault.')
    const { body } = await guarded(() =>
      vaultApi.updateSecret(id, item.summary.revision, { promote: 'pending' }),
    )
    return put(body)
  }

  async function deleteSecret(id: string): Promise<{ purgeAt: string }> {
    const res = await guarded(() => vaultApi.deleteSecret(id))
    items.value = items.value.filter((i) => i.id !== id)
    return res
  }

  async function restoreDeleted(id: string): Promise<SecretItem> {
    const summary = await guarded(() => vaultApi.restoreSecret(id))
    deletedItems.value = deletedItems.value.filter((i) => i.id !== id)
    return put(summary)
  }

  async function purge(id: string): Promise<void> {
    await guarded(() => vaultApi.purgeSecret(id))
    deletedItems.value = deletedItems.value.filter((i) => i.id !== id)
  }

  /**
   * A one-time link to the current value: decrypted here, re-encrypted under a fresh share seed
   * (the same envelope as the create page), linked to the secret on the server.
   */
  async function shareSecret(id: string, choices: ShareChoices): Promise<CreatedShare> {
    const { value } = await readValue(id)
    const hasPassphrase = (choices.passphrase ?? '') !== ''
    const { fragment, request } = await createShare(
      { kind: 'text', text: value },
      {
        ttlSeconds: choices.ttlSeconds,
        maxViews: choices.maxViews,
        ...(hasPassphrase ? { passphrase: choices.passphrase } : {}),
      },
    )
    const res = await guarded(() => vaultApi.shareSecret(id, request))
    return {
      link: `${window.location.origin}/s#${fragment}`,
      id: res.id,
      expiresAt: res.expiresAt,
      ttlSeconds: choices.ttlSeconds,
      maxViews: choices.maxViews,
      hasPassphrase,
      // My links labels are for the create page; the vault page already names the secret.
      label: '',
    }
  }

  async function shares(id: string): Promise<VaultShare[]> {
    return (await guarded(() => vaultApi.shares(id))).shares
  }

  async function audit(query: AuditQuery): Promise<AuditPage> {
    return guarded(() => vaultApi.audit(query))
  }

  async function revokeShare(id: string, shareId: string): Promise<void> {
    await guarded(() => vaultApi.revokeShare(id, shareId))
  }

  /**
   * Re-wraps userKey under a key derived from the new password with a new salt (and today's KDF
   * defaults); nothing else is re-encrypted. The keyring checks the current password here first
   * (it must unwrap userKey: decrypt_failed, nothing sent), then the server checks its authKey.
   */
  async function changePassword(current: string, next: string): Promise<void> {
    requireKeys()
    const acc = account.value
    if (!acc) throw new Error('No account.')
    checkKdf(acc.kdf)
    await refuseKdfDowngrade(acc.username, acc.kdf)
    const newKdf = { ...KDF_DEFAULTS }
    const body = await slow({ op: 'change', current, account: plainSecrets(acc), next, newKdf })
    const res = await guarded(() => vaultApi.changePassword(body))
    account.value = res.account
    // What this client chose, not what the server echoes back.
    await rememberKdf(acc.username, newKdf)
  }

  function setAutoLockMinutes(minutes: number): void {
    autoLockMinutes.value = clampAutoLock(minutes)
    try {
      localStorage.setItem(AUTO_LOCK_KEY, String(autoLockMinutes.value))
    } catch {
      // Storage disabled: the setting lasts for this tab.
    }
  }

  /** The display name of a secret id (for the audit page), when it is in the decrypted list. */
  function nameOf(id: string | null): string | null {
    if (!id) return null
    return (find(id) ?? deletedItems.value.find((i) => i.id === id))?.meta?.name ?? null
  }

  return {
    status,
    account,
    items,
    deletedItems,
    deriving,
    autoLockMinutes,
    lockReason,
    flash,
    unlocked,
    init,
    register,
    login,
    unlock,
    lock,
    logout,
    refresh,
    refreshDeleted,
    find,
    createSecret,
    readValue,
    updateSecret,
    restoreVersion,
    promotePending,
    deleteSecret,
    restoreDeleted,
    purge,
    shareSecret,
    shares,
    revokeShare,
    audit,
    changePassword,
    setAutoLockMinutes,
    nameOf,
  }
})
