/** @module AES-256-GCM (NIST SP 800-38D) over two interchangeable backends: WebCrypto and @noble/ciphers; same bytes, same errors. */
import { gcm } from '@noble/ciphers/aes.js'
import { EnvelopeError, badInput } from './errors.ts'
import { subtleCrypto } from './platform.ts'
import type { AesGcmParamsLike } from './platform.ts'

/** 'auto' picks WebCrypto when crypto.subtle exists (secure contexts, Node), else noble. */
export type Backend = 'webcrypto' | 'noble' | 'auto'

export const NONCE_BYTES = 12
export const TAG_BYTES = 16

export function resolveBackend(backend: unknown): 'webcrypto' | 'noble' {
  if (backend === undefined || backend === 'auto') return subtleCrypto() ? 'webcrypto' : 'noble'
  if (backend === 'noble') return 'noble'
  if (backend === 'webcrypto') {
    if (!subtleCrypto()) throw badInput('WebCrypto (crypto.subtle) is not available here')
    return 'webcrypto'
  }
  throw badInput("backend must be 'webcrypto', 'noble' or 'auto'")
}

function params(nonce: Uint8Array, ad: Uint8Array): AesGcmParamsLike {
  return { name: 'AES-GCM', iv: nonce, additionalData: ad, tagLength: 128 }
}

/** Returns ciphertext || tag (16 bytes). */
export async function aesGcmEncrypt(
  backend: 'webcrypto' | 'noble',
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  if (backend === 'noble') return gcm(key, nonce, ad).encrypt(plaintext)
  const subtle = subtleCrypto()!
  // Non-extractable: the CryptoKey cannot be read back out of the page.
  const k = await subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['encrypt'])
  return new Uint8Array(await subtle.encrypt(params(nonce, ad), k, plaintext))
}

/** Inverse of aesGcmEncrypt; any authentication failure is EnvelopeError('decrypt_failed'). */
export async function aesGcmDecrypt(
  backend: 'webcrypto' | 'noble',
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  try {
    if (backend === 'noble') return gcm(key, nonce, ad).decrypt(sealed)
    const subtle = subtleCrypto()!
    const k = await subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt'])
    return new Uint8Array(await subtle.decrypt(params(nonce, ad), k, sealed))
  } catch {
    // Both backends' errors (noble "invalid tag", WebCrypto OperationError) become one code.
    throw new EnvelopeError(
      'decrypt_failed',
      'decryption failed: wrong key or policy, or tampered data',
    )
  }
}
