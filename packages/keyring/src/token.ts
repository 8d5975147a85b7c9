/**
 * @module Service tokens (SPEC.md §11): the token text, the keys derived from its secret, and
 * grants (folder keys wrapped under the token's key). A token's read scope is cryptographic: it
 * holds the keys of the folders granted to it and nothing else; the server keeps a verifier that
 * opens nothing.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  concatBytes,
  fromB64url,
  randomBytes,
  toB64url,
  utf8Encode,
  wipe,
} from '@secretsentry/envelope/internal'
import { KeyringError, badInput } from './errors.ts'
import { KEY_BYTES, assertBytes, assertId, assertKey, assertObject, decodeB64url } from './bytes.ts'
import { newId } from './kdf.ts'
import { unwrapKey, wrapKey } from './wrap.ts'
import type { SealOptions } from './aead.ts'
import { decodeTokenMeta, encodeTokenMeta } from './records.ts'
import type { TokenMeta } from './records.ts'
import { openRecord, sealRecord } from './vault.ts'

/** The token's format marker: a future format gets another prefix, never a reinterpretation. */
export const TOKEN_PREFIX = 'sst_'
/** 256 bits of secret: guessing it is as hard as guessing a folder key. */
export const TOKEN_SECRET_BYTES = 32
const ID_CHARS = 22
const SECRET_CHARS = 43
/** "sst_" (4) + id (22) + "_" (1) + secret (43). */
export const TOKEN_LENGTH = TOKEN_PREFIX.length + ID_CHARS + 1 + SECRET_CHARS

const INFO_AUTH = 'secretsentry/v1/token/auth\0'
const INFO_WRAP = 'secretsentry/v1/token/wrap\0'
const VERIFIER_PREFIX = utf8Encode('secretsentry/v1/token/verifier\0')

/** A grant opens the token's root folder or one of the subfolders included at or after creation. */
export const GRANT_ROLES = ['root', 'subfolder'] as const
export type GrantRole = (typeof GRANT_ROLES)[number]

/** A token split into its parts: the id is public (the server's row key), the secret is not. */
export interface ServiceToken {
  /** 16 bytes as 22 base64url characters. */
  id: string
  /** 32 bytes; never sent anywhere. */
  secret: Uint8Array
}

function badToken(message: string): KeyringError {
  return new KeyringError('bad_token', message)
}

function assertToken(value: unknown, name: string): ServiceToken {
  const t = assertObject(value, name)
  return {
    id: assertId(t['id'], `${name}.id`),
    secret: assertBytes(t['secret'], `${name}.secret`, TOKEN_SECRET_BYTES),
  }
}

/** `sst_` || id || `_` || base64url(secret): 70 characters. */
export function formatToken(token: ServiceToken): string {
  const t = assertToken(token, 'token')
  return `${TOKEN_PREFIX}${t.id}_${toB64url(t.secret)}`
}

/**
 * Strict parse of a token's text (SPEC.md §11.1). Nothing is trimmed or repaired: a token with a
 * stray newline or a wrong character is refused rather than guessed at. Messages never contain
 * the text, which may be a real token on its way to a log.
 */
export function parseToken(text: string): ServiceToken {
  if (typeof text !== 'string') throw badInput('token must be a string')
  if (!text.startsWith(TOKEN_PREFIX)) {
    throw badToken(`a service token starts with "${TOKEN_PREFIX}"`)
  }
  if (text.length !== TOKEN_LENGTH) {
    throw badToken(`a service token is ${TOKEN_LENGTH} characters, got ${text.length}`)
  }
  const sep = TOKEN_PREFIX.length + ID_CHARS
  if (text[sep] !== '_') {
    throw badToken(`a service token has "_" after its ${ID_CHARS}-character id`)
  }
  // 22 and 43 canonical characters decode to exactly 16 and 32 bytes; non-canonical trailing
  // bits are refused, so each token has one spelling.
  const part = (chars: string, what: string): Uint8Array => {
    try {
      return fromB64url(chars)
    } catch {
      throw badToken(`the ${what} of the service token is not canonical base64url`)
    }
  }
  const idChars = text.slice(TOKEN_PREFIX.length, sep)
  part(idChars, 'id')
  return { id: idChars, secret: part(text.slice(sep + 1), 'secret') }
}

/** What a token's secret derives (SPEC.md §11.2). */
export interface TokenKeys {
  /** Sent to the server (with the id) to authenticate; the server stores only tokenVerifier(authKey). */
  authKey: Uint8Array
  /** Wraps and unwraps the token's grants; never leaves the token holder. */
  wrapKey: Uint8Array
}

/**
 * Security promise: authKey and wrapKey are independent HKDF outputs of the secret, so neither
 * the verifier in the database nor the authKey the server sees on every request yields wrapKey.
 * Both infos carry the token id, so one secret under another id derives unrelated keys.
 */
export function deriveTokenKeys(token: ServiceToken): TokenKeys {
  const t = assertToken(token, 'token')
  const expand = (info: string) =>
    hkdf(sha256, t.secret, undefined, utf8Encode(info + t.id), KEY_BYTES)
  return { authKey: expand(INFO_AUTH), wrapKey: expand(INFO_WRAP) }
}

/** SHA-256("secretsentry/v1/token/verifier\0" || authKey): what the server stores and compares. */
export function tokenVerifier(authKey: Uint8Array): Uint8Array {
  const a = assertKey(authKey, 'authKey')
  return sha256(concatBytes(VERIFIER_PREFIX, a))
}

/**
 * The server's check of a presented authKey against the stored verifier, in time independent of
 * where they differ. Malformed input is bad_input (a route maps it to 401 like a mismatch).
 */
export function tokenVerifierMatches(verifier: Uint8Array, authKey: Uint8Array): boolean {
  const v = assertBytes(verifier, 'verifier', KEY_BYTES)
  const computed = tokenVerifier(authKey)
  let diff = 0
  for (let i = 0; i < KEY_BYTES; i++) diff |= v[i]! ^ computed[i]!
  return diff === 0
}

/** The context of a token's wrapKey wrapped under the owner's userKey. */
export function tokenKeyContext(tokenId: string): string {
  return `token-key\0${assertId(tokenId, 'tokenId')}`
}

function assertRole(value: unknown, name: string): GrantRole {
  if (typeof value !== 'string' || !(GRANT_ROLES as readonly string[]).includes(value)) {
    throw badInput(`${name} must be one of ${GRANT_ROLES.join(', ')}`)
  }
  return value as GrantRole
}

/** The context of a folder key wrapped under a token's wrapKey. */
export function tokenGrantContext(tokenId: string, folderId: string, role: GrantRole): string {
  const t = assertId(tokenId, 'tokenId')
  const f = assertId(folderId, 'folderId')
  return `token-grant\0${t}\0${assertRole(role, 'role')}\0${f}`
}

/** One folder a token may read, as the server stores and returns it. */
export interface TokenGrant {
  folderId: string
  role: GrantRole
  /** The folder key wrapped under the token's wrapKey (61 bytes, base64url). */
  wrappedKey: string
}

/**
 * Wraps one folder's key for a token, on the owner's client (the only place folder keys and the
 * token's wrapKey meet). Used at creation and later, for a subfolder created under the token's
 * root (the owner's client unwraps wrapKey with unwrapTokenKey first).
 */
export function grantFolder(
  tokenWrapKey: Uint8Array,
  tokenId: string,
  folder: { id: string; key: Uint8Array },
  role: GrantRole,
  opts?: SealOptions,
): TokenGrant {
  const k = assertKey(tokenWrapKey, 'tokenWrapKey')
  const f = assertObject(folder, 'folder')
  const folderId = assertId(f['id'], 'folder.id')
  const folderKey = assertKey(f['key'], 'folder.key')
  const context = tokenGrantContext(tokenId, folderId, role)
  return { folderId, role, wrappedKey: toB64url(wrapKey(k, folderKey, context, opts)) }
}

/** An opened grant: the folder's id, its role in the token's scope and its key. */
export interface OpenedGrant {
  folderId: string
  role: GrantRole
  /** 32 bytes; keep in memory only. */
  key: Uint8Array
}

/**
 * The token holder's side. Security promise: a grant opens only under the wrapKey of the token it
 * was made for, for the folder and role it names; the server can neither hand folder B's key as
 * folder A's, nor another token's grant, nor a subfolder grant as the root (all decrypt_failed).
 */
export function openGrant(
  tokenWrapKey: Uint8Array,
  tokenId: string,
  grant: TokenGrant,
): OpenedGrant {
  const k = assertKey(tokenWrapKey, 'tokenWrapKey')
  const g = assertObject(grant, 'grant')
  const folderId = assertId(g['folderId'], 'grant.folderId')
  const role = assertRole(g['role'], 'grant.role')
  const wrapped = decodeB64url(g['wrappedKey'], 'grant.wrappedKey')
  const context = tokenGrantContext(tokenId, folderId, role)
  return { folderId, role, key: unwrapKey(k, wrapped, context) }
}

/** Unwraps the owner's copy of a token's wrapKey (to grant a folder created after the token). */
export function unwrapTokenKey(
  userKey: Uint8Array,
  tokenId: string,
  ownerWrappedKey: string,
): Uint8Array {
  const u = assertKey(userKey, 'userKey')
  const context = tokenKeyContext(tokenId)
  return unwrapKey(u, decodeB64url(ownerWrappedKey, 'ownerWrappedKey'), context)
}

/** TokenMeta is sealed once per token (the owner may seal it again after a move): version 1. */
const TOKEN_META_VERSION = 1

const tokenMetaBinding = (tokenId: string) =>
  ({
    objectId: assertId(tokenId, 'tokenId'),
    version: TOKEN_META_VERSION,
    field: 'token-meta',
  }) as const

/**
 * The token's root path sealed under its wrapKey (SPEC.md §11.6), bound to the token id: the
 * holder shows absolute paths, the server stores ciphertext only, and one token's record cannot
 * be passed off as another's (decrypt_failed).
 */
export function sealTokenMeta(tokenWrapKey: Uint8Array, tokenId: string, meta: TokenMeta): string {
  const k = assertKey(tokenWrapKey, 'tokenWrapKey')
  const binding = tokenMetaBinding(tokenId)
  return sealRecord(k, encodeTokenMeta(meta), binding)
}

/** The holder's side (and the owner's, with unwrapTokenKey): the token's root path. */
export function openTokenMeta(
  tokenWrapKey: Uint8Array,
  tokenId: string,
  ciphertext: string,
): TokenMeta {
  const k = assertKey(tokenWrapKey, 'tokenWrapKey')
  return openRecord(k, ciphertext, tokenMetaBinding(tokenId), decodeTokenMeta)
}

/**
 * A new token, made on the owner's client: the text (shown once, never sent), and what the server
 * stores: the id, the verifier, the owner's copy of wrapKey and one grant per folder.
 */
export interface NewServiceToken {
  id: string
  /** `sst_…`: show once; never send it, log it or store it server-side. */
  text: string
  /** base64url of tokenVerifier(authKey). */
  verifier: string
  /** wrapKey wrapped under userKey (context token-key\0id), so the owner can add grants later. */
  ownerWrappedKey: string
  /** TokenMeta (the root's path) sealed under wrapKey (SPEC.md §11.6). */
  meta: string
  grants: TokenGrant[]
}

/**
 * Security promise: the server receives only the verifier, the owner's copy of wrapKey (under
 * userKey), the root's path sealed under wrapKey and folder keys wrapped under wrapKey; none opens
 * anything without the token's secret or the owner's userKey. Subfolders are granted one by one, explicitly: a folder not listed here
 * (or granted later with grantFolder) stays unreadable to the token whatever the server does.
 */
export function createServiceToken(
  userKey: Uint8Array,
  root: { id: string; key: Uint8Array },
  subfolders: readonly { id: string; key: Uint8Array }[],
  meta: TokenMeta,
): NewServiceToken {
  const u = assertKey(userKey, 'userKey')
  // Checked (and encoded) before the token is drawn: a bad path fails before any work.
  const metaBytes = encodeTokenMeta(meta)
  wipe(metaBytes)
  const r = assertObject(root, 'root')
  assertId(r['id'], 'root.id')
  assertKey(r['key'], 'root.key')
  if (!Array.isArray(subfolders)) throw badInput('subfolders must be an array')
  const seen = new Set<string>([r['id'] as string])
  subfolders.forEach((s, i) => {
    const o = assertObject(s, `subfolders[${i}]`)
    const id = assertId(o['id'], `subfolders[${i}].id`)
    assertKey(o['key'], `subfolders[${i}].key`)
    if (seen.has(id)) throw badInput(`subfolders[${i}] repeats the root or an earlier folder`)
    seen.add(id)
  })
  const token: ServiceToken = { id: newId(), secret: randomBytes(TOKEN_SECRET_BYTES) }
  const keys = deriveTokenKeys(token)
  try {
    return {
      id: token.id,
      text: formatToken(token),
      verifier: toB64url(tokenVerifier(keys.authKey)),
      ownerWrappedKey: toB64url(wrapKey(u, keys.wrapKey, tokenKeyContext(token.id))),
      meta: sealTokenMeta(keys.wrapKey, token.id, meta),
      grants: [
        grantFolder(keys.wrapKey, token.id, root, 'root'),
        ...subfolders.map((s) => grantFolder(keys.wrapKey, token.id, s, 'subfolder')),
      ],
    }
  } finally {
    wipe(token.secret, keys.authKey, keys.wrapKey)
  }
}

/** What a token holder (CLI, SDK) keeps after reading the token text. */
export interface UnlockedToken {
  id: string
  /** base64url; with the id, the credential sent to the server. Never the text or the secret. */
  authKey: string
  /** Opens the token's grants; keep in memory only. */
  wrapKey: Uint8Array
}

/** Token text → what the holder needs: the credential for the server and the key for its grants. */
export function unlockServiceToken(text: string): UnlockedToken {
  const token = parseToken(text)
  const keys = deriveTokenKeys(token)
  try {
    return { id: token.id, authKey: toB64url(keys.authKey), wrapKey: keys.wrapKey }
  } finally {
    wipe(token.secret, keys.authKey)
  }
}

/**
 * Whether folder path `path` is `root` or below it, segment-wise (so /app/prod does not contain
 * /app/production). The owner's client uses it to pick the subfolders to grant; "" is the top.
 */
export function pathIsWithin(path: string, root: string): boolean {
  if (typeof path !== 'string') throw badInput('path must be a string')
  if (typeof root !== 'string') throw badInput('root must be a string')
  if (root === '') return true
  return path === root || path.startsWith(`${root}/`)
}
