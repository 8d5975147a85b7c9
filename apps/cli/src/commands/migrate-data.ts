/** @module `secretsentry migrate-data --from DATA_DIR --to postgres://…`: moving a SQLite deployment to PostgreSQL. */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, loadConfig } from '@secretsentry/server/config'
import {
  migrateData,
  MigrateDataError,
  redactUrl,
  type MigrateDataResult,
  type MigrateProgress,
} from '@secretsentry/server/db/migrate-data'
import { AUDIT_KEY_FILE, DATABASE_FILE } from '@secretsentry/server/server'
import { UsageError } from '../args.ts'
import { CommandError, EXIT_FAILED, EXIT_OK, type Io } from '../io.ts'
import type { Command } from './command.ts'

/** Progress lines on standard error: a big table reports every this many rows. */
const PROGRESS_EVERY = 10_000

export interface MigrateSource {
  /** The SQLite file to read. */
  file: string
  /** The DATA_DIR it lives in, when --from named a directory. */
  dataDir: string | null
}

/** --from: a SQLite file, or a DATA_DIR holding secretsentry.db. */
export function resolveSource(from: string): MigrateSource {
  const given = path.resolve(from)
  let stat: fs.Stats
  try {
    stat = fs.statSync(given)
  } catch {
    throw new CommandError(
      `--from: nothing at ${given} (give a SQLite file or a DATA_DIR holding ${DATABASE_FILE})`,
      EXIT_FAILED,
    )
  }
  if (!stat.isDirectory()) return { file: given, dataDir: null }
  const file = path.join(given, DATABASE_FILE)
  if (!fs.existsSync(file)) {
    throw new CommandError(`--from: no database at ${file} (is ${given} a DATA_DIR?)`, EXIT_FAILED)
  }
  return { file, dataDir: given }
}

/** --to: checked as DATABASE_URL is (postgres://user:pass@host:port/db); the value is never echoed. */
export function checkTarget(to: string): string {
  try {
    loadConfig({ DATABASE_URL: to })
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`migrate-data: --to ${err.reason}`)
    throw err
  }
  return to
}

function progressPrinter(io: Io): (p: MigrateProgress) => void {
  const printed = new Map<string, number>()
  return (p) => {
    if (p.total < PROGRESS_EVERY) return
    const key = `${p.phase} ${p.table}`
    const step = Math.floor(p.done / PROGRESS_EVERY)
    if (step <= (printed.get(key) ?? 0) && p.done !== p.total) return
    if (p.done === p.total && printed.get(key) === Infinity) return
    printed.set(key, p.done === p.total ? Infinity : step)
    io.err(`${p.phase === 'copy' ? 'copied' : 'verified'} ${p.table}: ${p.done}/${p.total} rows\n`)
  }
}

function report(result: MigrateDataResult, from: string, to: string): string {
  const width = Math.max(...result.tables.map((t) => t.table.length))
  const digits = Math.max(...result.tables.map((t) => String(t.rows).length))
  const lines = result.tables.map(
    (t) =>
      `  ${t.table.padEnd(width)}  ${String(t.rows).padStart(digits)} rows  sha256 ${t.checksum}`,
  )
  const notes = [
    result.sourceMigrations.length > 0
      ? `The copy was brought up to date first (${result.sourceMigrations.join(', ')}); ${from} itself is unchanged.`
      : '',
    result.emptied.length > 0
      ? `Replaced what the target held in ${result.emptied.join(', ')}.`
      : '',
  ].filter((n) => n !== '')
  return [
    `Copied ${from} to ${redactUrl(to)}:`,
    ...lines,
    ...notes,
    `Moved ${result.rows} rows in ${result.tables.length} tables in ${Math.round(result.ms)} ms; ` +
      'every table has the same rows and checksum on both sides.',
    '',
  ].join('\n')
}

/**
 * What to start the instances with. The server key stays a file (it never enters the database),
 * so the one that keyed the moved address hashes must come along by hand.
 */
export function nextSteps(dataDir: string | null): string {
  const key = dataDir ? path.join(dataDir, AUDIT_KEY_FILE) : null
  return [
    'Next: start every instance with DATABASE_URL set to the target, and SERVER_KEY_FILE naming',
    key && fs.existsSync(key)
      ? `one copy of ${key} (the key of the moved audit hashes and known login addresses).`
      : `one copy of the old DATA_DIR/${AUDIT_KEY_FILE} (the key of the moved audit hashes).`,
    '',
  ].join('\n')
}

export const migrateDataCommand: Command = {
  name: 'migrate-data',
  summary: 'copy a SQLite database (DATA_DIR) into PostgreSQL, verified',
  usage: 'secretsentry migrate-data --from FILE|DATA_DIR --to POSTGRES_URL [--force]',
  spec: {
    options: {
      '--from': { value: true, help: `the SQLite file, or the DATA_DIR holding ${DATABASE_FILE}` },
      '--to': { value: true, help: 'postgres://user:pass@host:port/db, the target database' },
      '--force': { value: false, help: 'empty the target first if it holds rows (else refused)' },
    },
  },
  examples: ['secretsentry migrate-data --from /var/lib/secretsentry --to "$DATABASE_URL"'],
  description: [
    'Moves every table (shares, audit, accounts, sessions, the vault) from SQLite to PostgreSQL in',
    'one consistent pass. It copies a snapshot of the source (VACUUM INTO, so a server may keep',
    'running on it; the source is never written), runs the migrations on the target, copies every',
    "row in one transaction, and compares each table's row count and SHA-256 checksum before",
    'COMMIT: any difference rolls everything back (exit 1). A target holding any row is refused',
    'unless --force, which empties it first (in the same transaction).',
    'Writes made to the source after the snapshot are not copied: stop the old server for the',
    'final move. Then start every instance with DATABASE_URL, and SERVER_KEY_FILE naming a copy',
    'of the old DATA_DIR/audit-key (the key is not in the database; the same key keeps address',
    'hashes and known login addresses matching). Sessions move too.',
  ],
  async run(args, io) {
    const from = args.options.get('--from')
    const to = args.options.get('--to')
    if (typeof from !== 'string')
      throw new UsageError('migrate-data: missing --from (a SQLite file or a DATA_DIR)')
    if (typeof to !== 'string')
      throw new UsageError('migrate-data: missing --to (a postgres:// URL)')
    checkTarget(to)
    const source = resolveSource(from)
    try {
      // One call does the whole move; whatever else a move must carry (files beside the
      // database in DATA_DIR) belongs inside migrateData, before its result is reported here.
      const result = await migrateData({
        from: source.file,
        to,
        force: args.options.has('--force'),
        onProgress: progressPrinter(io),
        ...(io.embedded
          ? { nativeBinding: io.embedded.sqliteAddon(source.dataDir ?? undefined) }
          : {}),
      })
      io.out(report(result, source.file, to))
      io.out(nextSteps(source.dataDir))
      return EXIT_OK
    } catch (err) {
      if (err instanceof MigrateDataError) {
        const flag = err.code === 'target_unreachable' ? '--to: ' : ''
        throw new CommandError(`${flag}${err.message}`, EXIT_FAILED)
      }
      throw err
    }
  },
}
