/**
 * @module The key-derivation parameters last used for an account on this server, remembered in
 * this browser so a server cannot quietly lower them. The policy (what counts as lower) is the
 * keyring's compareKdfParams, which the CLI shares; only the storage is the browser's.
 *
 * Stored: memory, passes and lanes per account, nothing else (no salt, no hash of the password).
 * Keyed by a SHA-256 of the origin and the username, so the storage does not list who logged in.
 */
import { compareKdfParams, KDF_MAXIMUMS } from '@secretsentry/keyring'
import type { KdfParams } from '@secretsentry/keyring'

export const KDF_MEMORY_KEY = 'secretsentry.vault.kdf.v1'

type Remembered = Pick<KdfParams, 'memoryKiB' | 'iterations' | 'parallelism'>

/** A server asked for weaker key derivation than this account used last time in this browser. */
export class KdfDowngradeError extends Error {
  readonly code = 'kdf_downgrade'
  readonly previous: KdfParams
  readonly offered: KdfParams
  constructor(previous: KdfParams, offered: KdfParams) {
    super('The server asks for weaker protection of your master password than last time.')
    this.name = 'KdfDowngradeError'
    this.previous = previous
    this.offered = offered
  }
}

/** "64 MiB of memory, 3 passes" (and the lanes when more than one). */
export function describeKdf(k: KdfParams): string {
  const mib = Math.round((k.memoryKiB / 1024) * 10) / 10
  const passes = `${k.iterations} ${k.iterations === 1 ? 'pass' : 'passes'}`
  const lanes = k.parallelism > 1 ? `, ${k.parallelism} lanes` : ''
  return `${mib} MiB of memory, ${passes}${lanes}`
}

async function accountKey(username: string): Promise<string> {
  // Normalised as the server normalises usernames, so "Alice " and "alice" are one account.
  const name = username.trim().normalize('NFC').toLowerCase()
  const text = `secretsentry/v1/kdf-memory\n${window.location.origin}\n${name}`
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

function isCount(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max
}

function readAll(): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KDF_MEMORY_KEY) ?? '{}')
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}

/** What this browser last used for the account, or null (never, storage off, or unreadable). */
export async function rememberedKdf(username: string): Promise<KdfParams | null> {
  const entry = readAll()[await accountKey(username)] as Partial<Remembered> | undefined
  if (
    !entry ||
    !isCount(entry.memoryKiB, KDF_MAXIMUMS.memoryKiB) ||
    !isCount(entry.iterations, KDF_MAXIMUMS.iterations) ||
    !isCount(entry.parallelism, KDF_MAXIMUMS.parallelism)
  ) {
    return null
  }
  const { memoryKiB, iterations, parallelism } = entry
  return { algorithm: 'argon2id', memoryKiB, iterations, parallelism }
}

/** Call only after the server accepted a login, registration or password change with `kdf`. */
export async function rememberKdf(username: string, kdf: KdfParams): Promise<void> {
  const key = await accountKey(username)
  const all = readAll()
  const { memoryKiB, iterations, parallelism } = kdf
  all[key] = { memoryKiB, iterations, parallelism } satisfies Remembered
  try {
    localStorage.setItem(KDF_MEMORY_KEY, JSON.stringify(all))
  } catch {
    // Storage off or full: nothing is remembered, so the next login has nothing to compare with.
  }
}

/**
 * Security promise: parameters weaker than the ones last used for this account in this browser
 * throw KdfDowngradeError before anything is derived or sent, unless the user accepted exactly
 * these parameters (the warning's "anyway" button).
 */
export async function refuseKdfDowngrade(
  username: string,
  offered: KdfParams,
  accepted?: KdfParams,
): Promise<void> {
  const previous = await rememberedKdf(username)
  if (!previous || compareKdfParams(previous, offered) !== 'weaker') return
  if (accepted && compareKdfParams(accepted, offered) === 'same') return
  throw new KdfDowngradeError(previous, { ...offered })
}
