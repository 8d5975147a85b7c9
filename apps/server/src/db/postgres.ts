/** @module Opening PostgreSQL (DATABASE_URL): a `pg` pool under Kysely's PostgresDialect. Imported lazily, so SQLite never loads `pg`. */
import { Kysely, PostgresDialect, sql, type KyselyConfig } from 'kysely'
import type { Pool } from 'pg'
import { SettingError } from '../config.ts'
import type { Database } from './database.ts'

/** The oldest PostgreSQL we run on: `delete ... using`, SKIP LOCKED and `drop database ... with (force)` are all there from 13. */
export const MIN_POSTGRES_VERSION = 130000

const INT8_OID = 20

/**
 * Times are milliseconds and counters small, so every bigint fits a double exactly; pg would
 * hand them back as strings. A value beyond 2^53 is refused rather than rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit a JS number`)
  return value
}

/** Words its message with the setting's name, so the CLI can name --database-url instead. */
export class DatabaseUrlError extends SettingError {
  override readonly name: string = 'DatabaseUrlError'
  constructor(render: (name: string) => string) {
    super('DATABASE_URL', render)
  }
}

export interface PostgresOptions {
  log?: KyselyConfig['log']
  /** Connections in the pool (default 10). */
  max?: number
  /** Tests: idle connections close soon and never hold the process open. */
  forTests?: boolean
  /** Schema every connection works in (tests: one per app); default the server's own (public). */
  schema?: string
}

export interface OpenedPostgres {
  db: Kysely<Database>
  close(): Promise<void>
}

export async function openPostgres(
  url: string,
  options: PostgresOptions = {},
): Promise<OpenedPostgres> {
  // Loaded here, not at the top: dist/main.js keeps pg external, so a SQLite server never reads it.
  const { default: pg } = await import('pg')
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === INT8_OID
        ? parseInt8
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  }
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // An unreachable server fails the request (503) instead of hanging it.
    connectionTimeoutMillis: 5000,
    ...(options.forTests ? { idleTimeoutMillis: 200, allowExitOnIdle: true } : {}),
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    types,
  })
  // A connection the server drops is an 'error' event: on the pool for idle ones, on the client
  // for one in use. Unheard, either would crash the process; the query in flight fails anyway
  // (the request gets a 503) and the pool replaces the dead connection.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(options.log ? { log: options.log } : {}),
  })
  return {
    db,
    close: () => db.destroy(),
  }
}

/** Start-up check: the server answers and is new enough; errors name DATABASE_URL, never carry a stack. */
export async function checkPostgres(db: Kysely<Database>): Promise<void> {
  let version: number
  try {
    const { rows } = await sql<{
      v: string
    }>`select current_setting('server_version_num') as v`.execute(db)
    version = Number(rows[0]?.v)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // PostgreSQL's own refusals (SQLSTATE, e.g. 28P01 bad password, 3D000 no such database)
    // say what is wrong and never echo the password; socket errors are named by their code.
    const reason =
      typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && err instanceof Error
        ? `${err.message} (${code})`
        : (code ?? (err instanceof Error ? err.message : 'unknown error'))
    throw new DatabaseUrlError((name) => `Cannot reach the database at ${name}: ${reason}`)
  }
  assertSupportedPostgres(version)
}

/** Refuses a PostgreSQL older than MIN_POSTGRES_VERSION (`server_version_num`, e.g. 120018 for 12.18). */
export function assertSupportedPostgres(version: number): void {
  if (!Number.isFinite(version)) {
    throw new DatabaseUrlError(
      (name) =>
        `${name}: the server did not report its version; SecretSentry needs PostgreSQL ${MIN_POSTGRES_VERSION / 10000} or newer`,
    )
  }
  if (version < MIN_POSTGRES_VERSION) {
    throw new DatabaseUrlError(
      (name) =>
        `${name} points to PostgreSQL ${Math.floor(version / 10000)}; SecretSentry needs ${MIN_POSTGRES_VERSION / 10000} or newer`,
    )
  }
}
