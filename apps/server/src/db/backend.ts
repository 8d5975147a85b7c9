/**
 * @module The storage seam: the one place that picks SQLite or PostgreSQL. Everything above it
 * gets a `Backend` and uses `db` (Kysely, dialect-neutral queries); SQL that must differ lives in
 * dialect.ts. SQLite-only machinery (WAL sync, WAL scrub, statement cache) stays inside
 * database.ts; PostgreSQL's pool inside postgres.ts, loaded only when DATABASE_URL is set.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { KyselyConfig } from 'kysely'
import { openDatabase, type Db, type OpenDatabaseOptions } from './database.ts'
import type { DialectName } from './dialect.ts'

export interface Backend {
  dialect: DialectName
  db: Db
  /** SQLite in 'barrier' mode: resolves when every commit so far is on disk (see database.ts). */
  durable?: () => Promise<void>
  /** The SQLite handle, for SQLite-only tools and tests; absent on PostgreSQL. */
  sqlite?: BetterSqlite3.Database
  close(): Promise<void>
}

export type BackendOptions =
  | ({ kind: 'sqlite'; file: string } & OpenDatabaseOptions)
  | {
      kind: 'postgres'
      url: string
      log?: KyselyConfig['log']
      max?: number
      forTests?: boolean
      schema?: string
      /** Start-up: check the server answers and its version (errors name DATABASE_URL). */
      check?: boolean
    }

export async function openBackend(options: BackendOptions): Promise<Backend> {
  if (options.kind === 'sqlite') {
    const { kind: _kind, file, ...rest } = options
    const opened = openDatabase(file, rest)
    return {
      dialect: 'sqlite',
      db: opened.db,
      ...(opened.durable ? { durable: opened.durable } : {}),
      sqlite: opened.sqlite,
      close: opened.close,
    }
  }
  // Lazy: a SQLite server never loads pg (start-up time and memory stay as they were).
  const { openPostgres, checkPostgres } = await import('./postgres.ts')
  const opened = await openPostgres(options.url, {
    ...(options.log ? { log: options.log } : {}),
    ...(options.max ? { max: options.max } : {}),
    ...(options.forTests ? { forTests: true } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
  })
  if (options.check) {
    try {
      await checkPostgres(opened.db)
    } catch (err) {
      await opened.close()
      throw err
    }
  }
  return {
    dialect: 'postgres',
    db: opened.db,
    close: opened.close,
  }
}
