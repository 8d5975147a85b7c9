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
/**
 * @module useVaultStore: the signed-in account, its vault session and the decrypted list of
 * secrets, as page state over the one client implementation (@secretsentry/client/vault).
 *
 * Security promises (vault design §3):
 * - Keys live only in the client's VaultSession, held here outside reactive state (devtools,
 *   serialisers), never in localStorage or sessionStorage. `lock()` has the session overwrite
 *   them with zeros and drops the decrypted metadata; a page reload loses them and asks for the
 *   master password again.
 * - The client refuses KDF settings below its minimums, and settings weaker than the ones last
 *   used for the account in this browser (lib/kdf-memory.ts stores them), before deriving or
 *   sending anything, unless the user accepts exactly those settings.
 * - Only authKey (never the password, masterKey, kek or any key) goes to the server.
 * - Argon2id, which receives the master password, runs on the page inside the client code of
 *   this lazy vault chunk, which the browser checks against the build's hashes
 *   (app/pinned-import.ts); not in a Web Worker, whose script cannot carry integrity.
 */
import type { NotificationsClient } from '@secretsentry/client/notifications'
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, toRaw } from 'vue'
import { createVaultClient, versionWithStage } from '@secretsentry/client/vault'
import type {
  FolderItem,
  Account,
  AuditQuery,
  AuditResponse,
  CreateTokenInput,
  KdfParams,
  SecretChange,
  SecretItem,
  SecretSummary,
  ShareChoices,
  TokenInfo,
  VaultSession,
  VaultShare,
} from '@secretsentry/client/vault'
import { browserFetch, ClientError } from '../../shared/api/share.api.ts'
import { useIdleLock } from '../composables/useIdleLock.ts'
import { codeOf } from '../lib/errors.ts'
import { browserKdfMemory } from '../lib/kdf-memory.ts'
import type { SecretMeta } from '../lib/filter.ts'
import type { CreatedShare } from '../../app/created-share.ts'
import { useInstanceStore } from '../../app/stores/instance.store.ts'

export { versionWithStage }
export type { SecretChange, SecretItem, ShareChoices }

export type VaultStatus = 'unknown' | 'anonymous' | 'locked' | 'unlocked'

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

export interface SecretInput {
  meta: SecretMeta
  value: string
  /** Days between rotations, or null/absent for none; the one field the server reads. */
  rotationDays?: number | null
}

/** Weaker KDF settings than last time the user agreed to after the warning (exactly these). */
export interface KdfAcceptance {
  acceptWeakerKdf?: KdfParams
}

export const useVaultStore = defineStore('vault', () => {
  const status = ref<VaultStatus>('unknown')
  const account = ref<Account | null>(null)
  const items = shallowRef<SecretItem[]>([])
  const deletedItems = shallowRef<SecretItem[]>([])
  /** The folder tree (names decrypted here), in path order, the root first. */
  const folders = shallowRef<FolderItem[]>([])
  /** 0..1 while Argon2id runs, else null (for the progress bar). */
  const deriving = ref<number | null>(null)
  const autoLockMinutes = ref(loadAutoLock())
  /** Why the vault was last locked or signed out ('idle', 'manual', 'session', 'logout_failed'), for a notice. */
  const lockReason = ref<'idle' | 'manual' | 'session' | 'logout_failed' | null>(null)
  /** A one-time notice for the next page (e.g. after a delete); may name a secret, so lock clears it. */
  const flash = ref<string | null>(null)

  // Never reactive, never stored: see the module comment.
  let session: VaultSession | null = null
  const client = createVaultClient({
    origin: '',
    linkOrigin: window.location.origin,
    fetch: browserFetch,
    session: 'cookie',
    kdfMemory: browserKdfMemory,
    onKdfProgress: (fraction) => (deriving.value = fraction),
  })

  const unlocked = computed(() => status.value === 'unlocked')

  function wipeKeys(): void {
    session?.lock()
    session = null
  }

  /** Drops keys and every decrypted thing; the session (cookie) stays, so Unlock works. */
  function lock(reason: 'idle' | 'manual' = 'manual'): void {
    if (status.value !== 'unlocked') return
    wipeKeys()
    items.value = []
    deletedItems.value = []
    folders.value = []
    flash.value = null
    status.value = 'locked'
    lockReason.value = reason
  }

  /** The server no longer knows this session: forget everything, including the account. */
  function endSession(reason: 'session' | null): void {
    wipeKeys()
    items.value = []
    deletedItems.value = []
    folders.value = []
    flash.value = null
    account.value = null
    status.value = 'anonymous'
    lockReason.value = reason
  }

  /** Runs an API action; a 401 means the session ended (idle expiry, logout elsewhere). */
  async function guarded<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (e) {
      if (e instanceof ClientError && e.status === 401 && codeOf(e) === 'unauthenticated') {
        endSession('session')
      }
      throw e
    }
  }

  // Here, not in a vault page: the keys stay in this store while the tab shows the create page
  // or My links, and must still be wiped after the idle time there.
  useIdleLock(unlocked, autoLockMinutes, () => lock('idle'))

  function requireSession(): VaultSession {
    if (!session || session.locked || status.value !== 'unlocked')
      throw new Error('The vault is locked.')
    return session
  }

  /** Where the session is: asks the server once per page load (the cookie is HttpOnly). */
  async function init(): Promise<void> {
    if (status.value !== 'unknown') return
    try {
      account.value = await client.account()
      status.value = 'locked'
    } catch (e) {
      if (e instanceof ClientError && e.status === 401) {
        status.value = 'anonymous'
        return
      }
      throw e
    }
  }

  /** The state right after login, registration or unlock. */
  async function open(next: VaultSession, list = true): Promise<void> {
    // Another account's keys (a second login in this tab) never linger beside the new ones.
    if (session !== next) wipeKeys()
    session = next
    account.value = next.account
    status.value = 'unlocked'
    lockReason.value = null
    items.value = []
    // The nav (Admin) and the create page follow who is logged in.
    void useInstanceStore().refresh()
    if (list) await refresh()
  }

  async function register(username: string, password: string, invite?: string): Promise<void> {
    await open(await client.register(username, password, invite ? { invite } : {}), false)
  }

  async function login(
    username: string,
    password: string,
    opts: KdfAcceptance = {},
  ): Promise<void> {
    await open(await client.login(username, password, opts))
  }

  /** After a reload: the session is alive, the keys are not; the password brings them back. */
  async function unlock(password: string, opts: KdfAcceptance = {}): Promise<void> {
    const acc = account.value
    if (!acc) throw new Error('No account to unlock.')
    // A plain copy, not the reactive proxy, goes to the keyring.
    const plain: Account = { ...toRaw(acc), kdf: { ...toRaw(acc.kdf) } }
    await open(await guarded(() => client.unlock(plain, password, opts)))
  }

  async function logout(): Promise<void> {
    try {
      await client.logout()
    } catch (e) {
      // Offline or 5xx: the cookie may still work there, and saying "logged out" would leave it
      // behind unnoticed on a shared computer. The keys go now; the Unlock page says so and
      // offers Log out again. (Already gone on the server counts as logged out.)
      lock('manual')
      lockReason.value = 'logout_failed'
      throw e
    }
    endSession(null)
    void useInstanceStore().refresh()
  }

  async function refresh(): Promise<void> {
    const s = requireSession()
    const list = await guarded(() => s.list())
    if (status.value !== 'unlocked' || session !== s) return
    items.value = list
    folders.value = s.folders()
  }

  /** Runs a folder change, then takes the new tree and the list (secret paths follow folders). */
  async function folderChange<T>(change: (s: VaultSession) => Promise<T>): Promise<T> {
    const s = requireSession()
    const result = await guarded(() => change(s))
    if (status.value === 'unlocked' && session === s) folders.value = s.folders()
    await refresh()
    return result
  }

  const mkdir = (path: string) => folderChange((s) => s.mkdir(path))
  const renameFolder = (id: string, name: string) => folderChange((s) => s.renameFolder(id, name))
  const moveFolder = (id: string, dest: string) => folderChange((s) => s.moveFolder(id, dest))
  const removeFolder = (id: string) => folderChange((s) => s.removeFolder(id))
  const environments = (projectPath: string) => folderChange((s) => s.environments(projectPath))

  async function moveSecret(id: string, destPath: string): Promise<SecretItem> {
    const s = requireSession()
    const moved = await guarded(() => s.moveSecret(known(id).summary, destPath))
    return adopt(moved)
  }

  async function refreshDeleted(): Promise<void> {
    const s = requireSession()
    const list = await guarded(() => s.list({ deleted: true }))
    if (status.value !== 'unlocked' || session !== s) return
    deletedItems.value = list
  }

  function put(summary: SecretSummary): SecretItem | null {
    if (!session || status.value !== 'unlocked') return null
    const item = session.decrypt(summary)
    // An answer arriving after a lock must not refill the list that lock emptied.
    items.value = [...items.value.filter((i) => i.id !== summary.id), item]
    return item
  }

  function adopt(item: SecretItem): SecretItem {
    return put(item.summary) ?? item
  }

  function find(id: string): SecretItem | undefined {
    return items.value.find((i) => i.id === id)
  }

  function known(id: string): SecretItem {
    const item = find(id)
    if (!item) throw new Error('This secret is not in the list; reload the vault.')
    return item
  }

  async function createSecret(input: SecretInput): Promise<SecretItem> {
    const s = requireSession()
    return adopt(await guarded(() => s.create(input)))
  }

  /** Decrypts one version (the current one by default). The server records the read. */
  async function readValue(
    id: string,
    version?: number,
  ): Promise<{ value: string; version: number }> {
    const s = requireSession()
    const res = await guarded(() => s.read(id, version === undefined ? {} : { version }))
    // Only adopt the answer's summary when it is not older than what we show.
    const shown = find(id)
    if (!shown || shown.summary.revision <= res.summary.revision) put(res.summary)
    return { value: res.value, version: res.version }
  }

  /**
   * Saves new metadata and/or a new value. Check-and-set: the request carries the revision this
   * page showed (If-Match), so a concurrent edit gives 409 instead of being overwritten.
   */
  async function updateSecret(
    id: string,
    change: SecretChange,
    extra: { restoredFrom?: number } = {},
  ): Promise<SecretItem> {
    const s = requireSession()
    const item = known(id)
    return adopt(await guarded(() => s.update(item.summary, { ...change, ...extra })))
  }

  /** "Restore this version": version N decrypted here, re-encrypted as a new current version. */
  async function restoreVersion(id: string, version: number): Promise<SecretItem> {
    const { value } = await readValue(id, version)
    return updateSecret(id, { value, stage: 'current' }, { restoredFrom: version })
  }

  async function promotePending(id: string): Promise<SecretItem> {
    const s = requireSession()
    const item = known(id)
    return adopt(await guarded(() => s.promote(item.summary)))
  }

  async function deleteSecret(id: string): Promise<{ purgeAt: string }> {
    const s = requireSession()
    const res = await guarded(() => s.delete(id))
    items.value = items.value.filter((i) => i.id !== id)
    return res
  }

  async function restoreDeleted(id: string): Promise<SecretItem> {
    const s = requireSession()
    const item = await guarded(() => s.restore(id))
    deletedItems.value = deletedItems.value.filter((i) => i.id !== id)
    return adopt(item)
  }

  async function purge(id: string): Promise<void> {
    const s = requireSession()
    await guarded(() => s.purge(id))
    deletedItems.value = deletedItems.value.filter((i) => i.id !== id)
  }

  /**
   * A one-time link to the current value: decrypted here, re-encrypted under a fresh share seed
   * (the same envelope as the create page), linked to the secret on the server. `label` names the
   * link on the result only; it reaches the server only inside `choices.receipt`, if put there.
   */
  async function shareSecret(id: string, choices: ShareChoices, label = ''): Promise<CreatedShare> {
    const s = requireSession()
    const res = await guarded(() => s.share(id, choices))
    return {
      link: res.link,
      id: res.id,
      expiresAt: res.expiresAt,
      ttlSeconds: choices.ttlSeconds,
      maxViews: choices.maxViews,
      hasPassphrase: (choices.passphrase ?? '') !== '',
      // Not kept: vault links are listed under their secret, not in My links.
      label,
    }
  }

  async function shares(id: string): Promise<VaultShare[]> {
    const s = requireSession()
    return guarded(() => s.shares(id))
  }

  async function audit(query: AuditQuery): Promise<AuditResponse> {
    const s = requireSession()
    return guarded(() => s.audit(query))
  }

  async function revokeShare(id: string, shareId: string): Promise<void> {
    const s = requireSession()
    await guarded(() => s.revokeShare(id, shareId))
  }

  /** The account's service tokens (never their text: the server has only a verifier). */
  async function tokens(): Promise<TokenInfo[]> {
    const s = requireSession()
    return guarded(() => s.tokens())
  }

  /**
   * Makes a token for one folder: its grants are wrapped here, under a key derived from the token.
   * The answer's `text` is the token itself. It is returned to the caller and kept nowhere in this
   * store (nor in storage): the page shows it once and it is gone when the page is left or locked.
   */
  async function createToken(input: CreateTokenInput): Promise<{ text: string; token: TokenInfo }> {
    const s = requireSession()
    return guarded(() => s.createToken(input))
  }

  async function revokeToken(id: string): Promise<void> {
    const s = requireSession()
    await guarded(() => s.revokeToken(id))
  }

  /**
   * Re-wraps userKey under a key derived from the new password with a new salt (and today's KDF
   * defaults); nothing else is re-encrypted. The keyring checks the current password here first
   * (it must unwrap userKey: decrypt_failed, nothing sent), then the server checks its authKey.
   */
  async function changePassword(current: string, next: string): Promise<void> {
    const s = requireSession()
    await guarded(() => s.changePassword(current, next))
    account.value = s.account
  }

  function setAutoLockMinutes(minutes: number): void {
    autoLockMinutes.value = clampAutoLock(minutes)
    try {
      localStorage.setItem(AUTO_LOCK_KEY, String(autoLockMinutes.value))
    } catch {
      // Storage disabled: the setting lasts for this tab.
    }
  }

  /** The account's notification channels (webhook, alert email): session only, no keys needed. */
  function notify<T>(work: (n: NotificationsClient) => Promise<T>): Promise<T> {
    return guarded(() => work(client.notifications))
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
    folders,
    mkdir,
    renameFolder,
    moveFolder,
    removeFolder,
    environments,
    moveSecret,
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
    tokens,
    createToken,
    revokeToken,
    audit,
    changePassword,
    setAutoLockMinutes,
    notify,
    nameOf,
  }
})
