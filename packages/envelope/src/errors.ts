/** @module EnvelopeError: the one error type of the envelope layer, with a stable code callers switch on. */

/**
 * - `bad_fragment`: the link fragment is not a v1 fragment (typo, truncation, tampering).
 * - `unsupported_version`: a fragment or sealed blob of a format version this code does not know.
 * - `decrypt_failed`: authentication failed (wrong key, wrong policy, tampered or truncated blob).
 * - `bad_input`: a caller passed a value of the wrong type, length or range, or a record is malformed.
 */
export type EnvelopeErrorCode =
  'bad_fragment' | 'unsupported_version' | 'decrypt_failed' | 'bad_input'

/** Messages never include key material, passphrases or plaintext: they may end up in logs. */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode

  constructor(code: EnvelopeErrorCode, message: string) {
    super(message)
    this.name = 'EnvelopeError'
    this.code = code
  }
}

export function badInput(message: string): EnvelopeError {
  return new EnvelopeError('bad_input', message)
}
