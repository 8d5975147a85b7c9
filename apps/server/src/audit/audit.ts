/** @module Audit rows: what happened to which share, with a keyed hash of the client instead of its address. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { AuditEvent } from '../db/database.ts'

export type { AuditEvent }

/** Hex characters of the HMAC kept: enough to tell clients apart, too few to be a stable tracker across keys. */
const CLIENT_HASH_HEX = 32
const KEY_BYTES = 32
export const AUDIT_KEY_FILE = 'audit-key'

/**
 * Audit rows hold an HMAC-SHA256 of the client address under a server key, truncated, never
 * the raw address; without the key the hash cannot be reversed by trying all IPv4 addresses.
 */
export function clientHasher(key: Uint8Array): (address: string) => string {
  // Most traffic comes from few addresses; a small cache saves an HMAC per request.
  const cache = new Map<string, string>()
  return (address) => {
    let hash = cache.get(address)
    if (hash === undefined) {
      hash = crypto
        .createHmac('sha256', key)
        .update(address)
        .digest('hex')
        .slice(0, CLIENT_HASH_HEX)
      if (cache.size >= 1024) cache.clear()
      cache.set(address, hash)
    }
    return hash
  }
}

/** Reads the audit key from DATA_DIR, creating it (mode 0600) on first start. */
export function loadOrCreateAuditKey(dataDir: string): Uint8Array {
  const file = path.join(dataDir, AUDIT_KEY_FILE)
  try {
    const key = fs.readFileSync(file)
    if (key.length === KEY_BYTES) return key
    throw new Error(`${file} must hold exactly ${KEY_BYTES} bytes`)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const key = crypto.randomBytes(KEY_BYTES)
  // 'wx': never overwrite a key another process just wrote.
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateAuditKey(dataDir)
    throw err
  }
  return key
}
