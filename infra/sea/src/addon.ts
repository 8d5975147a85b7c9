/** @module The single executable's native addon: verified against the embedded manifest, written once to a private cache directory, re-verified, then loaded with process.dlopen. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeFileAtomically } from '../../../apps/cli/src/atomic-file.ts'

export interface EmbeddedAddon {
  /** File name stem, e.g. `better_sqlite3`; the cached file is `<name>-<sha256>.node`. */
  name: string
  /** Lowercase hex SHA-256 from the embedded manifest. */
  sha256: string
  /** The addon's bytes as embedded in the executable. */
  read: () => Uint8Array
}

export interface LoadedAddon {
  exports: Record<string, unknown>
  /** The file that was loaded. */
  file: string
}

export class AddonError extends Error {
  override readonly name: string = 'AddonError'
}

class DamagedAddonError extends AddonError {
  override readonly name = 'DamagedAddonError'
}

type Env = Readonly<Record<string, string | undefined>>

const sha256 = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex')

/**
 * Where the addon may be cached, best first: systemd's CacheDirectory, XDG_CACHE_HOME, ~/.cache,
 * then a folder inside DATA_DIR (always writable: the database lives there; this is the one used
 * under `env -i`, which leaves no HOME), then the system temp directory. Relative variables are
 * ignored, as the XDG spec asks.
 */
export function addonCacheDirs(env: Env, dataDir?: string): string[] {
  const dirs: string[] = []
  const absolute = (value: string | undefined) =>
    value !== undefined && path.isAbsolute(value) ? value : undefined
  const systemd = absolute(env.CACHE_DIRECTORY?.split(':')[0])
  if (systemd) dirs.push(path.join(systemd, 'addons'))
  const xdg = absolute(env.XDG_CACHE_HOME)
  if (xdg) dirs.push(path.join(xdg, 'secretsentry'))
  const home = absolute(env.HOME)
  if (home) dirs.push(path.join(home, '.cache', 'secretsentry'))
  if (dataDir) dirs.push(path.join(path.resolve(dataDir), '.cache'))
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user'
  dirs.push(path.join(os.tmpdir(), `secretsentry-${uid}`))
  return [...new Set(dirs)]
}

/**
 * The directory must be ours alone: a real directory (not a symlink), owned by this user, with no
 * group or other permissions, so nobody else can swap the file between its check and its load.
 * A directory we own with wider permissions is narrowed; one owned by someone else is refused.
 */
function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const stat = fs.lstatSync(dir)
  if (!stat.isDirectory()) throw new AddonError(`${dir} is not a directory`)
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new AddonError(`${dir} belongs to another user`)
  }
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700)
}

function fileHash(file: string): string | null {
  try {
    return sha256(fs.readFileSync(file))
  } catch {
    return null
  }
}

/** Caches the addon in `dir` (once per hash) and loads it; throws if anything does not verify. */
function loadFrom(dir: string, addon: EmbeddedAddon, embeddedBytes: () => Uint8Array): LoadedAddon {
  ensurePrivateDir(dir)
  const file = path.join(dir, `${addon.name}-${addon.sha256}.node`)
  // Written once: a later start finds the same hash and reuses it. A damaged or altered copy is
  // replaced. Either way the file is hashed right before loading, so what is loaded is byte for
  // byte what the manifest names.
  if (fileHash(file) !== addon.sha256) {
    // No fsync (on a busy disk it was most of a first start): since every start hashes the file
    // before loading it, a copy that a crash left torn or empty is replaced, never loaded.
    writeFileAtomically(file, embeddedBytes(), 0o500, { fsync: false })
    if (fileHash(file) !== addon.sha256) {
      throw new AddonError(`${file} does not match the embedded addon after writing it`)
    }
  }
  const module = { exports: {} as Record<string, unknown> }
  process.dlopen(module, file, os.constants.dlopen.RTLD_NOW)
  return { exports: module.exports, file }
}

/**
 * Loads the embedded addon from the first cache directory that works (one may be missing,
 * read-only, someone else's, or mounted noexec).
 */
export function loadEmbeddedAddon(addon: EmbeddedAddon, cacheDirs: readonly string[]): LoadedAddon {
  if (!/^[0-9a-f]{64}$/.test(addon.sha256) || !/^[\w.-]+$/.test(addon.name)) {
    throw new AddonError(`invalid addon manifest entry for ${JSON.stringify(addon.name)}`)
  }
  // The embedded bytes are checked against the manifest before they are first written: a damaged
  // executable fails here with a clear message. (A start that finds its cached copy intact needs
  // neither the bytes nor this hash.)
  let verified: Uint8Array | undefined
  const embeddedBytes = () => {
    if (verified) return verified
    const bytes = addon.read()
    if (sha256(bytes) !== addon.sha256) {
      throw new DamagedAddonError(
        `the embedded ${addon.name} addon does not match its SHA-256 in the manifest: the executable is damaged`,
      )
    }
    return (verified = bytes)
  }
  const failures: string[] = []
  for (const dir of cacheDirs) {
    try {
      return loadFrom(dir, addon, embeddedBytes)
    } catch (err) {
      // A damaged executable is not a directory problem: no other directory would help.
      if (err instanceof DamagedAddonError) throw err
      failures.push(`${dir}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  throw new AddonError(
    `cannot load the ${addon.name} addon from any cache directory (${failures.join('; ')})`,
  )
}
