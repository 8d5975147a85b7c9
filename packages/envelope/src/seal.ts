/** @module Sealing and opening a share record (SPEC.md §5): version || nonce || AES-256-GCM(record) || tag, bound to id and policy. */
import { EnvelopeError } from './errors.ts'
import { assertBoolean, assertBytes, assertInt, assertObject, concatBytes, wipe } from './bytes.ts'
import { aesGcmDecrypt, aesGcmEncrypt, NONCE_BYTES, resolveBackend, TAG_BYTES } from './aead.ts'
import type { Backend } from './aead.ts'
import { assertShareKeys } from './keys.ts'
import type { ShareKeys } from './keys.ts'
import { decodeRecord, encodeRecord } from './record.ts'
import type { ShareRecord } from './record.ts'
import { randomBytes } from './platform.ts'

export const FORMAT_VERSION = 0x01
const HEADER_BYTES = 1 + NONCE_BYTES
export const MIN_SEALED_BYTES = HEADER_BYTES + TAG_BYTES

export interface SharePolicy {
  ttlSeconds: number
  maxViews: number
  passphrase: boolean
}

/** Ranges the additional data can carry (u32, u8); the product limits are the server's to enforce. */
export function assertPolicy(value: unknown): SharePolicy {
  const p = assertObject(value, 'policy')
  return {
    ttlSeconds: assertInt(p['ttlSeconds'], 'policy.ttlSeconds', 1, 0xffffffff),
    maxViews: assertInt(p['maxViews'], 'policy.maxViews', 1, 0xff),
    passphrase: assertBoolean(p['passphrase'], 'policy.passphrase'),
  }
}

/**
 * SPEC.md §5.1, 23 bytes: version || id || u32be(ttlSeconds) || u8(maxViews) || u8(passphrase).
 * Promise: the server cannot swap blobs between shares or rewrite the sender's policy unnoticed,
 * because any change to these bytes makes GCM authentication fail.
 */
export function additionalData(id: Uint8Array, policy: SharePolicy): Uint8Array {
  const ad = new Uint8Array(23)
  ad[0] = FORMAT_VERSION
  ad.set(id, 1)
  new DataView(ad.buffer).setUint32(17, policy.ttlSeconds, false)
  ad[21] = policy.maxViews
  ad[22] = policy.passphrase ? 1 : 0
  return ad
}

export interface SealOptions {
  backend?: Backend
  /** For known-answer tests only: a fixed nonce repeated under one key breaks GCM. */
  nonce?: Uint8Array
}

function assertOptions(value: unknown): { backend: 'webcrypto' | 'noble'; nonce?: Uint8Array } {
  if (value === undefined) return { backend: resolveBackend(undefined) }
  const o = assertObject(value, 'opts')
  const backend = resolveBackend(o['backend'])
  if (o['nonce'] === undefined) return { backend }
  return { backend, nonce: assertBytes(o['nonce'], 'opts.nonce', NONCE_BYTES) }
}

/** Seals already-encoded record bytes; shared by sealShare and createShare. */
export async function sealRecordBytes(
  keys: ShareKeys,
  policy: SharePolicy,
  recordBytes: Uint8Array,
  opts: { backend: 'webcrypto' | 'noble'; nonce?: Uint8Array },
): Promise<Uint8Array> {
  const nonce = opts.nonce ?? randomBytes(NONCE_BYTES)
  const ad = additionalData(keys.id, policy)
  const body = await aesGcmEncrypt(opts.backend, keys.encKey, nonce, ad, recordBytes)
  return concatBytes(new Uint8Array([FORMAT_VERSION]), nonce, body)
}

export async function sealShare(
  keys: ShareKeys,
  policy: SharePolicy,
  record: ShareRecord,
  opts?: SealOptions,
): Promise<Uint8Array> {
  const k = assertShareKeys(keys)
  const p = assertPolicy(policy)
  const o = assertOptions(opts)
  const recordBytes = encodeRecord(record)
  try {
    return await sealRecordBytes(k, p, recordBytes, o)
  } finally {
    wipe(recordBytes)
  }
}

export async function openSealed(
  keys: ShareKeys,
  policy: SharePolicy,
  sealed: Uint8Array,
  opts?: { backend?: Backend },
): Promise<ShareRecord> {
  const k = assertShareKeys(keys)
  const p = assertPolicy(policy)
  const backend =
    opts === undefined
      ? resolveBackend(undefined)
      : resolveBackend(assertObject(opts, 'opts')['backend'])
  assertBytes(sealed, 'sealed')
  if (sealed.length === 0) throw new EnvelopeError('decrypt_failed', 'sealed data is empty')
  if (sealed[0] !== FORMAT_VERSION) {
    throw new EnvelopeError(
      'unsupported_version',
      `sealed format version ${sealed[0]} is not supported`,
    )
  }
  if (sealed.length < MIN_SEALED_BYTES)
    throw new EnvelopeError('decrypt_failed', 'sealed data is truncated')
  const nonce = sealed.subarray(1, HEADER_BYTES)
  const plaintext = await aesGcmDecrypt(
    backend,
    k.encKey,
    nonce,
    additionalData(k.id, p),
    sealed.subarray(HEADER_BYTES),
  )
  try {
    return decodeRecord(plaintext)
  } finally {
    wipe(plaintext)
  }
}
