/**
 * @module What the web app and scripts call (SPEC.md §5): records sealed to and from the
 * base64url strings of the HTTP API, and the account, folder and secret operations built on them.
 * Every function checks all its inputs before any work (Argon2id included).
 */
import { toB64url, wipe } from '@secretsentry/envelope/internal'
import { badInput } from './errors.ts'
import { assertId, assertKey, assertObject, assertVersion, decodeB64url } from './bytes.ts'
import {
  KDF_DEFAULTS,
  SALT_BYTES,
  assertDeriveOptions,
  assertKdfParams,
  assertPassword,
  deriveAccountKeys,
  newId,
  newKey,
  newSalt,
} from './kdf.ts'
import type { DeriveOptions, KdfParams } from './kdf.ts'
import { USER_KEY_CONTEXT, dataKeyContext, folderKeyContext, unwrapKey, wrapKey } from './wrap.ts'
import { openField, sealField } from './field.ts'
import type { FieldBinding } from './field.ts'
import {
  decodeFolderMeta,
  decodeSecretMeta,
  decodeSecretValue,
  encodeFolderMeta,
  encodeSecretMeta,
  encodeSecretValue,
} from './records.ts'
import type { FolderMeta, SecretMeta, SecretValue } from './records.ts'

/** Folder metadata is written once, at creation: its binding's version is always 1. */
const FOLDER_META_VERSION = 1
/** The first folder of a new account, unless createAccount is told otherwise. */
export const FIRST_FOLDER_NAME = 'Personal'

/** Seals a record's canonical bytes (wiped after); shared with token.ts. */
export function sealRecord(key: Uint8Array, bytes: Uint8Array, binding: FieldBinding): string {
  try {
    return toB64url(sealField(key, bytes, binding))
  } finally {
    wipe(bytes)
  }
}

/** Opens a sealed field and decodes its record (plaintext wiped after); shared with token.ts. */
export function openRecord<T>(
  key: Uint8Array,
  ciphertext: unknown,
  binding: FieldBinding,
  decode: (bytes: Uint8Array) => T,
): T {
  const plaintext = openField(key, decodeB64url(ciphertext, 'ciphertext'), binding)
  try {
    return decode(plaintext)
  } finally {
    wipe(plaintext)
  }
}

// ── Sealed records (the strings the API carries) ───────────────────────────

/** SecretMeta sealed under the folder key, bound to (secretId, meta revision, 'secret-meta'). */
export function sealSecretMeta(
  folderKey: Uint8Array,
  secretId: string,
  revision: number,
  meta: SecretMeta,
): string {
  assertKey(folderKey, 'folderKey')
  const binding = { objectId: secretId, version: revision, field: 'secret-meta' } as const
  return sealRecord(folderKey, encodeSecretMeta(meta), binding)
}

export function openSecretMeta(
  folderKey: Uint8Array,
  secretId: string,
  revision: number,
  ciphertext: string,
): SecretMeta {
  assertKey(folderKey, 'folderKey')
  const binding = { objectId: secretId, version: revision, field: 'secret-meta' } as const
  return openRecord(folderKey, ciphertext, binding, decodeSecretMeta)
}

/** SecretValue sealed under that version's own data key, bound to (secretId, version, 'secret-value'). */
export function sealSecretValue(
  dataKey: Uint8Array,
  secretId: string,
  version: number,
  value: SecretValue,
): string {
  assertKey(dataKey, 'dataKey')
  const binding = { objectId: secretId, version, field: 'secret-value' } as const
  return sealRecord(dataKey, encodeSecretValue(value), binding)
}

export function openSecretValue(
  dataKey: Uint8Array,
  secretId: string,
  version: number,
  ciphertext: string,
): SecretValue {
  assertKey(dataKey, 'dataKey')
  const binding = { objectId: secretId, version, field: 'secret-value' } as const
  return openRecord(dataKey, ciphertext, binding, decodeSecretValue)
}

/** FolderMeta sealed under the folder key, bound to (folderId, 1, 'folder-meta'). */
export function sealFolderMeta(folderKey: Uint8Array, folderId: string, meta: FolderMeta): string {
  assertKey(folderKey, 'folderKey')
  const binding = {
    objectId: folderId,
    version: FOLDER_META_VERSION,
    field: 'folder-meta',
  } as const
  return sealRecord(folderKey, encodeFolderMeta(meta), binding)
}

export function openFolderMeta(
  folderKey: Uint8Array,
  folderId: string,
  ciphertext: string,
): FolderMeta {
  assertKey(folderKey, 'folderKey')
  const binding = {
    objectId: folderId,
    version: FOLDER_META_VERSION,
    field: 'folder-meta',
  } as const
  return openRecord(folderKey, ciphertext, binding, decodeFolderMeta)
}

// ── userKey ─────────────────────────────────────────────────────────────────

export function wrapUserKey(kek: Uint8Array, userKey: Uint8Array): string {
  return toB64url(wrapKey(kek, userKey, USER_KEY_CONTEXT))
}

/** A wrong password (hence a wrong kek) or a tampered wrappedUserKey is decrypt_failed. */
export function unwrapUserKey(kek: Uint8Array, wrappedUserKey: string): Uint8Array {
  assertKey(kek, 'kek')
  return unwrapKey(kek, decodeB64url(wrappedUserKey, 'wrappedUserKey'), USER_KEY_CONTEXT)
}

// ── Folders ─────────────────────────────────────────────────────────────────

/** A new folder: body of POST /api/folders ({id, wrappedKey, meta}) plus its key for this session. */
export interface NewFolder {
  id: string
  /** 32 bytes; keep in memory only, wipe on lock. */
  key: Uint8Array
  wrappedKey: string
  meta: string
}

export function createFolder(userKey: Uint8Array, meta: FolderMeta): NewFolder {
  assertKey(userKey, 'userKey')
  const metaBytes = encodeFolderMeta(meta)
  const id = newId()
  const key = newKey()
  const binding = { objectId: id, version: FOLDER_META_VERSION, field: 'folder-meta' } as const
  return {
    id,
    key,
    wrappedKey: toB64url(wrapKey(userKey, key, folderKeyContext(id))),
    meta: sealRecord(key, metaBytes, binding),
  }
}

export interface OpenedFolder {
  id: string
  key: Uint8Array
  meta: FolderMeta
}

/** Unwraps a folder's key and opens its metadata ({id, wrappedKey, meta} as GET /api/folders lists them). */
export function openFolder(
  userKey: Uint8Array,
  folder: { id: string; wrappedKey: string; meta: string },
): OpenedFolder {
  assertKey(userKey, 'userKey')
  const f = assertObject(folder, 'folder')
  const id = assertId(f['id'], 'folder.id')
  const wrapped = decodeB64url(f['wrappedKey'], 'folder.wrappedKey')
  decodeB64url(f['meta'], 'folder.meta')
  const key = unwrapKey(userKey, wrapped, folderKeyContext(id))
  try {
    return { id, key, meta: openFolderMeta(key, id, f['meta'] as string) }
  } catch (e) {
    wipe(key)
    throw e
  }
}

// ── Secrets ─────────────────────────────────────────────────────────────────

/** A sealed value as the API carries it: the version's data key wrapped under the folder key, and the value sealed under that data key. */
export interface SealedVersion {
  wrappedKey: string
  ciphertext: string
}

/**
 * A new version of a secret's value: a fresh random data key (one per version, so a version's
 * key opens nothing else), wrapped under the folder key for (secretId, version).
 */
export function createSecretVersion(
  folderKey: Uint8Array,
  secretId: string,
  version: number,
  value: SecretValue,
): SealedVersion {
  assertKey(folderKey, 'folderKey')
  const context = dataKeyContext(secretId, version)
  const valueBytes = encodeSecretValue(value)
  const dataKey = newKey()
  try {
    const binding = { objectId: secretId, version, field: 'secret-value' } as const
    return {
      wrappedKey: toB64url(wrapKey(folderKey, dataKey, context)),
      ciphertext: sealRecord(dataKey, valueBytes, binding),
    }
  } finally {
    wipe(dataKey)
  }
}

/** Opens `value` of GET /api/secrets/:id ({version, wrappedKey, ciphertext}). */
export function openSecretVersion(
  folderKey: Uint8Array,
  secretId: string,
  sealed: { version: number; wrappedKey: string; ciphertext: string },
): SecretValue {
  assertKey(folderKey, 'folderKey')
  const s = assertObject(sealed, 'sealed')
  const version = assertVersion(s['version'], 'sealed.version')
  const context = dataKeyContext(secretId, version)
  const wrapped = decodeB64url(s['wrappedKey'], 'sealed.wrappedKey')
  decodeB64url(s['ciphertext'], 'sealed.ciphertext')
  const dataKey = unwrapKey(folderKey, wrapped, context)
  try {
    return openSecretValue(dataKey, secretId, version, s['ciphertext'] as string)
  } finally {
    wipe(dataKey)
  }
}

/** Body of POST /api/secrets: meta at revision 1, value at version 1. */
export interface NewSecret {
  id: string
  folderId: string
  meta: { ciphertext: string }
  value: SealedVersion
}

export function createSecret(
  folder: { id: string; key: Uint8Array },
  meta: SecretMeta,
  value: SecretValue,
): NewSecret {
  const f = assertObject(folder, 'folder')
  const folderId = assertId(f['id'], 'folder.id')
  const folderKey = assertKey(f['key'], 'folder.key')
  const metaBytes = encodeSecretMeta(meta)
  encodeSecretValue(value).fill(0) // checked here so a bad value fails before anything is sealed
  const id = newId()
  return {
    id,
    folderId,
    meta: {
      ciphertext: sealRecord(folderKey, metaBytes, {
        objectId: id,
        version: 1,
        field: 'secret-meta',
      }),
    },
    value: createSecretVersion(folderKey, id, 1, value),
  }
}

// ── Accounts ────────────────────────────────────────────────────────────────

/** What the client keeps after registering, and (all strings) the body of POST /api/register. */
export interface NewAccount {
  salt: string
  kdf: KdfParams
  authKey: string
  wrappedUserKey: string
  /** 32 bytes; keep in memory only, wipe on lock. */
  userKey: Uint8Array
  folder: NewFolder
}

export interface CreateAccountOptions extends DeriveOptions {
  /** Name of the account's first folder (default "Personal"). */
  folderName?: string
}

function assertCreateOptions(value: unknown): { folderName: string; derive: DeriveOptions } {
  const derive = assertDeriveOptions(value)
  const name = value === undefined ? undefined : (value as Record<string, unknown>)['folderName']
  if (name !== undefined && typeof name !== 'string') {
    throw badInput('opts.folderName must be a string')
  }
  return { folderName: name ?? FIRST_FOLDER_NAME, derive }
}

/**
 * A new account: fresh salt, keys derived from the password, a random userKey wrapped under
 * kek, and a first folder. Only authKey, the salt, the KDF settings and wrapped or sealed bytes
 * are meant for the server.
 */
export async function createAccount(
  password: string,
  kdf: KdfParams = KDF_DEFAULTS,
  opts?: CreateAccountOptions,
): Promise<NewAccount> {
  assertPassword(password, 'password').fill(0)
  const params = assertKdfParams(kdf)
  const o = assertCreateOptions(opts)
  encodeFolderMeta({ name: o.folderName, path: '' }).fill(0)
  const salt = newSalt()
  const { authKey, kek } = await deriveAccountKeys(password, salt, params, o.derive)
  const userKey = newKey()
  try {
    return {
      salt: toB64url(salt),
      kdf: params,
      authKey: toB64url(authKey),
      wrappedUserKey: wrapUserKey(kek, userKey),
      userKey,
      folder: createFolder(userKey, { name: o.folderName, path: '' }),
    }
  } finally {
    wipe(authKey, kek)
  }
}

/** The account fields the server returns (prelogin: salt and kdf; login and GET /api/account: all three). */
export interface AccountSecrets {
  salt: string
  kdf: KdfParams
  wrappedUserKey: string
}

function assertAccount(value: unknown, name: string) {
  const a = assertObject(value, name)
  return {
    salt: decodeB64url(a['salt'], `${name}.salt`, SALT_BYTES),
    kdf: assertKdfParams(a['kdf']),
    wrappedUserKey: decodeB64url(a['wrappedUserKey'], `${name}.wrappedUserKey`),
  }
}

export interface UnlockedAccount {
  /** For POST /api/login. */
  authKey: string
  userKey: Uint8Array
}

/**
 * Password → userKey. Refuses KDF settings below the minimums before deriving (a downgraded
 * answer); a wrong password is decrypt_failed (the kek does not open wrappedUserKey).
 */
export async function unlockAccount(
  password: string,
  account: AccountSecrets,
  opts?: DeriveOptions,
): Promise<UnlockedAccount> {
  assertPassword(password, 'password').fill(0)
  const a = assertAccount(account, 'account')
  const o = assertDeriveOptions(opts)
  const { authKey, kek } = await deriveAccountKeys(password, a.salt, a.kdf, o)
  try {
    return {
      authKey: toB64url(authKey),
      userKey: unwrapKey(kek, a.wrappedUserKey, USER_KEY_CONTEXT),
    }
  } finally {
    wipe(authKey, kek)
  }
}

/** Exactly the body of POST /api/account/password. */
export interface PasswordChange {
  /** The current authKey, proving the caller knows the current password. */
  authKey: string
  newSalt: string
  newKdf: KdfParams
  newAuthKey: string
  newWrappedUserKey: string
}

/**
 * Re-wraps the same userKey under a kek from the new password and a fresh salt; nothing else is
 * re-encrypted. The current password is checked locally first (it must open wrappedUserKey), so
 * a typo fails with decrypt_failed before anything is sent. Progress runs 0..0.5 for the current
 * password and 0.5..1 for the new one.
 */
export async function changePassword(
  currentPassword: string,
  account: AccountSecrets,
  newPassword: string,
  newKdf: KdfParams = KDF_DEFAULTS,
  opts?: DeriveOptions,
): Promise<PasswordChange> {
  assertPassword(currentPassword, 'currentPassword').fill(0)
  const a = assertAccount(account, 'account')
  assertPassword(newPassword, 'newPassword').fill(0)
  const params = assertKdfParams(newKdf)
  const { onProgress } = assertDeriveOptions(opts)
  const part = (from: number): DeriveOptions =>
    onProgress ? { onProgress: (f) => onProgress(from + f / 2) } : {}

  const old = await deriveAccountKeys(currentPassword, a.salt, a.kdf, part(0))
  let userKey: Uint8Array | undefined
  try {
    userKey = unwrapKey(old.kek, a.wrappedUserKey, USER_KEY_CONTEXT)
    const salt = newSalt()
    const next = await deriveAccountKeys(newPassword, salt, params, part(0.5))
    try {
      return {
        authKey: toB64url(old.authKey),
        newSalt: toB64url(salt),
        newKdf: params,
        newAuthKey: toB64url(next.authKey),
        newWrappedUserKey: wrapUserKey(next.kek, userKey),
      }
    } finally {
      wipe(next.authKey, next.kek)
    }
  } finally {
    wipe(old.authKey, old.kek, userKey)
  }
}
