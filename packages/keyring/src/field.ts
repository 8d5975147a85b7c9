/** @module Sealed fields (SPEC.md §4.2): plaintext sealed under a folder or data key, bound to its object id, version and field. */
import { utf8Encode } from '@secretsentry/envelope/internal'
import { badInput } from './errors.ts'
import { assertBytes, assertId, assertKey, assertObject, assertVersion } from './bytes.ts'
import { assertSealOptions, open, seal } from './aead.ts'
import type { SealOptions } from './aead.ts'

export const FIELDS = ['secret-meta', 'secret-value', 'folder-meta', 'token-meta'] as const
export type FieldName = (typeof FIELDS)[number]

export interface FieldBinding {
  /** The secret's, folder's or token's id (22 base64url characters). */
  objectId: string
  /** The secret's meta revision, the value's version, or 1 for folder and token metadata. */
  version: number
  field: FieldName
}

const FIELD_AD_PREFIX = 'secretsentry/v1/field\0'

export function assertBinding(value: unknown): FieldBinding {
  const b = assertObject(value, 'binding')
  const field = b['field']
  if (typeof field !== 'string' || !(FIELDS as readonly string[]).includes(field)) {
    throw badInput(`binding.field must be one of ${FIELDS.join(', ')}`)
  }
  return {
    objectId: assertId(b['objectId'], 'binding.objectId'),
    version: assertVersion(b['version'], 'binding.version'),
    field: field as FieldName,
  }
}

/**
 * "secretsentry/v1/field\0" || field || "\0" || objectId || "\0" || decimal(version), UTF-8.
 * Security promise: the server can neither read a field nor move it to another secret, version
 * or field (meta as value, an old value as the current one): any such swap fails authentication.
 */
export function fieldAd(b: FieldBinding): Uint8Array {
  return utf8Encode(`${FIELD_AD_PREFIX}${b.field}\0${b.objectId}\0${b.version}`)
}

export function sealField(
  key: Uint8Array,
  plaintext: Uint8Array,
  binding: FieldBinding,
  opts?: SealOptions,
): Uint8Array {
  const k = assertKey(key, 'key')
  const pt = assertBytes(plaintext, 'plaintext')
  const ad = fieldAd(assertBinding(binding))
  return seal(k, ad, pt, assertSealOptions(opts))
}

export function openField(key: Uint8Array, sealed: Uint8Array, binding: FieldBinding): Uint8Array {
  const k = assertKey(key, 'key')
  const ad = fieldAd(assertBinding(binding))
  return open(k, ad, sealed, 'sealed field')
}
