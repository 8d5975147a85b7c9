/** @module The slow hash of a client's authKey: scrypt on libuv's thread pool, stored as scrypt$N$r$p$salt$hash, compared in constant time. */
import crypto from 'node:crypto'
import { constantTimeEqual } from '../share/share.service.ts'

export interface ScryptCost {
  /** log2 of N. */
  logN: number
  r: number
  p: number
}

/** N = 2^15, r = 8, p = 1: 32 MiB and about 0.1 s per hash on this machine kind. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { logN: 15, r: 8, p: 1 }
const SALT_BYTES = 16
const HASH_BYTES = 32
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/

/** Async scrypt runs on the thread pool: the event loop keeps serving while it works. */
function scrypt(
  key: Uint8Array,
  salt: Uint8Array,
  N: number,
  r: number,
  p: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(
      key,
      salt,
      HASH_BYTES,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  )
}

/**
 * Security promise: the database holds only a salted slow hash of authKey (itself an Argon2id
 * derivative of the password), so a stolen copy gives neither a login nor a cheap guess.
 */
export async function hashAuthKey(
  authKey: Uint8Array,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES)
  const N = 2 ** cost.logN
  const hash = await scrypt(authKey, salt, N, cost.r, cost.p)
  return `scrypt$${N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

export async function verifyAuthKey(authKey: Uint8Array, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored)
  if (!m) return false
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const hash = await scrypt(authKey, Buffer.from(m[4] as string, 'base64url'), N, r, p)
  return constantTimeEqual(hash, Buffer.from(m[5] as string, 'base64url'))
}

/**
 * A well-formed hash of nothing: unknown usernames are checked against it, so they cost the
 * same scrypt work as a wrong key for a real account (no timing oracle for account existence).
 */
export function dummyAuthHash(cost: ScryptCost = DEFAULT_SCRYPT_COST): string {
  const salt = crypto.randomBytes(SALT_BYTES).toString('base64url')
  const hash = crypto.randomBytes(HASH_BYTES).toString('base64url')
  return `scrypt$${2 ** cost.logN}$${cost.r}$${cost.p}$${salt}$${hash}`
}
