/**
 * @module Moving a SQLite database to PostgreSQL (`secretsentry migrate-data`): a snapshot of the
 * source, every table the migrations made copied in one PostgreSQL transaction, and a row count
 * and checksum per table compared before COMMIT. The source file is only ever read.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, type Kysely } from 'kysely'
import { SettingError } from '../config.ts'
import { openBackend, type Backend } from './backend.ts'
import { openDatabase, type NativeAddon } from './database.ts'
import { LATEST_MIGRATION, migrateToLatest } from './migrate.ts'

/** Kysely's bookkeeping: each side has its own, written by its own migrations. */
const BOOKKEEPING = new Set(['kysely_migration', 'kysely_migration_lock'])
/** PostgreSQL takes at most 65535 parameters in one statement. */
const MAX_PARAMETERS = 65_535
const DEFAULT_BATCH_ROWS = 1000
/** A batch (insert or read-back page) holds about this much data: shares may be 100 MiB each. */
const BATCH_BYTES = 16 * 1024 * 1024

export type MigrateDataErrorCode =
  | 'source_missing'
  | 'source_unknown'
  | 'source_newer'
  | 'target_unreachable'
  | 'target_newer'
  | 'target_not_empty'
  | 'schema_mismatch'
  | 'verify_failed'

/** A refusal or a failed check; nothing was committed to the target when it is thrown. */
export class MigrateDataError extends Error {
  override readonly name = 'MigrateDataError'
  constructor(
    readonly code: MigrateDataErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface TableSummary {
  table: string
  rows: number
  /** SHA-256 (hex) over the rows in primary-key order, each value canonically encoded. */
  checksum: string
}

export interface MigrateProgress {
  table: string
  phase: 'copy' | 'verify'
  done: number
  total: number
}

export interface MigrateDataOptions {
  /** The SQLite database file; it is read (snapshotted), never written. */
  from: string
  /** postgres:// URL of the target. */
  to: string
  /** Empty the target's tables first (in the copy's transaction) instead of refusing. */
  force?: boolean
  /** better-sqlite3's addon, already loaded (the single executable). */
  nativeBinding?: NativeAddon
  /** Rows per insert at most (fewer when rows are big or wide); default 1000. */
  batchRows?: number
  onProgress?: (progress: MigrateProgress) => void
}

export interface MigrateDataResult {
  /** Every copied table, in copy order, with the count and checksum both sides agreed on. */
  tables: TableSummary[]
  rows: number
  /** Migrations run on the snapshot because the source was older than this build. */
  sourceMigrations: string[]
  /** Migrations run on the target (it was empty or older). */
  targetMigrations: string[]
  /** Tables of the target that held rows and were emptied (only with force). */
  emptied: string[]
  ms: number
}

/** `postgres://user:***@host:5432/db`: the URL with any password masked, for messages. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password !== '') url.password = '***'
    for (const key of [...url.searchParams.keys()]) {
      if (key.toLowerCase() === 'password') url.searchParams.set(key, '***')
    }
    return url.toString()
  } catch {
    return '(an unreadable URL)'
  }
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

/**
 * The canonical text of one value, the same whichever database it came from: blobs (Buffer on
 * both) as hex, integers (number, bigint, PostgreSQL's bigint read back as number) as decimal,
 * text with its byte length first (so no separator inside it can shift the fields), null as `n`.
 */
function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'n'
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return `b${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
  }
  if (typeof value === 'bigint') return `i${value.toString()}`
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot checksum the number ${value}`)
    return Number.isInteger(value) ? `i${value.toString()}` : `r${value.toString()}`
  }
  if (typeof value === 'string') return `s${Buffer.byteLength(value)}:${value}`
  // A type neither side should hold (a date, a JSON value): fail rather than compare it loosely.
  throw new Error(`cannot checksum a value of type ${typeof value}`)
}

/** Row by row, in order: the table checksum both sides compute the same way. */
export class TableChecksum {
  private readonly hash = crypto.createHash('sha256')
  rows = 0

  add(values: readonly unknown[]): void {
    this.hash.update(`${values.map(encodeValue).join('|')}\n`)
    this.rows++
  }

  digest(): string {
    return this.hash.digest('hex')
  }
}

/** A checksum over `rows` (each an array of column values, in order). */
export function checksumRows(rows: Iterable<readonly unknown[]>): {
  rows: number
  checksum: string
} {
  const c = new TableChecksum()
  for (const row of rows) c.add(row)
  return { rows: c.rows, checksum: c.digest() }
}

/** Throws verify_failed naming every table whose count or checksum differs between the sides. */
export function compareSummaries(
  source: readonly TableSummary[],
  target: readonly TableSummary[],
): void {
  const byTable = new Map(target.map((t) => [t.table, t]))
  const problems: string[] = []
  for (const s of source) {
    const t = byTable.get(s.table)
    if (!t) problems.push(`${s.table}: not read back`)
    else if (t.rows !== s.rows)
      problems.push(`${s.table}: ${s.rows} rows copied, ${t.rows} in the target`)
    else if (t.checksum !== s.checksum) problems.push(`${s.table}: checksums differ`)
  }
  if (problems.length > 0) {
    throw new MigrateDataError(
      'verify_failed',
      `the copy does not match the source (${problems.join('; ')}); nothing was committed`,
    )
  }
}

interface SourceTable {
  name: string
  columns: string[]
  /** Primary-key columns in key order; empty when the table has none (then every column orders it). */
  key: string[]
  parents: string[]
}

/** The order copies go in: a table after every table its foreign keys point to. */
function parentsFirst(tables: readonly SourceTable[]): SourceTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]))
  const done = new Set<string>()
  const ordered: SourceTable[] = []
  const visit = (t: SourceTable, trail: string[]) => {
    if (done.has(t.name)) return
    if (trail.includes(t.name)) {
      throw new MigrateDataError(
        'schema_mismatch',
        `foreign keys form a cycle (${[...trail, t.name].join(' → ')}); cannot order the copy`,
      )
    }
    for (const parent of t.parents) {
      const p = byName.get(parent)
      if (p && p.name !== t.name) visit(p, [...trail, t.name])
    }
    done.add(t.name)
    ordered.push(t)
  }
  for (const t of tables) visit(t, [])
  return ordered
}

function describeSource(sqlite: BetterSqlite3.Database): SourceTable[] {
  const names = (
    sqlite
      .prepare(
        `select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`,
      )
      .all() as { name: string }[]
  )
    .map((r) => r.name)
    .filter((n) => !BOOKKEEPING.has(n))
  return parentsFirst(
    names.map((name) => {
      const info = sqlite
        .prepare('select name, pk from pragma_table_info(?) order by cid')
        .all(name) as {
        name: string
        pk: number
      }[]
      const fks = sqlite
        .prepare('select distinct "table" as parent from pragma_foreign_key_list(?)')
        .all(name) as { parent: string }[]
      return {
        name,
        columns: info.map((c) => c.name),
        key: info
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
        parents: fks.map((f) => f.parent),
      }
    }),
  )
}

/** Raw SQL with $n placeholders on the target connection (or its transaction). */
async function query<R>(
  db: Kysely<unknown>,
  text: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, [...params]))
  return result.rows as R[]
}

interface TargetTable {
  /** Columns holding text: ordered with COLLATE "C" (byte order, as SQLite's BINARY). */
  text: Set<string>
  /** Identity or serial columns, with their sequence: set past the copied rows afterwards. */
  sequences: { column: string; sequence: string }[]
}

/**
 * The target must have every table and exactly the columns of the source (both were migrated by
 * this build): a table or column this build does not know how to copy stops the move instead of
 * being left behind.
 */
async function describeTarget(
  db: Kysely<unknown>,
  tables: readonly SourceTable[],
): Promise<Map<string, TargetTable>> {
  const described = new Map<string, TargetTable>()
  const problems: string[] = []
  for (const t of tables) {
    const cols = await query<{
      name: string
      type: string
      identity: string
      default: string | null
    }>(
      db,
      `select column_name as name, data_type as type, is_identity as identity, column_default as default
         from information_schema.columns
        where table_schema = current_schema() and table_name = $1`,
      [t.name],
    )
    if (cols.length === 0) {
      problems.push(`the target has no table ${t.name}`)
      continue
    }
    const names = new Set(cols.map((c) => c.name))
    for (const c of t.columns)
      if (!names.has(c)) problems.push(`the target's ${t.name} has no column ${c}`)
    for (const c of names) {
      if (!t.columns.includes(c))
        problems.push(`the target's ${t.name} has a column ${c} the source lacks`)
    }
    const sequences: TargetTable['sequences'] = []
    for (const c of cols) {
      if (c.identity !== 'YES' && !(c.default ?? '').startsWith('nextval(')) continue
      const [row] = await query<{ seq: string | null }>(
        db,
        'select pg_get_serial_sequence($1, $2) as seq',
        [quote(t.name), c.name],
      )
      if (row?.seq) sequences.push({ column: c.name, sequence: row.seq })
    }
    described.set(t.name, {
      text: new Set(
        cols.filter((c) => c.type === 'text' || c.type.startsWith('character')).map((c) => c.name),
      ),
      sequences,
    })
  }
  if (problems.length > 0) {
    throw new MigrateDataError('schema_mismatch', `${problems.join('; ')}; nothing was copied`)
  }
  return described
}

function byteSize(value: unknown): number {
  if (Buffer.isBuffer(value)) return value.length
  if (typeof value === 'string') return Buffer.byteLength(value)
  return 8
}

/**
 * VACUUM INTO: one read transaction, so the snapshot holds exactly the commits before it while a
 * server keeps writing to the source (as `backup` does). It goes beside the source (room for a
 * copy of the database is there), else in the temporary directory.
 */
function takeSnapshot(source: string, nativeBinding: NativeAddon | undefined): string {
  const opening = {
    readonly: true,
    fileMustExist: true,
    ...(nativeBinding
      ? { nativeBinding: nativeBinding as unknown as BetterSqlite3.Options['nativeBinding'] }
      : {}),
  }
  const name = `.${path.basename(source)}.migrate-${crypto.randomBytes(6).toString('hex')}`
  const db = new BetterSqlite3(source, opening)
  try {
    db.pragma('busy_timeout = 10000')
    for (const dir of [path.dirname(source), os.tmpdir()]) {
      const file = path.join(dir, name)
      try {
        db.prepare('VACUUM INTO ?').run(file)
        // Ciphertext and audit rows: its owner's only, like DATA_DIR.
        fs.chmodSync(file, 0o600)
        return file
      } catch (err) {
        removeSnapshot(file)
        const code = (err as { code?: unknown }).code
        if (dir === os.tmpdir() || code !== 'SQLITE_CANTOPEN') throw err
      }
    }
    throw new Error('unreachable')
  } finally {
    db.close()
  }
}

function removeSnapshot(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
    fs.rmSync(f, { force: true })
}

/**
 * Brings the snapshot to this build's schema (the source file itself is never migrated), after
 * refusing a database a newer release wrote: its tables may hold what this build cannot copy.
 */
async function migrateSnapshot(
  file: string,
  source: string,
  nativeBinding: NativeAddon | undefined,
): Promise<{ sqlite: BetterSqlite3.Database; applied: string[]; close(): Promise<void> }> {
  const opened = openDatabase(file, nativeBinding ? { nativeBinding } : {})
  try {
    let names: string[]
    try {
      names = (
        opened.sqlite.prepare('select name from kysely_migration order by name').all() as {
          name: string
        }[]
      ).map((r) => r.name)
    } catch {
      throw new MigrateDataError(
        'source_unknown',
        `${source} is not a SecretSentry database (no migrations table)`,
      )
    }
    const newer = names.filter((n) => n > LATEST_MIGRATION)
    if (newer.length > 0) {
      throw new MigrateDataError(
        'source_newer',
        `${source} was written by a newer SecretSentry (migration ${newer.at(-1)}; this build knows up to ${LATEST_MIGRATION}): run migrate-data from that release`,
      )
    }
    const applied = await migrateToLatest(opened.db)
    return { sqlite: opened.sqlite, applied, close: opened.close }
  } catch (err) {
    await opened.close()
    throw err
  }
}

async function openTarget(url: string): Promise<Backend> {
  try {
    return await openBackend({ kind: 'postgres', url, check: true, max: 2 })
  } catch (err) {
    // The check words its refusal for a setting's name; here the target is named by its URL,
    // password masked.
    const message =
      err instanceof SettingError
        ? err.render(redactUrl(url))
        : `Cannot reach the database at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`
    throw new MigrateDataError('target_unreachable', message)
  }
}

/** Copies one table in batches, hashing each source row as it goes. */
async function copyTable(
  trx: Kysely<unknown>,
  sqlite: BetterSqlite3.Database,
  table: SourceTable,
  batchRows: number,
  onProgress: MigrateDataOptions['onProgress'],
): Promise<{ summary: TableSummary; maxRowBytes: number }> {
  const total = (
    sqlite.prepare(`select count(*) as n from ${quote(table.name)}`).get() as { n: number }
  ).n
  const columns = table.columns.map(quote).join(', ')
  const order = (table.key.length > 0 ? table.key : table.columns).map(quote).join(', ')
  // Exact integers: a value beyond 2^53 stays a bigint (sent as text), never rounded.
  const rows = sqlite
    .prepare(`select ${columns} from ${quote(table.name)} order by ${order}`)
    .raw(true)
    .safeIntegers(true)
  const perInsert = Math.max(
    1,
    Math.min(batchRows, Math.floor(MAX_PARAMETERS / table.columns.length)),
  )
  // OVERRIDING SYSTEM VALUE: identity columns (audit.id) keep their ids, even GENERATED ALWAYS ones.
  const head = `insert into ${quote(table.name)} (${columns}) overriding system value values `
  const checksum = new TableChecksum()
  let batch: unknown[][] = []
  let batchBytes = 0
  let maxRowBytes = 1
  let done = 0
  const flush = async () => {
    if (batch.length === 0) return
    const params: unknown[] = []
    const tuples = batch.map((row) => {
      const marks = row.map((value) => {
        params.push(
          typeof value === 'bigint' && Number.isSafeInteger(Number(value)) ? Number(value) : value,
        )
        return `$${params.length}`
      })
      return `(${marks.join(', ')})`
    })
    await query(trx, head + tuples.join(', '), params)
    done += batch.length
    batch = []
    batchBytes = 0
    onProgress?.({ table: table.name, phase: 'copy', done, total })
  }
  for (const row of rows.iterate() as IterableIterator<unknown[]>) {
    checksum.add(row)
    const bytes = row.reduce<number>((sum, v) => sum + byteSize(v), 0)
    maxRowBytes = Math.max(maxRowBytes, bytes)
    batch.push(row)
    batchBytes += bytes
    if (batch.length >= perInsert || batchBytes >= BATCH_BYTES) await flush()
  }
  await flush()
  return {
    summary: { table: table.name, rows: checksum.rows, checksum: checksum.digest() },
    maxRowBytes,
  }
}

/**
 * Reads the table back from the target inside the copy's transaction, in the same order as the
 * source was read (primary key; text in byte order), pages walking the key.
 */
async function readBack(
  trx: Kysely<unknown>,
  table: SourceTable,
  target: TargetTable,
  pageRows: number,
  total: number,
  onProgress: MigrateDataOptions['onProgress'],
): Promise<TableSummary> {
  const columns = table.columns.map(quote).join(', ')
  const orderBy = (table.key.length > 0 ? table.key : table.columns).map(
    (c) => `${quote(c)}${target.text.has(c) ? ' collate "C"' : ''}`,
  )
  // SQLite puts nulls first; only a table without a key can have them in its order (key columns
  // are never null), and only there is the index order given up for it.
  const order =
    table.key.length > 0 ? orderBy.join(', ') : orderBy.map((c) => `${c} nulls first`).join(', ')
  const keyAt = table.key.map((k) => table.columns.indexOf(k))
  const checksum = new TableChecksum()
  let last: unknown[] | undefined
  let offset = 0
  for (;;) {
    let text: string
    let params: unknown[]
    if (table.key.length === 0) {
      // No key to walk: pages by offset (only small tables are expected to lack a key).
      text = `select ${columns} from ${quote(table.name)} order by ${order} limit ${pageRows} offset ${offset}`
      params = []
    } else if (last === undefined) {
      text = `select ${columns} from ${quote(table.name)} order by ${order} limit ${pageRows}`
      params = []
    } else {
      const marks = last.map((_, i) => `$${i + 1}`).join(', ')
      text = `select ${columns} from ${quote(table.name)} where (${orderBy.join(', ')}) > (${marks}) order by ${order} limit ${pageRows}`
      params = last
    }
    const page = await query<Record<string, unknown>>(trx, text, params)
    for (const row of page) checksum.add(table.columns.map((c) => row[c]))
    onProgress?.({ table: table.name, phase: 'verify', done: checksum.rows, total })
    if (page.length < pageRows) break
    const lastRow = page.at(-1) as Record<string, unknown>
    last = keyAt.map((i) => lastRow[table.columns[i] as string])
    offset += page.length
  }
  return { table: table.name, rows: checksum.rows, checksum: checksum.digest() }
}

/**
 * Copies every table of the SQLite database at `from` into the PostgreSQL database at `to`.
 *
 * 1. A snapshot of the source (VACUUM INTO), migrated to this build's schema if it is older.
 * 2. The target migrated to this build's schema (Kysely's lock: safe beside starting servers).
 * 3. One transaction: the tables locked against writers, refused if any holds a row (emptied
 *    with `force`), every row copied parents first, identity sequences moved past the copied
 *    ids, every table read back and compared with the source (count and checksum), COMMIT.
 *    Any failure rolls back: the target is as it was, but for step 2's empty tables.
 */
export async function migrateData(options: MigrateDataOptions): Promise<MigrateDataResult> {
  const began = performance.now()
  const { from, to, nativeBinding, onProgress } = options
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS
  if (!fs.existsSync(from) || !fs.statSync(from).isFile()) {
    throw new MigrateDataError('source_missing', `no database at ${from}`)
  }
  const snapshotFile = takeSnapshot(from, nativeBinding)
  try {
    const source = await migrateSnapshot(snapshotFile, from, nativeBinding)
    try {
      const tables = describeSource(source.sqlite)
      const target = await openTarget(to)
      try {
        let targetMigrations: string[]
        try {
          targetMigrations = await migrateToLatest(target.db)
        } catch (err) {
          throw new MigrateDataError(
            'target_newer',
            `cannot bring the target ${redactUrl(to)} to this build's schema: ${err instanceof Error ? err.message : String(err)}`,
          )
        }
        const db = target.db as unknown as Kysely<unknown>
        const described = await describeTarget(db, tables)
        const copied = await db.transaction().execute(async (trx) => {
          const names = tables.map((t) => quote(t.name)).join(', ')
          // Writers (a server started too early) wait until COMMIT; readers go on.
          await query(trx, `lock table ${names} in exclusive mode`)
          const emptied: string[] = []
          for (const t of tables) {
            const [row] = await query<{ found: boolean }>(
              trx,
              `select exists (select 1 from ${quote(t.name)}) as found`,
            )
            if (row?.found) emptied.push(t.name)
          }
          if (emptied.length > 0 && !options.force) {
            throw new MigrateDataError(
              'target_not_empty',
              `the target ${redactUrl(to)} already holds rows (in ${emptied.join(', ')}); nothing was changed. Pass --force to replace everything in it`,
            )
          }
          if (emptied.length > 0) await query(trx, `truncate table ${names} restart identity`)
          const sourceSummaries: TableSummary[] = []
          const pageRows = new Map<string, number>()
          for (const t of tables) {
            const { summary, maxRowBytes } = await copyTable(
              trx,
              source.sqlite,
              t,
              batchRows,
              onProgress,
            )
            sourceSummaries.push(summary)
            pageRows.set(
              t.name,
              Math.max(1, Math.min(batchRows, Math.floor(BATCH_BYTES / maxRowBytes))),
            )
          }
          for (const t of tables) {
            for (const { column, sequence } of described.get(t.name)?.sequences ?? []) {
              await query(
                trx,
                `select setval($1::regclass, coalesce((select max(${quote(column)}) from ${quote(t.name)}), 0) + 1, false)`,
                [sequence],
              )
            }
          }
          const targetSummaries: TableSummary[] = []
          for (const [i, t] of tables.entries()) {
            const total = sourceSummaries[i]?.rows ?? 0
            const [counted] = await query<{ n: number }>(
              trx,
              `select count(*) as n from ${quote(t.name)}`,
            )
            const summary = await readBack(
              trx,
              t,
              described.get(t.name) as TargetTable,
              pageRows.get(t.name) ?? batchRows,
              total,
              onProgress,
            )
            // count(*) and the rows read must agree too: a page walk that skipped rows fails here.
            targetSummaries.push(
              Number(counted?.n) === summary.rows
                ? summary
                : { ...summary, rows: Number(counted?.n) },
            )
          }
          compareSummaries(sourceSummaries, targetSummaries)
          return { tables: sourceSummaries, emptied }
        })
        // Fresh statistics for the planner: the tables went from empty to full in one go.
        for (const t of tables) await query(db, `analyze ${quote(t.name)}`)
        return {
          tables: copied.tables,
          rows: copied.tables.reduce((sum, t) => sum + t.rows, 0),
          sourceMigrations: source.applied,
          targetMigrations,
          emptied: copied.emptied,
          ms: performance.now() - began,
        }
      } finally {
        await target.close()
      }
    } finally {
      await source.close()
    }
  } finally {
    removeSnapshot(snapshotFile)
  }
}
