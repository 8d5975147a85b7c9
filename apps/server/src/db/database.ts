/** @module The database schema types and opening SQLite with the durability settings of SPEC §7. */
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, type Generated, type KyselyConfig, type QueryResult } from 'kysely'
import type { AuditActor, AuditEventName } from '@secretsentry/contract/types'
import { runDirectlyInTransactions } from './prepared.ts'
import { FileSyncer } from './wal-sync.ts'
import { DEFAULT_WAL_SCRUB_SECONDS, startWalScrubber } from './wal-scrub.ts'

export interface ShareTable {
  id: Buffer
  verifier: Buffer
  ciphertext: Buffer
  manage_token_hash: Buffer
  ttl_seconds: number
  max_views: number
  views_left: number
  failed_attempts: Generated<number>
  /** Times of consumed views: "ms," repeated. */
  opened_at: Generated<string>
  /** Milliseconds since the epoch. */
  created_at: number
  expires_at: number
  /** 1 when made from a vault secret (a vault_shares row links it to the secret and its owner). */
  from_vault: Generated<number>
  /** A receipt mailed here when the share ends: held in clear until then, deleted with the row. */
  receipt_email: string | null
  /** A receipt to this account's channels (webhook, alert email) when the share ends. */
  receipt_user_id: Buffer | null
  /** The creator's label, only when they chose to send it with the receipt. */
  receipt_label: string | null
}

/** How a share ended; see share/tombstone.ts. */
export type ShareEnding = 'read' | 'expired' | 'deleted' | 'destroyed'

/** What is left of a share that ended: no ciphertext, no verifier (share/tombstone.ts). */
export interface ShareTombstoneTable {
  id: Buffer
  manage_token_hash: Buffer
  max_views: number
  failed_attempts: number
  /** Times of consumed views: "ms," repeated. */
  opened_at: string
  how: ShareEnding
  created_at: number
  /** The share's original expiry. */
  expires_at: number
  ended_at: number
  purge_at: number
}

/** Anonymous share events (snake_case) and account events (dotted, contract AUDIT_EVENTS). */
export type AuditEvent =
  | 'share_created'
  | 'share_opened'
  | 'share_wrong_access'
  | 'share_destroyed'
  | 'share_deleted'
  | 'share_expired'
  | AuditEventName

export interface AuditTable {
  id: Generated<number>
  at: number
  event: AuditEvent
  share_id: Buffer | null
  result: string
  client_hash: string | null
  /** Account events only: whose audit trail the row belongs to. */
  user_id: Generated<Buffer | null>
  secret_id: Generated<Buffer | null>
  actor: Generated<AuditActor | null>
  agent: Generated<'browser' | 'cli' | 'other' | null>
  detail: Generated<string | null>
  /** The service token the event is about (what it did, or what it was refused). */
  token_id: Generated<Buffer | null>
}

export interface UserTable {
  id: Buffer
  username: string
  auth_hash: string
  /** KdfParams as JSON. */
  kdf: string
  salt: Buffer
  wrapped_user_key: Buffer
  created_at: number
  updated_at: number
  /** Set while an administrator has disabled the account: no login, no session. */
  disabled_at: Generated<number | null>
  /** The last successful login (or the registration), for the admin page. */
  last_login_at: Generated<number | null>
  /** 1 when granted on the server host (`secretsentry admin grant`); ADMIN_USERS needs no row. */
  admin: Generated<number>
}

export interface SessionTable {
  token_hash: Buffer
  user_id: Buffer
  created_at: number
  last_seen_at: number
  /** Absolute end; the idle end is last_seen_at + SESSION_IDLE_HOURS. */
  expires_at: number
  /** How the token was issued, and so the only way it is accepted. */
  kind: 'cookie' | 'bearer'
  /** A bearer session's key for its client (PUT /api/session/key), or null. */
  client_key: Buffer | null
}

export interface FolderTable {
  id: Buffer
  user_id: Buffer
  /** null: a top-level folder. */
  parent_id: Buffer | null
  revision: number
  wrapped_key: Buffer
  meta: Buffer
  created_at: number
}

export interface SecretTable {
  id: Buffer
  user_id: Buffer
  folder_id: Buffer
  revision: number
  meta_revision: number
  meta: Buffer
  latest_version: number
  current_version: number | null
  pending_version: number | null
  previous_version: number | null
  created_at: number
  updated_at: number
  deleted_at: number | null
  purge_at: number | null
  /** Days between rotations (1..3650), or null: in clear, for the daily digest (issue 11). */
  rotation_days: Generated<number | null>
}

export interface SecretVersionTable {
  secret_id: Buffer
  version: number
  wrapped_key: Buffer
  ciphertext: Buffer
  restored_from: number | null
  created_at: number
}

export interface VaultShareTable {
  share_id: Buffer
  secret_id: Buffer
  user_id: Buffer
  version: number
  created_at: number
  expires_at: number
  max_views: number
  revoked_at: number | null
  opened_at: Generated<string>
}

/** An address (rate-limit key, hashed) an account logged in from; see account.routes.ts. */
export interface LoginAddressTable {
  user_id: Buffer
  address_hash: string
  last_ok_at: number
}

/** A client (user-agent class + hashed network) an account logged in from (account.service.ts). */
/** An address a service token was used from (keyed hash), for the new-address alert. */
export interface TokenClientTable {
  token_id: Buffer
  address_hash: string
  first_at: number
}

export interface LoginClientTable {
  user_id: Buffer
  agent: 'browser' | 'cli' | 'other'
  address_hash: string
  first_at: number
  last_at: number
}

/** One row on PostgreSQL: the fingerprint of the server key every instance must share (audit/server-key.ts). */
export interface ServerKeyCheckTable {
  id: number
  fingerprint: string
  created_at: number
}

export type ChannelKind = 'webhook' | 'email'

/** Where an account's notifications go, and how delivery there has been going (issue 12). */
export interface NotificationChannelTable {
  user_id: Buffer
  kind: ChannelKind
  target: string
  secret: Buffer | null
  created_at: number
  last_success_at: number | null
  last_failure_at: number | null
  last_error: string | null
  consecutive_failures: Generated<number>
}

export type OutboxStatus = 'pending' | 'delivered' | 'failed' | 'dropped'

/** One event to deliver to one channel, written in the transaction of the event itself. */
export interface OutboxTable {
  id: string
  event_id: string
  /** The account whose channel `channel` names; null for a receipt to `address`. */
  user_id: Buffer | null
  channel: ChannelKind
  type: string
  payload: string
  status: OutboxStatus
  attempts: Generated<number>
  created_at: number
  next_attempt_at: number
  lease_until: number | null
  last_error: string | null
  done_at: number | null
  /**
   * A receipt's email address when it is no account's channel (user_id null); cleared when the
   * row is done, so it is kept no longer than the delivery needs.
   */
  address: string | null
}

/** One row (id 1), absent until an administrator saves the policy (admin/policy.ts). */
export interface InstancePolicyTable {
  id: number
  registration: 'open' | 'invite' | 'closed'
  anonymous_shares: number
  max_share_bytes: number
  max_expiry_seconds: number
  /** JSON array of lower-case domains. */
  receipt_email_domains: string
  updated_at: number
}

export interface InviteTable {
  id: Buffer
  token_hash: Buffer
  created_by: string
  created_at: number
  expires_at: number
  used_at: number | null
  used_by: string | null
  revoked_at: number | null
}

/** Administrators' actions, instance-wide; names rather than ids, so rows outlive accounts. */
export interface AdminAuditTable {
  id: Generated<number>
  at: number
  actor: string
  action: string
  target: string | null
  detail: string | null
}

/** A service token (issue 11, keyring SPEC §11): what the server keeps opens nothing. */
export interface ServiceTokenTable {
  id: Buffer
  user_id: Buffer
  /** Clear text, like a username. */
  name: string
  verifier: Buffer
  owner_wrapped_key: Buffer
  /** TokenMeta sealed under the token's wrapKey. */
  token_meta: Buffer
  root_folder_id: Buffer
  include_subfolders: number
  read_write: number
  stage: 'current' | 'any'
  created_at: number
  expires_at: number | null
  revoked_at: number | null
  last_used_at: number | null
  last_used_client: string | null
}
/** A folder key wrapped under a token's wrapKey. */
export interface TokenGrantTable {
  token_id: Buffer
  folder_id: Buffer
  role: 'root' | 'subfolder'
  wrapped_key: Buffer
}
/** When an account last got the digest of its secrets due for rotation (notify/stale-digest.ts). */
export interface RotationDigestTable {
  user_id: Buffer
  sent_at: number
}

export interface Database {
  shares: ShareTable
  share_tombstones: ShareTombstoneTable
  audit: AuditTable
  users: UserTable
  sessions: SessionTable
  folders: FolderTable
  secrets: SecretTable
  secret_versions: SecretVersionTable
  vault_shares: VaultShareTable
  login_addresses: LoginAddressTable
  login_clients: LoginClientTable
  token_clients: TokenClientTable
  server_key_check: ServerKeyCheckTable
  notification_channels: NotificationChannelTable
  outbox: OutboxTable
  instance_policy: InstancePolicyTable
  invites: InviteTable
  admin_audit: AdminAuditTable
  service_tokens: ServiceTokenTable
  token_grants: TokenGrantTable
  rotation_digests: RotationDigestTable
}

export type Db = Kysely<Database>

export interface OpenDatabaseOptions {
  /** Kysely's query log hook; tests use it to count queries. */
  log?: KyselyConfig['log']
  /**
   * 'commit' (synchronous=FULL): COMMIT returns once the WAL is on disk, blocking the event
   * loop meanwhile. 'barrier': COMMIT only writes (synchronous=NORMAL) and `durable()` fsyncs
   * the WAL on the thread pool; callers answer only after it resolves, so an acknowledged
   * write is exactly as durable, but the event loop keeps working while the disk catches up.
   */
  sync?: 'commit' | 'barrier'
  /**
   * better-sqlite3's compiled addon: a path to a `.node` file, or the module already loaded with
   * `process.dlopen` (the single executable embeds it). Default: the one in node_modules.
   */
  nativeBinding?: string | NativeAddon
  /** Deleted rows leave the WAL file within this many seconds (see wal-scrub.ts); default 1. */
  walScrubSeconds?: number
  /** A scrub failed (it is retried at the next interval). */
  onScrubError?: (err: unknown) => void
  /**
   * Other processes write to the same file (WORKERS > 1): a transaction that cannot take the
   * write lock at once fails with SQLITE_BUSY instead of blocking this event loop in SQLite's
   * sleeping busy handler; the write queue retries it (see WriteQueueOptions.retryBusy).
   */
  sharedWriters?: boolean
}

/** What `process.dlopen` fills in as `module.exports` for better-sqlite3's addon. */
export type NativeAddon = Record<string, unknown>

export interface OpenedDatabase {
  db: Db
  sqlite: BetterSqlite3.Database
  /** With sync 'barrier': resolves when every commit so far is on disk. */
  durable?: () => Promise<void>
  /** Closes Kysely, SQLite and the WAL syncer. */
  close(): Promise<void>
}

/**
 * Opens (creating if needed) the SQLite database at `file`, or an in-memory one for `:memory:`.
 * WAL + synchronous=FULL: a 201 is only sent after the commit reached the disk (SPEC §7).
 * secure_delete: burned and expired ciphertext is overwritten, not just unlinked (SPEC §6).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  // better-sqlite3 accepts the loaded addon object as well as a path (lib/database.js); its types
  // only name the path.
  const sqlite = new BetterSqlite3(
    file,
    options.nativeBinding === undefined
      ? {}
      : { nativeBinding: options.nativeBinding as BetterSqlite3.Options['nativeBinding'] },
  )
  sqlite.pragma('journal_mode = WAL')
  const barrier = options.sync === 'barrier' && file !== ':memory:'
  sqlite.pragma(barrier ? 'synchronous = NORMAL' : 'synchronous = FULL')
  sqlite.pragma('secure_delete = ON')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('temp_store = MEMORY')
  const statements = withStatementCache(sqlite, options.sharedWriters ?? false)
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: statements }),
    ...(options.log ? { log: options.log } : {}),
  })
  // Kysely's query log sees only what its executor runs.
  if (!options.log) {
    runDirectlyInTransactions(db.getExecutor().adapter, (text, parameters) =>
      runLikeKysely(statements.prepare(text), parameters),
    )
  }
  // Security promise (SPEC §6): burned, deleted and purged rows leave the WAL file too, within
  // walScrubSeconds, and at close even when another process keeps the database open.
  const scrubber =
    file === ':memory:'
      ? undefined
      : startWalScrubber(sqlite, {
          intervalSeconds: options.walScrubSeconds ?? DEFAULT_WAL_SCRUB_SECONDS,
          ...(options.onScrubError ? { onError: options.onScrubError } : {}),
        })
  // Callers close after their writes are done; the last scrub comes after the last commit.
  const scrubAtClose = () => {
    try {
      scrubber?.close()
    } catch (err) {
      options.onScrubError?.(err)
    }
  }
  if (!barrier) {
    return {
      db,
      sqlite,
      close: async () => {
        scrubAtClose()
        await db.destroy()
      },
    }
  }
  // Opened on first use: the -wal file exists once something has been written.
  let syncer: FileSyncer | undefined
  return {
    db,
    sqlite,
    durable: () => (syncer ??= new FileSyncer(`${file}-wal`)).sync(),
    close: async () => {
      await syncer?.close()
      scrubAtClose()
      await db.destroy()
    },
  }
}

const STATEMENT_CACHE_LIMIT = 200

/** What Kysely's SqliteConnection.executeQuery resolves to for this statement, key for key. */
function runLikeKysely(
  stmt: BetterSqlite3.Statement,
  parameters: readonly unknown[],
): QueryResult<unknown> {
  if (stmt.reader) return { rows: stmt.all(parameters) }
  const { changes, lastInsertRowid } = stmt.run(parameters)
  return {
    numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
    insertId:
      lastInsertRowid !== undefined && lastInsertRowid !== null
        ? BigInt(lastInsertRowid)
        : undefined,
    rows: [],
  }
}

/**
 * BEGIN IMMEDIATE with busy_timeout 0: SQLite's busy handler sleeps 1, 2, 5, 10… ms on the
 * event loop, which with several writer processes costs every request on it that long.
 * A worker retries a busy BEGIN every millisecond while another holds the lock, so a failed
 * attempt is kept cheap: the pragmas are prepared once (per round of the statement cache), and
 * the SQLITE_BUSY error is made without a stack trace (capturing one walked the async stack,
 * about 20,000 instructions); its stack would only ever show this same call path. Any other
 * error of BEGIN gets its stack back.
 */
function beginWithoutWaiting(
  sqlite: BetterSqlite3.Database,
  stmt: BetterSqlite3.Statement,
): BetterSqlite3.Statement {
  const currentTimeout = sqlite.prepare('pragma busy_timeout').pluck()
  const setTimeouts = new Map<number, BetterSqlite3.Statement>()
  const setTimeoutTo = (ms: number) => {
    let set = setTimeouts.get(ms)
    if (!set) {
      set = sqlite.prepare(`pragma busy_timeout = ${ms}`)
      setTimeouts.set(ms, set)
    }
    set.run()
  }
  const run = (...params: unknown[]) => {
    const timeout = currentTimeout.get() as number
    setTimeoutTo(0)
    const stackTraceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      return stmt.run(...params)
    } catch (err) {
      Error.stackTraceLimit = stackTraceLimit
      // Only the busy refusal goes without a stack; any other failure of BEGIN is a bug to trace.
      if (err instanceof Error && (err as { code?: unknown }).code !== 'SQLITE_BUSY')
        Error.captureStackTrace(err, run)
      throw err
    } finally {
      Error.stackTraceLimit = stackTraceLimit
      setTimeoutTo(timeout)
    }
  }
  // Kysely's driver reads only `reader` and calls `run` for a statement returning no rows.
  return { reader: false, run } as unknown as BetterSqlite3.Statement
}

/**
 * A statement as Kysely's SQLite driver uses it (`reader`, then `all`, `iterate` or `run` with one
 * array of parameters), run the way better-sqlite3 does least work:
 * - parameters are passed as separate arguments: an array argument is read element by element
 *   through V8's API (about 430 instructions a value; a burn binds 19). An array among them would
 *   be flattened by spreading, so such a call passes the array as it is;
 * - rows are read as arrays and made into objects by a function built once from the statement's
 *   column names, one object literal of one shape. better-sqlite3 makes each row through V8's API,
 *   a new key string and a property definition per column (a burn's 16 columns: about 45,000
 *   instructions). A column named __proto__ would set the prototype in a literal: such a
 *   statement keeps the library's own rows.
 * The rows are the same objects, key for key and in the same order (database.test.ts).
 */
export function forKysely(stmt: BetterSqlite3.Statement): BetterSqlite3.Statement {
  const run = (params: unknown[]) =>
    params.some(Array.isArray) ? stmt.run(params) : stmt.run(...params)
  if (!stmt.reader) return { reader: false, run } as unknown as BetterSqlite3.Statement
  const names = stmt.columns().map((column) => column.name)
  const rowsOf = (params: unknown[]) =>
    (params.some(Array.isArray) ? stmt.all(params) : stmt.all(...params)) as unknown[]
  if (names.includes('__proto__')) {
    return {
      reader: true,
      all: rowsOf,
      run,
      iterate: (params: unknown[]) => stmt.iterate(params),
    } as unknown as BetterSqlite3.Statement
  }
  // A later column of the same name wins, as in better-sqlite3's own objects.
  const last = new Map(names.map((name, i) => [name, i]))
  // Built once per statement from its own column names, each written as a JSON string literal.
  const build = new Function(
    'r',
    `return {${[...last].map(([name, i]) => `${JSON.stringify(name)}: r[${i}]`).join(', ')}}`,
  ) as (row: unknown[]) => Record<string, unknown>
  stmt.raw(true)
  return {
    reader: true,
    all: (params: unknown[]) => {
      const rows = rowsOf(params)
      for (let i = 0; i < rows.length; i++) rows[i] = build(rows[i] as unknown[])
      return rows
    },
    run,
    *iterate(params: unknown[]) {
      for (const row of stmt.iterate(params) as IterableIterator<unknown[]>) yield build(row)
    },
  } as unknown as BetterSqlite3.Statement
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running these
 * one-row statements, so prepared statements are reused by SQL text (bounded: `in (...)` lists
 * of varying length make new texts).
 */
function withStatementCache(sqlite: BetterSqlite3.Database, sharedWriters: boolean) {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => {
      cache.clear()
      sqlite.close()
    },
    prepare: (text: string) => {
      // Kysely opens transactions with a deferred BEGIN, which takes the write lock only at the
      // first write. With several processes on one file (WORKERS) that upgrade fails at once
      // with SQLITE_BUSY when another process wrote meanwhile (busy_timeout is not consulted);
      // IMMEDIATE takes the lock up front, so a writer waits its turn. One process: no change.
      const sqlText = text === 'begin' ? 'begin immediate' : text
      let stmt = cache.get(sqlText)
      if (!stmt) {
        if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear()
        const prepared = sqlite.prepare(sqlText)
        stmt =
          sharedWriters && sqlText === 'begin immediate'
            ? beginWithoutWaiting(sqlite, prepared)
            : forKysely(prepared)
        cache.set(sqlText, stmt)
      }
      return stmt
    },
  }
}
