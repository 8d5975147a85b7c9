/** @module Account key derivation (SPEC.md §3): password → Argon2id masterKey → HKDF authKey and kek; KDF parameter bounds. */
import { argon2idAsync } from '@noble/hashes/argon2.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes, toB64url, utf8Encode, wipe } from '@secretsentry/envelope/internal'
import { KeyringError, badInput } from './errors.ts'
import { ID_BYTES, KEY_BYTES, assertBytes, utf8 } from './bytes.ts'

export interface KdfParams {
  algorithm: 'argon2id'
  /** Argon2 m, in KiB. */
  memoryKiB: number
  /** Argon2 t. */
  iterations: number
  /** Argon2 p (lanes). */
  parallelism: number
}

/** SPEC.md §3.1: what new accounts and password changes use (about 0.8 s in Chromium). */
export const KDF_DEFAULTS: Readonly<KdfParams> = Object.freeze({
  algorithm: 'argon2id',
  memoryKiB: 65536,
  iterations: 3,
  parallelism: 1,
})

/** OWASP's Argon2id floor (19 MiB, t=2, p=1). Below it a stolen auth hash is cheap to attack. */
export const KDF_MINIMUMS = Object.freeze({ memoryKiB: 19456, iterations: 2, parallelism: 1 })

/** Above these a hostile server could make the client allocate or spin without end. */
export const KDF_MAXIMUMS = Object.freeze({ memoryKiB: 1048576, iterations: 10, parallelism: 4 })

export const SALT_BYTES = 16

const INFO_AUTH = utf8Encode('secretsentry/v1/account/auth')
const INFO_KEK = utf8Encode('secretsentry/v1/account/kek')
const FIELDS = ['algorithm', 'memoryKiB', 'iterations', 'parallelism'] as const
const NUMERIC = ['memoryKiB', 'iterations', 'parallelism'] as const

function kdfInvalid(message: string): KeyringError {
  return new KeyringError('kdf_invalid', message)
}

/**
 * Security promise: the client refuses KDF parameters below its minimums, so a server (or a
 * forged prelogin answer) cannot downgrade the work protecting the password. Malformed or
 * oversized parameters are refused too, before any memory is allocated. Returns a fresh copy
 * holding only the four fields.
 */
export function assertKdfParams(value: unknown): KdfParams {
  const o = kdfShape(value, 'kdf')
  for (const k of NUMERIC) {
    if (o[k] < KDF_MINIMUMS[k]) {
      throw new KeyringError(
        'kdf_too_weak',
        `kdf.${k} is below the minimum of ${KDF_MINIMUMS[k]}; refusing weakened key derivation`,
      )
    }
  }
  for (const k of NUMERIC) {
    if (o[k] > KDF_MAXIMUMS[k]) {
      throw kdfInvalid(`kdf.${k} is above the maximum of ${KDF_MAXIMUMS[k]}`)
    }
  }
  return o
}

/** The four fields, well-formed (any positive integers): kdf_invalid otherwise. A fresh copy. */
function kdfShape(value: unknown, name: string): KdfParams {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw kdfInvalid(`${name} must be an object`)
  }
  const o = value as Record<string, unknown>
  const extra = Object.keys(o).filter((k) => !(FIELDS as readonly string[]).includes(k))
  if (extra.length > 0) throw kdfInvalid(`${name} has unknown field ${JSON.stringify(extra[0])}`)
  if (o['algorithm'] !== 'argon2id') throw kdfInvalid(`${name}.algorithm must be 'argon2id'`)
  for (const k of NUMERIC) {
    const n = o[k]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      throw kdfInvalid(`${name}.${k} must be a positive integer`)
    }
  }
  return {
    algorithm: 'argon2id',
    memoryKiB: o['memoryKiB'] as number,
    iterations: o['iterations'] as number,
    parallelism: o['parallelism'] as number,
  }
}

/** How offered KDF parameters compare with the ones last used for the same account. */
export type KdfComparison = 'same' | 'stronger' | 'weaker'

/**
 * Security promise (the downgrade check, SPEC.md §3.1): 'weaker' whenever `offered` has less
 * memory or fewer passes than `previous`, even if the other grew, so a server cannot lower the
 * cost of guessing the password behind a client's back by trading one for the other. The client
 * picks the parameters at registration and password change; a server has no reason to lower them.
 * Parallelism alone never makes parameters weaker: it does not change the memory × passes an
 * attacker pays. 'stronger' means: different, and not weaker.
 */
export function compareKdfParams(
  previous: Readonly<KdfParams>,
  offered: Readonly<KdfParams>,
): KdfComparison {
  // Shape only: whether either is within the bounds is assertKdfParams' question.
  kdfShape(previous, 'previous')
  kdfShape(offered, 'offered')
  if (offered.memoryKiB < previous.memoryKiB || offered.iterations < previous.iterations) {
    return 'weaker'
  }
  const same =
    offered.algorithm === previous.algorithm &&
    offered.memoryKiB === previous.memoryKiB &&
    offered.iterations === previous.iterations &&
    offered.parallelism === previous.parallelism
  return same ? 'same' : 'stronger'
}

/** Outputs of the account key schedule (SPEC.md §3.2). */
export interface AccountKeys {
  /** 32 bytes; sent to the server at register and login, which stores only a slow hash of it. */
  authKey: Uint8Array
  /** 32 bytes; wraps userKey. Never leaves the client. */
  kek: Uint8Array
}

export interface DeriveOptions {
  /**
   * Called with the completed fraction (0..1) while Argon2id runs, about every 10 ms, so a page
   * can draw progress. An exception thrown here aborts the derivation with that exception.
   */
  onProgress?: (fraction: number) => void
}

export function assertPassword(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw badInput(`${name} must be a string`)
  if (value.length === 0) throw badInput(`${name} must not be empty`)
  // NFC: the same password typed on any keyboard or OS gives the same keys (SPEC.md §3.2).
  return utf8(value.normalize('NFC'), name)
}

export function assertDeriveOptions(value: unknown): DeriveOptions {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null) throw badInput('opts must be an object')
  const p = (value as Record<string, unknown>)['onProgress']
  if (p !== undefined && typeof p !== 'function') {
    throw badInput('opts.onProgress must be a function')
  }
  return p === undefined ? {} : { onProgress: p as (fraction: number) => void }
}

// HKDF-SHA256 (RFC 5869) with an empty salt (§2.2: HashLen zero bytes), as in the share protocol.
function expand(masterKey: Uint8Array, info: Uint8Array): Uint8Array {
  return hkdf(sha256, masterKey, undefined, info, KEY_BYTES)
}

/**
 * SPEC.md §3.2. Every input is checked before Argon2id starts, so bad input fails at once. The
 * async Argon2id yields to the event loop every ~10 ms, so a page stays responsive (a Web
 * Worker is better still). masterKey and the password bytes are overwritten once used.
 */
export async function deriveAccountKeys(
  password: string,
  salt: Uint8Array,
  kdf: KdfParams,
  opts?: DeriveOptions,
): Promise<AccountKeys> {
  const pw = assertPassword(password, 'password')
  assertBytes(salt, 'salt', SALT_BYTES)
  const k = assertKdfParams(kdf)
  const o = assertDeriveOptions(opts)
  let masterKey: Uint8Array | undefined
  try {
    masterKey = await argon2idAsync(pw, salt, {
      m: k.memoryKiB,
      t: k.iterations,
      p: k.parallelism,
      dkLen: KEY_BYTES,
      // The bound is already enforced above; say so to noble too (its default is also 1 GiB).
      maxmem: KDF_MAXIMUMS.memoryKiB * 1024,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    })
    return { authKey: expand(masterKey, INFO_AUTH), kek: expand(masterKey, INFO_KEK) }
  } finally {
    wipe(pw, masterKey)
  }
}

/** 32 bytes from the platform CSPRNG: a userKey, folder key or data key. */
export function newKey(): Uint8Array {
  return randomBytes(KEY_BYTES)
}

/** A new folder or secret id: 16 random bytes as 22 base64url characters (drawn by the client, so AD can bind it before creation). */
export function newId(): string {
  return toB64url(randomBytes(ID_BYTES))
}

/** A new 16-byte Argon2id salt (one per account and per password change). */
export function newSalt(): Uint8Array {
  return randomBytes(SALT_BYTES)
}
