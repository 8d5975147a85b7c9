/**
 * @module The client's key-derivation policy: the keyring's floor and ceiling, and the downgrade
 * check against what this client last used for the account. Storage of the remembered settings
 * and the "accept weaker settings?" question are the caller's (hooks); the rules are here.
 *
 * Remembered: memory, passes and lanes per account, nothing else (no salt, no password hash),
 * under a SHA-256 of the server origin and the normalised username, so the storage does not list
 * who logged in.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import {
  assertKdfParams,
  compareKdfParams,
  KDF_MAXIMUMS,
  KeyringError,
} from '@secretsentry/keyring'
import type { KdfParams } from '@secretsentry/keyring'
import { utf8Encode } from '@secretsentry/envelope/internal'
import { localError } from './errors.ts'

export type RememberedKdf = Pick<KdfParams, 'memoryKiB' | 'iterations' | 'parallelism'>

/** Where remembered settings live (the browser's localStorage, a CLI config file). */
export interface KdfMemory {
  get(key: string): RememberedKdf | null | undefined | Promise<RememberedKdf | null | undefined>
  set(key: string, params: RememberedKdf): void | Promise<void>
}

/** Asked when the server offers weaker settings than last time; true goes on with exactly those. */
export type ConfirmWeakerKdf = (
  previous: KdfParams,
  offered: KdfParams,
) => boolean | Promise<boolean>

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/** The storage key of an account on a server (the same text the web app has always hashed). */
export function kdfMemoryKey(origin: string, username: string): string {
  // Normalised as the server normalises usernames, so "Alice " and "alice" are one account.
  const name = username.trim().normalize('NFC').toLowerCase()
  const text = `secretsentry/v1/kdf-memory\n${origin}\n${name}`
  return hex(sha256(utf8Encode(text)))
}

/** "64 MiB of memory, 3 passes" (and the lanes when more than one). */
export function describeKdf(k: KdfParams): string {
  const mib = Math.round((k.memoryKiB / 1024) * 10) / 10
  const passes = `${k.iterations} ${k.iterations === 1 ? 'pass' : 'passes'}`
  const lanes = k.parallelism > 1 ? `, ${k.parallelism} lanes` : ''
  return `${mib} MiB of memory, ${passes}${lanes}`
}

function isCount(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max
}

/** A stored entry as KdfParams, or null when there is none or it is unreadable. */
export function readRemembered(entry: unknown): KdfParams | null {
  if (typeof entry !== 'object' || entry === null) return null
  const e = entry as Partial<RememberedKdf>
  if (
    !isCount(e.memoryKiB, KDF_MAXIMUMS.memoryKiB) ||
    !isCount(e.iterations, KDF_MAXIMUMS.iterations) ||
    !isCount(e.parallelism, KDF_MAXIMUMS.parallelism)
  ) {
    return null
  }
  return {
    algorithm: 'argon2id',
    memoryKiB: e.memoryKiB,
    iterations: e.iterations,
    parallelism: e.parallelism,
  }
}

/** Security promise: settings below the keyring's minimums (or absurd ones) are refused before any derivation. */
export function assertOfferedKdf(kdf: unknown): KdfParams {
  try {
    return assertKdfParams(kdf)
  } catch (e) {
    if (e instanceof KeyringError && (e.code === 'kdf_too_weak' || e.code === 'kdf_invalid')) {
      throw localError(
        e.code,
        'The server asked for weaker key-derivation settings than this client accepts, so nothing was sent.',
      )
    }
    throw e
  }
}

export interface KdfGuard {
  memory?: KdfMemory | undefined
  confirm?: ConfirmWeakerKdf | undefined
}

/**
 * Security promise: settings weaker than the ones last used for this account (as remembered)
 * throw `kdf_downgrade` before anything is derived or sent, unless the caller accepted exactly
 * these settings (`accepted`) or the confirm hook says yes.
 */
export async function refuseKdfDowngrade(
  guard: KdfGuard,
  key: string,
  offered: KdfParams,
  accepted?: KdfParams,
): Promise<void> {
  if (!guard.memory) return
  const previous = readRemembered(await guard.memory.get(key))
  if (!previous || compareKdfParams(previous, offered) !== 'weaker') return
  if (accepted && compareKdfParams(accepted, offered) === 'same') return
  if (guard.confirm && (await guard.confirm(previous, { ...offered }))) return
  throw localError(
    'kdf_downgrade',
    'The server asks for weaker protection of your master password than last time, so nothing was sent.',
    { kdf: { previous, offered: { ...offered } } },
  )
}

/** Call only after the server accepted a login, registration or password change with `kdf`. */
export async function rememberKdf(guard: KdfGuard, key: string, kdf: KdfParams): Promise<void> {
  if (!guard.memory) return
  const { memoryKiB, iterations, parallelism } = kdf
  try {
    await guard.memory.set(key, { memoryKiB, iterations, parallelism })
  } catch {
    // Storage off or full: nothing is remembered, so the next login has nothing to compare with.
  }
}
