/**
 * @module Test helpers: an app over a fresh database with a hand-moved clock, and share request
 * bodies. TEST_BACKEND=postgres (the vitest `postgres` project) gives each app its own schema in
 * the run's PostgreSQL database; otherwise an in-memory SQLite database.
 */
import crypto from 'node:crypto'
import type { CreateShareRequest } from '@secretsentry/contract/types'
import { CompiledQuery } from 'kysely'
import { createApp, type AppOptions, type SecretSentryApp } from '../app.ts'
import { testConfig, type Config } from '../config.ts'
import { openBackend, type Backend } from '../db/backend.ts'
import type { Db } from '../db/database.ts'
import type { DialectName } from '../db/dialect.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { createLogger, memorySink, type Logger } from '../logger.ts'
import type BetterSqlite3 from 'better-sqlite3'
import type { ScryptCost } from '../account/auth-hash.ts'
import type { RateLimitStore } from '../http/rate-limit.ts'
import type { ShareEndedHook } from '../share/tombstone.ts'

/** The per-run PostgreSQL database's URL, from pg-setup.ts (vitest's provide/inject). */
declare module 'vitest' {
  export interface ProvidedContext {
    pgTestUrl: string
  }
}

/** The backend this test process runs on. */
export const TEST_BACKEND: DialectName =
  process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite'

export interface TestApp extends SecretSentryApp {
  db: Db
  backend: Backend
  /** SQLite's handle; tests that use it are SQLite-only (skipped on the postgres project). */
  sqlite: BetterSqlite3.Database
  logger: Logger
  logs: ReturnType<typeof memorySink>
  clock: { now: number; advance(ms: number): void }
  /** Number of SQL statements run so far. */
  queries(): number
  /** PostgreSQL: the schema this app works in. */
  schema?: string
  /** Raw SQL with `?` placeholders on either backend, for tests that look at stored rows. */
  rows<R = Record<string, unknown>>(sqlText: string, ...params: unknown[]): Promise<R[]>
  /** `app.request` as seen from a socket at `address`. */
  call(path: string, init?: RequestInit, address?: string): Promise<Response>
}

export interface TestAppOptions {
  config?: Partial<Config>
  file?: string
  /** Account hash cost; by default a cheap one (N = 2^10), so tests that log in stay fast. */
  scryptCost?: ScryptCost
  /** A rate-limit store shared with other apps (Redis), as startServer passes it. */
  sharedRateLimitStore?: RateLimitStore
  /** Another app's database (PostgreSQL: its schema): two instances of one deployment. */
  sameDatabaseAs?: TestApp
  /** The outbox's retry schedule, lease, poll interval and webhook DNS resolver. */
  notify?: AppOptions['notify']
  onShareEnded?: ShareEndedHook
}

export const TEST_SCRYPT_COST: ScryptCost = { logN: 10, r: 8, p: 1 }

export async function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  let queryCount = 0
  const log = () => {
    queryCount++
  }
  const schema =
    TEST_BACKEND === 'postgres' && options.file === undefined
      ? (options.sameDatabaseAs?.schema ?? (await freshSchema()))
      : undefined
  const backend =
    schema !== undefined
      ? await openBackend({
          kind: 'postgres',
          url: await pgTestUrl(),
          forTests: true,
          max: 4,
          schema,
          log,
        })
      : await openBackend({
          kind: 'sqlite',
          file: options.file ?? ':memory:',
          ...(options.config?.walScrubSeconds
            ? { walScrubSeconds: options.config.walScrubSeconds }
            : {}),
          log,
        })
  const { db } = backend
  if (options.sameDatabaseAs === undefined || backend.dialect === 'sqlite')
    await migrateToLatest(db)
  const clock = {
    now: Date.UTC(2026, 0, 1),
    advance(ms: number) {
      clock.now += ms
    },
  }
  const logs = memorySink()
  const logger = createLogger({ level: 'debug', sink: logs, clock: () => clock.now })
  const server = createApp({
    db,
    config: testConfig(options.config),
    logger,
    clock: () => clock.now,
    scryptCost: options.scryptCost ?? TEST_SCRYPT_COST,
    ...(options.sharedRateLimitStore ? { sharedRateLimitStore: options.sharedRateLimitStore } : {}),
    ...(options.notify ? { notify: options.notify } : {}),
    ...(options.onShareEnded ? { onShareEnded: options.onShareEnded } : {}),
  })
  return {
    ...server,
    db,
    backend,
    sqlite: backend.sqlite ?? sqliteOnly(),
    ...(schema !== undefined ? { schema } : {}),
    logger,
    logs,
    clock,
    queries: () => queryCount,
    rows: async <R>(sqlText: string, ...params: unknown[]) => {
      let n = 0
      const text =
        backend.dialect === 'postgres' ? sqlText.replace(/\?/g, () => `$${++n}`) : sqlText
      const result = await db.executeQuery<R>(CompiledQuery.raw(text, params))
      return result.rows as R[]
    },
    call: (path, init, address = '192.0.2.10') =>
      Promise.resolve(
        server.app.request(path, init, { incoming: { socket: { remoteAddress: address } } }),
      ),
  }
}

async function pgTestUrl(): Promise<string> {
  const { inject } = await import('vitest')
  return inject('pgTestUrl')
}

/** A new, empty schema in the run's database: each test app starts from nothing. */
async function freshSchema(): Promise<string> {
  const { default: pg } = await import('pg')
  const name = `t_${crypto.randomBytes(8).toString('hex')}`
  const client = new pg.Client({ connectionString: await pgTestUrl() })
  await client.connect()
  try {
    await client.query(`create schema ${name}`)
  } finally {
    await client.end()
  }
  return name
}

/** Stands in for SQLite's handle on PostgreSQL: any use fails loudly, naming why. */
function sqliteOnly(): BetterSqlite3.Database {
  return new Proxy({} as BetterSqlite3.Database, {
    get() {
      throw new Error(
        'This test reads SQLite directly; mark it SQLite-only (sqliteOnly in test/backend.ts)',
      )
    },
  })
}

/** The /metrics text, read as a scraper on this machine would (loopback, no METRICS_TOKEN). */
export async function scrapeMetrics(t: Pick<TestApp, 'call'>): Promise<string> {
  const res = await t.call('/metrics', undefined, '127.0.0.1')
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return res.text()
}

export const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

export interface ShareFixture {
  id: string
  access: string
  verifier: string
  ciphertext: string
  body: CreateShareRequest
}

/** A share as a client would make it: random id and access, verifier = SHA-256(access). */
export function shareFixture(
  overrides: Partial<CreateShareRequest> = {},
  ciphertextBytes = 1024,
): ShareFixture {
  const access = crypto.randomBytes(32)
  const body: CreateShareRequest = {
    id: b64url(crypto.randomBytes(16)),
    verifier: b64url(crypto.createHash('sha256').update(access).digest()),
    ciphertext: b64url(crypto.randomBytes(ciphertextBytes)),
    ttlSeconds: 3600,
    maxViews: 1,
    ...overrides,
  }
  return {
    id: body.id,
    access: b64url(access),
    verifier: body.verifier,
    ciphertext: body.ciphertext,
    body,
  }
}

export const jsonInit = (
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

export async function createOk(t: TestApp, fixture: ShareFixture, address?: string) {
  const res = await t.call('/api/share', jsonInit('POST', fixture.body), address)
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string; expiresAt: string; manageToken: string }
}

export const openInit = (access: string): RequestInit => jsonInit('POST', { access })
