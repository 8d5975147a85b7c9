/**
 * @module Where this browser remembers the key-derivation settings last used per account (the
 * client's KdfMemory hook). What counts as weaker, and the hashed key, are the client's
 * (@secretsentry/client/vault); only the storage is the browser's.
 *
 * Stored: memory, passes and lanes per account, nothing else (no salt, no hash of the password),
 * under a SHA-256 of the origin and the username, so the storage does not list who logged in.
 */
import { kdfMemoryKey, readRemembered } from '@secretsentry/client/vault'
import type { KdfMemory, KdfParams, RememberedKdf } from '@secretsentry/client/vault'

export const KDF_MEMORY_KEY = 'secretsentry.vault.kdf.v1'

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

/** localStorage under one name; storage off or full remembers nothing (the client then has nothing to compare with). */
export const browserKdfMemory: KdfMemory = {
  get: (key) => readRemembered(readAll()[key]),
  set(key, params: RememberedKdf) {
    const all = readAll()
    const { memoryKiB, iterations, parallelism } = params
    all[key] = { memoryKiB, iterations, parallelism } satisfies RememberedKdf
    localStorage.setItem(KDF_MEMORY_KEY, JSON.stringify(all))
  },
}

const keyOf = (username: string): string => kdfMemoryKey(window.location.origin, username)

/** What this browser last used for the account on this origin, or null. */
export function rememberedKdf(username: string): KdfParams | null {
  return readRemembered(readAll()[keyOf(username)])
}

/** Remembers `kdf` for the account on this origin (as the client does after a successful login). */
export function rememberKdf(username: string, kdf: KdfParams): void {
  browserKdfMemory.set(keyOf(username), kdf)
}
