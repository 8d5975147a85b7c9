/**
 * @module The CLI's session file: `$XDG_CONFIG_HOME/secretsentry/session.json` (else
 * `~/.config/secretsentry/`), directory 0700, file 0600, written atomically.
 *
 * Security promise: the file never holds the password or a key in clear. It holds the server,
 * the username, the bearer token and the account's userKey sealed with AES-256-GCM under a
 * random key K that only the server holds, for this session only (PUT /api/session/key), with
 * the server and username as additional data. So:
 * - the file alone is useless once the session ends (logout, expiry, password change delete K);
 * - the server alone cannot decrypt anything: it never receives the sealed userKey;
 * - a copied file works only as long as the session lives, like the bearer token in it.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { KdfMemory, RememberedKdf } from '@secretsentry/client/vault'
import { CommandError, EXIT_FAILED, EXIT_NOT_AUTHORISED } from './io.ts'
import { writeFileAtomically } from './atomic-file.ts'

export const SESSION_FILE = 'session.json'
export const KDF_FILE = 'kdf.json'

export interface SessionData {
  server: string
  username: string
  /** The bearer token (base64url), sent as Authorization on every vault request. */
  token: string
  /** nonce (12) || ciphertext || tag (16) of the userKey under K, base64url. */
  sealedUserKey: string
}

/** Where the session file lives: XDG_CONFIG_HOME when set to an absolute path, else ~/.config. */
export function configDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_CONFIG_HOME']
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'secretsentry')
  const home = env['HOME'] || os.homedir()
  return path.join(home, '.config', 'secretsentry')
}

const additionalData = (server: string, username: string) =>
  Buffer.from(`secretsentry/v1/cli-session\n${server}\n${username}`, 'utf8')

/** AES-256-GCM under K; the server and username are bound as additional data. */
export function sealUserKey(
  k: Uint8Array,
  userKey: Uint8Array,
  server: string,
  username: string,
): string {
  const nonce = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', k, nonce)
  cipher.setAAD(additionalData(server, username))
  const sealed = Buffer.concat([nonce, cipher.update(userKey), cipher.final(), cipher.getAuthTag()])
  return sealed.toString('base64url')
}

/** The userKey, or a CommandError when K or the file does not match (tampered, or another session's). */
export function openUserKey(k: Uint8Array, data: SessionData): Uint8Array {
  const sealed = Buffer.from(data.sealedUserKey, 'base64url')
  try {
    if (sealed.length !== 12 + 32 + 16) throw new Error('length')
    const decipher = crypto.createDecipheriv('aes-256-gcm', k, sealed.subarray(0, 12))
    decipher.setAAD(additionalData(data.server, data.username))
    decipher.setAuthTag(sealed.subarray(sealed.length - 16))
    return new Uint8Array(
      Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]),
    )
  } catch {
    // Exit 4 like an ended session: the file opens nothing, and logging in again is the fix.
    throw new CommandError(
      'the session file does not match this session: run secretsentry login',
      EXIT_NOT_AUTHORISED,
    )
  }
}

/** The directory, created 0700 (and tightened if it was looser). */
function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  if ((fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700)
}

/** Writes `text` to `file` atomically, 0600, in a 0700 directory. */
function writeAtomically(file: string, text: string): void {
  ensureDir(path.dirname(file))
  writeFileAtomically(file, text, 0o600)
}

export function writeSession(dir: string, data: SessionData): void {
  writeAtomically(path.join(dir, SESSION_FILE), `${JSON.stringify({ version: 1, ...data })}\n`)
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== ''

/** The session, or undefined when there is none; a damaged or exposed file is an error naming it. */
export function readSession(dir: string): SessionData | undefined {
  const file = path.join(dir, SESSION_FILE)
  let text: string
  try {
    // Like ssh with a private key: a file others can read is not used. lstat, not stat: a
    // symbolic link could point at a file someone else controls (or that others can read
    // through another path), so the session file must be the file itself.
    const st = fs.lstatSync(file)
    if (st.isSymbolicLink() || !st.isFile()) {
      throw new CommandError(
        `${file} is not a plain file (a symbolic link?): delete it and run secretsentry login`,
        EXIT_FAILED,
      )
    }
    if (process.getuid && st.uid !== process.getuid()) {
      throw new CommandError(
        `${file} belongs to another user: delete it and run secretsentry login`,
        EXIT_FAILED,
      )
    }
    if ((st.mode & 0o077) !== 0) {
      throw new CommandError(
        `${file} can be read by other users: delete it and run secretsentry login`,
        EXIT_FAILED,
      )
    }
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let value: Record<string, unknown>
  try {
    value = JSON.parse(text) as Record<string, unknown>
  } catch {
    value = {}
  }
  const { server, username, token, sealedUserKey } = value
  if (
    value['version'] !== 1 ||
    !isText(server) ||
    !isText(username) ||
    !isText(token) ||
    !isText(sealedUserKey)
  ) {
    throw new CommandError(`${file} is damaged: delete it and run secretsentry login`, EXIT_FAILED)
  }
  return { server, username, token, sealedUserKey }
}

export function deleteSession(dir: string): boolean {
  const file = path.join(dir, SESSION_FILE)
  const existed = fs.existsSync(file)
  fs.rmSync(file, { force: true })
  return existed
}

/**
 * The KDF settings last used per account (the client's downgrade check), in `kdf.json`: memory,
 * passes and lanes under a hash of server and username, nothing secret.
 */
export function fileKdfMemory(dir: string): KdfMemory {
  const file = path.join(dir, KDF_FILE)
  const load = (): Record<string, RememberedKdf> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, RememberedKdf>
    } catch {
      return {}
    }
  }
  return {
    get: (key) => load()[key] ?? null,
    set: (key, params) => {
      const all = load()
      all[key] = {
        memoryKiB: params.memoryKiB,
        iterations: params.iterations,
        parallelism: params.parallelism,
      }
      writeAtomically(file, `${JSON.stringify(all)}\n`)
    },
  }
}
