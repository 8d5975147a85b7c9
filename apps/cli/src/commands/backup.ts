/** @module `secretsentry backup FILE`: a consistent copy of the live database, taken while the server keeps serving. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { NativeAddon } from '@secretsentry/server/db/database'
import { redactUrl } from '@secretsentry/server/db/migrate-data'
import { DATABASE_FILE } from '@secretsentry/server/server'
import { resolveConfig } from '../args.ts'
import { EXIT_FAILED, EXIT_OK } from '../io.ts'
import type { Command } from './command.ts'

export interface BackupResult {
  bytes: number
  ms: number
  shares: number
}

function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Copies the database at `source` to `dest`.
 *
 * VACUUM INTO reads one snapshot inside a single read transaction: in WAL mode the server keeps
 * committing meanwhile, and the copy holds exactly the commits before the snapshot (SPEC §7:
 * consistent online copy). The online backup API would restart whenever the server writes, which
 * under steady load may never finish.
 *
 * The copy is written to a temporary file beside `dest`, fsynced and checked (integrity, shares
 * readable) before it takes `dest`'s name, so `dest` never holds a partial or broken backup.
 */
export function backupDatabase(
  source: string,
  dest: string,
  force: boolean,
  nativeBinding?: NativeAddon,
): BackupResult {
  const began = performance.now()
  // The single executable hands over its embedded addon; better-sqlite3's types only name a path.
  const opening = {
    readonly: true,
    fileMustExist: true,
    ...(nativeBinding
      ? { nativeBinding: nativeBinding as unknown as BetterSqlite3.Options['nativeBinding'] }
      : {}),
  }
  if (!fs.existsSync(source)) throw new Error(`no database at ${source} (check DATA_DIR)`)
  if (!force && fs.existsSync(dest)) {
    throw new Error(`${dest} exists; pass --force to replace it`)
  }
  const tmp = path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.partial-${crypto.randomBytes(6).toString('hex')}`,
  )
  try {
    const db = new BetterSqlite3(source, opening)
    try {
      // The server's write transactions are short; wait for a lock rather than fail.
      db.pragma('busy_timeout = 10000')
      db.prepare('VACUUM INTO ?').run(tmp)
    } finally {
      db.close()
    }
    // The copy holds ciphertext and audit rows: readable by its owner only, like DATA_DIR.
    fs.chmodSync(tmp, 0o600)
    fsyncPath(tmp)
    const copy = new BetterSqlite3(tmp, opening)
    let shares: number
    try {
      const check = copy.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`)
      shares = (copy.prepare('select count(*) as n from shares').get() as { n: number }).n
    } finally {
      copy.close()
    }
    if (force) fs.renameSync(tmp, dest)
    else {
      // link() fails if dest appeared meanwhile: never overwrite without --force, even in a race.
      fs.linkSync(tmp, dest)
      fs.rmSync(tmp)
    }
    fsyncPath(path.dirname(dest))
    return { bytes: fs.statSync(dest).size, ms: performance.now() - began, shares }
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`${dest} exists; pass --force to replace it`, { cause: err })
    }
    throw err
  }
}

/**
 * With DATABASE_URL the data lives in PostgreSQL, which copies itself consistently with pg_dump;
 * there is no SQLite file to look for. The URL is shown with its password masked.
 */
export function postgresBackupAdvice(databaseUrl: string): string {
  return [
    `DATABASE_URL is set (${redactUrl(databaseUrl)}): the data is in PostgreSQL, not in a SQLite file, so this command has nothing to copy.`,
    "Back it up with PostgreSQL's own tool (one consistent snapshot while the servers keep running):",
    '  pg_dump --format=custom --file=secretsentry.dump "$DATABASE_URL"',
    'Restore into a new, empty database, then point DATABASE_URL at it:',
    '  pg_restore --no-owner --dbname="$DATABASE_URL" secretsentry.dump',
    '',
  ].join('\n')
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export const backup: Command = {
  name: 'backup',
  summary: 'copy the live database to FILE (safe while the server runs)',
  usage: 'secretsentry backup FILE [--force] [settings flags]',
  spec: {
    settings: true,
    positionals: ['FILE'],
    options: { '--force': { value: false, help: 'replace FILE if it exists' } },
  },
  examples: [
    'secretsentry backup /backups/secretsentry-$(date +%F).db --data-dir /var/lib/secretsentry',
  ],
  description: [
    'Copies DATA_DIR/secretsentry.db to FILE as one consistent snapshot while the server keeps',
    'serving (VACUUM INTO in one read transaction), checks the copy and prints its size and the',
    'time taken. FILE is replaced only with --force. To restore: stop the server, put the copy',
    'at DATA_DIR/secretsentry.db (and delete any secretsentry.db-wal/-shm beside it), start it.',
    'Keep DATA_DIR/audit-key too: audit rows name clients by a hash under that key.',
    'With DATABASE_URL (PostgreSQL) it explains pg_dump instead: PostgreSQL backs itself up.',
  ],
  async run(args, io) {
    const { config } = resolveConfig(args.settings, io.env)
    if (config.databaseUrl) {
      io.err(`secretsentry backup: ${postgresBackupAdvice(config.databaseUrl)}`)
      return EXIT_FAILED
    }
    const source = path.join(config.dataDir, DATABASE_FILE)
    const dest = path.resolve(args.positionals[0] as string)
    try {
      const result = backupDatabase(
        source,
        dest,
        args.options.has('--force'),
        io.embedded?.sqliteAddon(config.dataDir),
      )
      io.out(
        `Backed up ${source} to ${dest}: ${formatBytes(result.bytes)} (${result.bytes} bytes), ` +
          `${result.shares} shares, in ${Math.round(result.ms)} ms\n`,
      )
      return EXIT_OK
    } catch (err) {
      io.err(`secretsentry backup: ${err instanceof Error ? err.message : String(err)}\n`)
      return EXIT_FAILED
    }
  },
}
