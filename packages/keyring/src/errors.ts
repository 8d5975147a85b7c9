/** @module KeyringError: the one error type of the keyring layer, with a stable code callers switch on. */
import { EnvelopeError } from '@secretsentry/envelope/internal'

/**
 * - `bad_input`: a caller passed a value of the wrong type, length or range (including a record
 *   that breaks the record rules of SPEC.md §6 when sealing).
 * - `kdf_too_weak`: KDF parameters below the client's minimums (a downgraded prelogin answer).
 * - `kdf_invalid`: KDF parameters that are malformed or above the maximums (a client would hang).
 * - `decrypt_failed`: authentication failed: wrong password or key, a blob moved to another
 *   object, version, field or context, tampered or truncated bytes.
 * - `unsupported_version`: a wrapped key or sealed field of a format version this code does not know.
 * - `bad_record`: authentic plaintext that is not a valid record (a buggy or hostile client wrote it).
 * - `bad_token`: a string that is not a service token's text (SPEC.md §11.1): wrong prefix,
 *   length, separator or characters. A caller can tell "this is not a token" from a bug.
 */
export type KeyringErrorCode =
  | 'bad_input'
  | 'kdf_too_weak'
  | 'kdf_invalid'
  | 'decrypt_failed'
  | 'unsupported_version'
  | 'bad_record'
  | 'bad_token'

/** Messages never include key material, passwords or plaintext: they may end up in logs. */
export class KeyringError extends Error {
  readonly code: KeyringErrorCode

  constructor(code: KeyringErrorCode, message: string) {
    super(message)
    this.name = 'KeyringError'
    this.code = code
  }
}

export function badInput(message: string): KeyringError {
  return new KeyringError('bad_input', message)
}

/** Runs an envelope helper and re-labels its EnvelopeError as this layer's error (same message). */
export function viaEnvelope<T>(fn: () => T, code: KeyringErrorCode = 'bad_input'): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof EnvelopeError) throw new KeyringError(code, e.message)
    throw e
  }
}
