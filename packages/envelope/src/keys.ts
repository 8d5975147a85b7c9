/** @module Share key schedule, protocol v1 (packages/envelope/SPEC.md §3): seed → id, encKey, access, verifier. */
import { argon2idAsync } from '@noble/hashes/argon2.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { badInput } from './errors.ts'
import { assertBytes, concatBytes, wellFormedUtf8, wipe } from './bytes.ts'
import { randomBytes, utf8Encode } from './platform.ts'

export interface ShareKeys {
  /** 16 bytes; the share's public name on the server. */
  id: Uint8Array
  /** 32 bytes; AES-256-GCM key of this share only. */
  encKey: Uint8Array
  /** 32 bytes; proves to the server that the caller holds the link (and passphrase). */
  access: Uint8Array
  /** 32 bytes; SHA-256(access), what the server stores. */
  verifier: Uint8Array
}

export const SEED_BYTES = 32
export const ID_BYTES = 16

const INFO_ID = utf8Encode('secretsentry/v1/id')
const INFO_PW_SALT = utf8Encode('secretsentry/v1/pw-salt')
const INFO_ENC = utf8Encode('secretsentry/v1/enc')
const INFO_ACCESS = utf8Encode('secretsentry/v1/access')

/** SPEC.md §3.2: Argon2id (RFC 9106) cost; OWASP's minimum for Argon2id, about 0.15–0.25 s in JS. */
export const ARGON2_PARAMS = { m: 19456, t: 2, p: 1, dkLen: 32 } as const

// HKDF-SHA256 (RFC 5869) with an empty salt: §2.2 treats it as HashLen zero bytes, which HMAC
// pads to the same key as the empty string, so every implementation agrees.
function derive(ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdf(sha256, ikm, undefined, info, length)
}

/** 32 bytes from the platform CSPRNG (crypto.getRandomValues). */
export function newSeed(): Uint8Array {
  return randomBytes(SEED_BYTES)
}

/** The share id depends on the seed alone, so a recipient can name the share before typing a passphrase. */
export function shareIdFromSeed(seed: Uint8Array): Uint8Array {
  assertBytes(seed, 'seed', SEED_BYTES)
  return derive(seed, INFO_ID, ID_BYTES)
}

/**
 * SPEC.md §3.2. A non-empty passphrase is stretched with Argon2id (salted from the seed, so the
 * server, which never sees the seed, cannot guess passphrases offline); an empty one means none.
 * The passphrase is NFC-normalised so that "é" typed on any keyboard gives the same keys.
 */
export async function deriveShareKeys(seed: Uint8Array, passphrase?: string): Promise<ShareKeys> {
  assertBytes(seed, 'seed', SEED_BYTES)
  if (passphrase !== undefined && typeof passphrase !== 'string') {
    throw badInput('passphrase must be a string or undefined')
  }
  const id = derive(seed, INFO_ID, ID_BYTES)
  let ikm: Uint8Array
  if (passphrase) {
    const pwBytes = wellFormedUtf8(passphrase.normalize('NFC'), 'passphrase')
    const salt = derive(seed, INFO_PW_SALT, 16)
    // The async variant yields to the event loop every few ms, so the UI thread stays responsive.
    const pw = await argon2idAsync(pwBytes, salt, { ...ARGON2_PARAMS })
    ikm = concatBytes(seed, pw)
    wipe(pwBytes, salt, pw)
  } else {
    ikm = seed.slice()
  }
  const encKey = derive(ikm, INFO_ENC, 32)
  const access = derive(ikm, INFO_ACCESS, 32)
  wipe(ikm)
  const verifier = sha256(access)
  return { id, encKey, access, verifier }
}

/** Validates a ShareKeys-shaped value at the boundary of the functions that take one. */
export function assertShareKeys(value: unknown): ShareKeys {
  if (typeof value !== 'object' || value === null) throw badInput('keys must be an object')
  const k = value as Record<string, unknown>
  return {
    id: assertBytes(k['id'], 'keys.id', ID_BYTES),
    encKey: assertBytes(k['encKey'], 'keys.encKey', 32),
    access: assertBytes(k['access'], 'keys.access', 32),
    verifier: assertBytes(k['verifier'], 'keys.verifier', 32),
  }
}
