/**
 * @module Every place SQL differs between SQLite and PostgreSQL. Queries elsewhere are plain
 * Kysely and run on both; when one cannot be, its two spellings live here.
 */
import {
  PostgresAdapter,
  sql,
  type ColumnDataType,
  type Expression,
  type Kysely,
  type SelectQueryBuilder,
} from 'kysely'

export type DialectName = 'sqlite' | 'postgres'

/** Which database a Kysely instance (or transaction) talks to. */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/**
 * Column types for migrations: one logical schema. Blobs are bytea on PostgreSQL; every integer
 * is bigint there (times are milliseconds), read back as a JS number (see postgres.ts).
 */
export function columnTypes<DB>(db: Kysely<DB>): {
  blob: ColumnDataType
  integer: ColumnDataType
  /** SQLite tables are STRICT (a wrong type is an error, as PostgreSQL's always are). */
  strict: Expression<unknown>
} {
  return dialectOf(db) === 'postgres'
    ? { blob: 'bytea', integer: 'bigint', strict: sql`` }
    : { blob: 'blob', integer: 'integer', strict: sql`strict` }
}

/**
 * Sweepers' batch selects: on PostgreSQL rows another instance is deleting right now are
 * skipped, not waited for, so several instances sweep side by side without blocking each other.
 * SQLite has one writer at a time, so there is nothing to skip.
 */
export function skipLocked<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  db: Kysely<DB>,
): SelectQueryBuilder<DB, TB, O> {
  return dialectOf(db) === 'postgres' ? query.forUpdate().skipLocked() : query
}

/**
 * A select whose rows stay locked until COMMIT on PostgreSQL, where transactions of several
 * instances run side by side (READ COMMITTED): a read-check-write must hold what it checked.
 * SQLite runs one write transaction at a time, so every check there already holds.
 */
export function forUpdate<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  db: Kysely<DB>,
): SelectQueryBuilder<DB, TB, O> {
  return dialectOf(db) === 'postgres' ? query.forUpdate() : query
}

/** Bytes the database takes on disk, for the metrics. */
export async function databaseSizeBytes<DB>(db: Kysely<DB>): Promise<number> {
  const query =
    dialectOf(db) === 'postgres'
      ? sql<{ size: number }>`select pg_database_size(current_database()) as size`
      : sql<{ size: number }>`
          select page_count * page_size as size from pragma_page_count(), pragma_page_size()
        `
  const { rows } = await query.execute(db)
  return Number(rows[0]?.size ?? 0)
}

/** Socket errors, and PostgreSQL's connection (08…) and shutdown (57P…) SQLSTATE classes. */
const UNAVAILABLE = /^(08|57P0[1-3]|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)/

/**
 * True when PostgreSQL could not be reached or dropped the connection: the request gets a 503
 * (try again), not a 500, and the pool reconnects by itself once the server is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && UNAVAILABLE.test(code)) return true
  // pg's own words for a dropped connection: the last one when a rollback meets a client whose
  // socket already failed (seen with several pools during a cut, WORKERS > 1).
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
    err.message,
  )
}
