/** @module The process around a command: its output streams and environment, replaceable in tests. */
import type { NativeAddon } from '@secretsentry/server/db/database'
import type { AssetSource } from '@secretsentry/server/static/asset-source'

export interface Io {
  out(text: string): void
  err(text: string): void
  env: Readonly<Record<string, string | undefined>>
  /** Set by the single executable (infra/sea): what it carries instead of files on disk. */
  embedded?: EmbeddedRuntime
}

export interface EmbeddedRuntime {
  /** The web app, served from memory unless STATIC_DIR is set. */
  assets: AssetSource
  /** better-sqlite3's addon, verified and loaded from the executable (cached beside `dataDir` when no cache directory is known). */
  sqliteAddon(dataDir?: string): NativeAddon
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
}

/** Exit codes: 0 done, 1 the work failed (bad setting, unreachable file, a difference found), 2 a wrong command line. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
