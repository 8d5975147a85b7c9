/** @module The process around a command: its output streams and environment, replaceable in tests. */
import type { NativeAddon } from '@secretsentry/server/db/database'
import type { AssetSource } from '@secretsentry/server/static/asset-source'
import { processTerminal, type Terminal } from './terminal.ts'

export interface Io {
  out(text: string): void
  err(text: string): void
  env: Readonly<Record<string, string | undefined>>
  /** Standard input and output as bytes, and prompts: what the client commands use. */
  terminal: Terminal
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
  terminal: processTerminal,
}

/**
 * Exit codes: 0 done, 1 the work failed (bad setting, unreachable file or server, a difference
 * found), 2 a wrong command line, 3 not found (a link used up or expired, an unknown secret),
 * 4 not authorised (no session or an ended one, a wrong password, passphrase or token).
 */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_NOT_FOUND = 3
export const EXIT_NOT_AUTHORISED = 4

/** A refusal a command reports as one line, with its exit code. */
export class CommandError extends Error {
  override readonly name = 'CommandError'
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message)
  }
}
