/**
 * @module The server key: the HMAC key of the audit's address hashes, the login limit's known
 * addresses and unknown accounts' stand-in salts. It never enters the database, so a copy of the
 * database alone cannot turn address hashes back into addresses (there are only 2^32 IPv4
 * addresses to try). Instances that share a PostgreSQL database must share the key too:
 * otherwise an unknown account's salt would differ between them (telling it apart from a real
 * one) and the login limit would not recognise its owner's address. `checkSharedServerKey`
 * refuses an instance whose key differs from the one the database has seen.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { SettingError, type Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { loadOrCreateAuditKey } from './audit.ts'

const KEY_BYTES = 32

function keyFileError(reason: string): SettingError {
  return new SettingError('SERVER_KEY_FILE', (name) => `${name}: ${reason}`)
}

/**
 * A key file holds the 32 bytes as they are, or as base64 or hex text (`openssl rand -base64 32`),
 * so it can come from a Kubernetes or Compose secret. Its content is never echoed.
 */
export function parseServerKey(content: Buffer): Uint8Array | null {
  if (content.length === KEY_BYTES) return new Uint8Array(content)
  const text = content.toString('latin1').trim()
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'))
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text) || /^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (bytes.length === KEY_BYTES) return new Uint8Array(bytes)
  }
  return null
}

export function readServerKeyFile(file: string): Uint8Array {
  let content: Buffer
  try {
    content = fs.readFileSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable'
    throw keyFileError(`cannot read ${file} (${code})`)
  }
  const key = parseServerKey(content)
  if (!key) {
    throw keyFileError(
      `${file} must hold 32 bytes, raw or as base64 or hex text (openssl rand -base64 32 > ${file})`,
    )
  }
  return key
}

/** SERVER_KEY_FILE when set; otherwise DATA_DIR/audit-key, created on first start. */
export function loadServerKey(config: Pick<Config, 'serverKeyFile' | 'dataDir'>): Uint8Array {
  return config.serverKeyFile
    ? readServerKeyFile(config.serverKeyFile)
    : loadOrCreateAuditKey(config.dataDir)
}

/** Tells keys apart without revealing them: an HMAC of a constant under the key. */
export function serverKeyFingerprint(key: Uint8Array): string {
  return crypto
    .createHmac('sha256', key)
    .update('secretsentry/v1/server-key-fingerprint')
    .digest('hex')
}

/**
 * The first instance to start on a database records its key's fingerprint; every later one must
 * match it, or it refuses to serve (a SettingError naming SERVER_KEY_FILE). Rotating the key on
 * purpose: stop every instance, delete the row, start them with the new key.
 */
export async function checkSharedServerKey(db: Db, key: Uint8Array, now: number): Promise<void> {
  const fingerprint = serverKeyFingerprint(key)
  await db
    .insertInto('server_key_check')
    .values({ id: 1, fingerprint, created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  const row = await db
    .selectFrom('server_key_check')
    .select('fingerprint')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  if (row.fingerprint !== fingerprint) {
    throw keyFileError(
      `this instance's server key (fingerprint ${fingerprint.slice(0, 12)}) is not the one ` +
        `the other instances on this database use (${row.fingerprint.slice(0, 12)}); ` +
        'give every instance the same key: one key file (openssl rand -base64 32) named by this ' +
        "setting, or a copy of the first instance's DATA_DIR/audit-key",
    )
  }
}
