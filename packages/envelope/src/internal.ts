/**
 * @module @secretsentry/envelope/internal: the envelope's building blocks for sibling packages
 * (packages/keyring), so that base64url, UTF-8, randomness and AES-GCM exist once in the repo.
 * Not part of the share protocol's public API: errors thrown here are EnvelopeError('bad_input'),
 * which callers in other layers translate into their own error type.
 */
export { aesGcmDecrypt, aesGcmEncrypt, NONCE_BYTES, resolveBackend, TAG_BYTES } from './aead.ts'
export { concatBytes, isBytes, wellFormedUtf8, wipe } from './bytes.ts'
export { fromB64url, toB64url } from './b64url.ts'
export { EnvelopeError } from './errors.ts'
export { randomBytes, subtleCrypto, utf8DecodeStrict, utf8Encode } from './platform.ts'
