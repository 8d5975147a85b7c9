/**
 * @module The sealed-blob layout shared by wrapped keys and sealed fields (SPEC.md §4):
 * 0x01 || nonce (12) || AES-256-GCM ciphertext || tag (16).
 *
 * Synchronous on purpose: wrapKey/sealField return bytes, not promises (vault design §1), and
 * WebCrypto has no synchronous AES-GCM, so this calls @noble/ciphers' gcm, which the envelope
 * also uses as its portable backend. Values are small (keys, metadata, one secret's value).
 */
import { gcm } from '@noble/ciphers/aes.js'
import { NONCE_BYTES, TAG_BYTES, concatBytes, randomBytes } from '@secretsentry/envelope/internal'
import { KeyringError } from './errors.ts'
import { assertBytes, assertObject } from './bytes.ts'

export const FORMAT_VERSION = 0x01
export const HEADER_BYTES = 1 + NONCE_BYTES
export const OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES

export interface SealOptions {
  /** For known-answer tests only: a nonce repeated under one key breaks GCM. */
  nonce?: Uint8Array
}

export function assertSealOptions(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined
  const o = assertObject(value, 'opts')
  if (o['nonce'] === undefined) return undefined
  return assertBytes(o['nonce'], 'opts.nonce', NONCE_BYTES)
}

export function seal(
  key: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
  nonce: Uint8Array = randomBytes(NONCE_BYTES),
): Uint8Array {
  const body = gcm(key, nonce, ad).encrypt(plaintext)
  return concatBytes(new Uint8Array([FORMAT_VERSION]), nonce, body)
}

/**
 * Order of checks (SPEC.md §4.3): not bytes → bad_input; empty → decrypt_failed; other first
 * byte → unsupported_version; shorter than 29 bytes (or not `exactLength`) → decrypt_failed;
 * authentication failure → decrypt_failed.
 */
export function open(
  key: Uint8Array,
  ad: Uint8Array,
  sealed: unknown,
  name: string,
  exactLength?: number,
): Uint8Array {
  const s = assertBytes(sealed, name)
  if (s.length === 0) throw new KeyringError('decrypt_failed', `${name} is empty`)
  if (s[0] !== FORMAT_VERSION) {
    throw new KeyringError('unsupported_version', `${name} format version ${s[0]} is not supported`)
  }
  if (s.length < OVERHEAD_BYTES || (exactLength !== undefined && s.length !== exactLength)) {
    throw new KeyringError('decrypt_failed', `${name} has the wrong length`)
  }
  try {
    return gcm(key, s.subarray(1, HEADER_BYTES), ad).decrypt(s.subarray(HEADER_BYTES))
  } catch {
    throw new KeyringError(
      'decrypt_failed',
      `${name} could not be decrypted: wrong key or password, moved to another object, or tampered`,
    )
  }
}
