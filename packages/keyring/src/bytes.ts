/** @module Boundary checks shared by the keyring modules (internal, not exported): every public function validates with these first. */
import { fromB64url, isBytes, wellFormedUtf8 } from '@secretsentry/envelope/internal'
import { badInput, viaEnvelope } from './errors.ts'

export const KEY_BYTES = 32
export const ID_BYTES = 16
/** Versions and revisions are carried as decimal in additional data; the server stores them as int32. */
export const MAX_VERSION = 2 ** 31 - 1

export function assertBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!isBytes(value)) throw badInput(`${name} must be a Uint8Array`)
  if (length !== undefined && value.length !== length) {
    throw badInput(`${name} must be ${length} bytes, got ${value.length}`)
  }
  return value
}

export function assertKey(value: unknown, name: string): Uint8Array {
  return assertBytes(value, name, KEY_BYTES)
}

export function assertObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput(`${name} must be an object`)
  }
  return value as Record<string, unknown>
}

export function assertVersion(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_VERSION) {
    throw badInput(`${name} must be an integer from 1 to ${MAX_VERSION}`)
  }
  return value
}

/** Strict base64url (canonical, unpadded) to bytes, optionally of an exact length. */
export function decodeB64url(value: unknown, name: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw badInput(`${name} must be a base64url string`)
  const bytes = viaEnvelope(() => fromB64url(value))
  if (length !== undefined && bytes.length !== length) {
    throw badInput(`${name} must encode ${length} bytes, got ${bytes.length}`)
  }
  return bytes
}

/**
 * An object id: 16 bytes as 22 canonical base64url characters. Checked because ids go into
 * additional data as text: two spellings of one id would otherwise bind differently.
 */
export function assertId(value: unknown, name: string): string {
  decodeB64url(value, name, ID_BYTES)
  return value as string
}

/** UTF-8 of a well-formed string (a lone surrogate is bad_input, never replaced by U+FFFD). */
export function utf8(value: unknown, name: string): Uint8Array {
  return viaEnvelope(() => wellFormedUtf8(value, name))
}
