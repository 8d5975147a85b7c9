/** @module Key wrapping (SPEC.md §4.1): a 32-byte key sealed under another, bound to a context naming what it is and where it belongs. */
import { concatBytes, utf8Encode } from '@secretsentry/envelope/internal'
import { badInput } from './errors.ts'
import { KEY_BYTES, assertId, assertKey, assertVersion, utf8 } from './bytes.ts'
import { OVERHEAD_BYTES, assertSealOptions, open, seal } from './aead.ts'
import type { SealOptions } from './aead.ts'

/** 0x01 || nonce (12) || ciphertext (32) || tag (16). */
export const WRAPPED_KEY_BYTES = OVERHEAD_BYTES + KEY_BYTES

const WRAP_AD_PREFIX = utf8Encode('secretsentry/v1/wrap\0')

/** The context of an account's userKey wrapped under its kek. */
export const USER_KEY_CONTEXT = 'user-key'

/** The context of a folder key wrapped under userKey. */
export function folderKeyContext(folderId: string): string {
  return `folder-key\0${assertId(folderId, 'folderId')}`
}

/** The context of one secret version's data key wrapped under its folder key. */
export function dataKeyContext(secretId: string, version: number): string {
  return `data-key\0${assertId(secretId, 'secretId')}\0${assertVersion(version, 'version')}`
}

function contextAd(context: unknown): Uint8Array {
  if (typeof context === 'string' && context.length === 0) {
    throw badInput('context must not be empty')
  }
  return concatBytes(WRAP_AD_PREFIX, utf8(context, 'context'))
}

/**
 * Security promise: a wrapped key opens only under the context it was wrapped for, so the server
 * cannot hand a client one folder's key as another's, nor an old version's data key as a newer
 * version's (SPEC.md §4.1, §7).
 */
export function wrapKey(
  wrappingKey: Uint8Array,
  key: Uint8Array,
  context: string,
  opts?: SealOptions,
): Uint8Array {
  const kek = assertKey(wrappingKey, 'wrappingKey')
  const k = assertKey(key, 'key')
  const ad = contextAd(context)
  return seal(kek, ad, k, assertSealOptions(opts))
}

/** Inverse of wrapKey; a wrong wrapping key or context, or altered bytes, is decrypt_failed. */
export function unwrapKey(
  wrappingKey: Uint8Array,
  wrapped: Uint8Array,
  context: string,
): Uint8Array {
  const kek = assertKey(wrappingKey, 'wrappingKey')
  const ad = contextAd(context)
  return open(kek, ad, wrapped, 'wrapped key', WRAPPED_KEY_BYTES)
}
