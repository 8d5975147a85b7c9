/** @module startServer: database, HTTP listener, migrations, readiness and a graceful stop; used by main.ts and the `secretsentry` command. */
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp, VERSION, type Lifecycle } from './app.ts'
import { checkSharedServerKey, loadServerKey } from './audit/server-key.ts'
import { checkSettingPairs, SettingError, type Config } from './config.ts'
import { openBackend, type Backend } from './db/backend.ts'
import type { Db, NativeAddon } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { warnUnregisteredAdmins } from './admin/admin.service.ts'
import { answerClientError } from './http/client-error.ts'
import type { RateLimitStore } from './http/rate-limit.ts'
import { createLogger, fileSink, type Logger } from './logger.ts'
import type { AssetSource } from './static/asset-source.ts'

/** globalThis key under which the bundle's loader says what became of its V8 code cache. */
export const CODE_CACHE_STATE = Symbol.for('secretsentry.codeCache')

export { MANIFEST_PATH } from './static/static.routes.ts'
export { VERSION } from './app.ts'
export { AUDIT_KEY_FILE } from './audit/audit.ts'

/** In-flight requests get this long after SIGTERM before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000

/** The database file inside DATA_DIR (the `backup` command reads it too). */
export const DATABASE_FILE = 'secretsentry.db'

export interface StartServerOptions {
  /** Default: JSON lines to stdout or LOG_FILE at LOG_LEVEL; closed by stop(). */
  logger?: Logger
  /** Runs the migrations; tests slow it down to watch readiness. Default: every known migration. */
  migrate?: (db: Db) => Promise<string[]>
  /** Told the address once listening; default prints "SecretSentry listening on URL" to stdout. */
  announce?: (url: string) => void
  /** SIGTERM and SIGINT stop gracefully, then the process exits 0 (1 if the stop failed). */
  handleSignals?: boolean
  shutdownGraceMs?: number
  /** The web app's files instead of config.staticDir (the single executable serves them from memory). */
  assets?: AssetSource
  /**
   * better-sqlite3's addon: already loaded (the single executable embeds it) or its path
   * (dist/main.js); default: better-sqlite3 looks for it itself.
   */
  nativeBinding?: string | NativeAddon
  /** Run the expiry sweepers once ready (default true; of several worker processes only one does). */
  sweep?: boolean
  /** Rate-limit budgets kept elsewhere (a cluster worker asks its primary); ignored with REDIS_URL. */
  rateLimitStore?: RateLimitStore
}

export interface RunningServer {
  /** `http://host:port`, with the port actually bound (PORT=0 picks one). */
  url: string
  port: number
  /** Resolves once migrations ran and the API is open; rejects if they failed (the server then stops). */
  ready: Promise<void>
  lifecycle(): Lifecycle | 'stopped'
  /** Stop accepting, let requests finish, commit queued writes, close the database. Idempotent. */
  stop(reason?: string): Promise<void>
}

/**
 * Listens first, then migrates, then opens the API: a large migration must not look like a dead
 * process to a health check, and a load balancer must not send traffic before the schema is there
 * (/readyz and the API answer 503 until then).
 */
export async function startServer(
  config: Config,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const started = performance.now()
  checkSettingPairs(config)
  const ownLogger = !options.logger
  const logger =
    options.logger ??
    createLogger({
      level: config.logLevel,
      ...(config.logFile ? { sink: fileSink(config.logFile) } : {}),
    })
  let shared: RateLimitStore | undefined
  if (config.redisUrl) {
    try {
      shared = await connectRedis(config.redisUrl, logger)
    } catch (err) {
      if (ownLogger) await logger.close()
      throw err
    }
  }
  let database: Backend
  try {
    database = await openBackend(
      config.databaseUrl
        ? { kind: 'postgres', url: config.databaseUrl, check: true }
        : {
            kind: 'sqlite',
            file: path.join(config.dataDir, DATABASE_FILE),
            sync: config.sqliteSync === 'group' ? 'barrier' : 'commit',
            walScrubSeconds: config.walScrubSeconds,
            sharedWriters: config.workers > 1,
            // SQLite's code (SQLITE_IOERR…), never a message: that is all an operator needs here.
            onScrubError: (err) =>
              logger.error('wal scrub failed', {
                error: err instanceof Error && 'code' in err ? String(err.code) : 'unknown',
              }),
            ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
          },
    )
  } catch (err) {
    await shared?.close?.()
    if (ownLogger) await logger.close()
    throw err
  }
  // After the checks of Redis and the database, so a failed start leaves DATA_DIR as it was.
  let serverKey: Uint8Array
  try {
    serverKey = loadServerKey(config)
  } catch (err) {
    await database.close()
    await shared?.close?.()
    if (ownLogger) await logger.close()
    throw err
  }
  let phase: Lifecycle | 'stopped' = 'migrating'
  const server = createApp({
    db: database.db,
    config,
    ...(options.assets ? { assets: options.assets } : {}),
    logger,
    auditKey: serverKey,
    processMetrics: true,
    lifecycle: () => (phase === 'stopped' ? 'stopping' : phase),
    ...(database.durable ? { durable: database.durable } : {}),
    ...(database.dialect === 'sqlite' && config.workers > 1 ? { retryBusyWrites: true } : {}),
    ...(shared ? { sharedRateLimitStore: shared } : {}),
    ...(!shared && options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
  })

  const http = serve({ fetch: server.app.fetch, hostname: config.host, port: config.port })
  // Node's own 400/431/408 would otherwise go out without the app's security headers.
  http.on('clientError', answerClientError)
  try {
    await new Promise<void>((resolve, reject) => {
      const listening = () => {
        http.off('error', failed)
        resolve()
      }
      const failed = (err: Error) => {
        http.off('listening', listening)
        reject(err)
      }
      http.once('listening', listening)
      http.once('error', failed)
    })
  } catch (err) {
    await server.close()
    await database.close()
    await shared?.close?.()
    if (ownLogger) await logger.close()
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new Error(`Cannot listen on ${config.host}:${config.port}: ${code}`, { cause: err })
  }
  const { port } = http.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  logger.info('listening', {
    version: VERSION,
    host: config.host,
    port,
    startupMs: Math.round(performance.now() - started),
  })
  // Set by dist/main.js and the single executable's loader: whether V8 took the build's code cache
  // (a rejected one only makes start-up slower, so nothing else would show it).
  const codeCache: unknown = (globalThis as Record<symbol, unknown>)[CODE_CACHE_STATE]
  if (typeof codeCache === 'string') logger.debug('code cache', { state: codeCache })
  ;(options.announce ?? ((u) => process.stdout.write(`SecretSentry listening on ${u}\n`)))(url)

  const migrated = (options.migrate ?? migrateToLatest)(database.db).then(async (applied) => {
    if (applied.length > 0) logger.info('migrations applied', { migrations: applied.join(',') })
    // Several instances share one PostgreSQL database; they must share the server key as well.
    if (database.dialect === 'postgres')
      await checkSharedServerKey(database.db, serverKey, Date.now())
    if (config.adminUsers.length > 0) await warnUnregisteredAdmins(database.db, config, logger)
    if (phase !== 'migrating') return
    phase = 'ready'
    // Only now: the sweepers' first batches need the tables.
    if (options.sweep ?? true) {
      server.sweeper.start()
      server.vaultSweeper.start()
      // Where the sweepers run: one process per SQLite file; on PostgreSQL every instance, and
      // SKIP LOCKED plus leases keep them from sending one notification twice.
      server.notifications.worker.start()
    }
    logger.info('ready', { readyMs: Math.round(performance.now() - started) })
  })

  let stopping: Promise<void> | undefined
  const stop = (reason = 'stop'): Promise<void> =>
    (stopping ??= (async () => {
      // From this moment /readyz answers 503, so a balancer stops sending new traffic.
      phase = 'stopping'
      logger.info('shutting down', { signal: reason })
      const drainStarted = performance.now()
      // Stop accepting. Keep-alive sockets close as soon as they are idle (checked often, since a
      // busy one turns idle after its response); whatever is left after the grace period is cut.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()))
      logger.info('stopped accepting connections')
      const closeIdle = () => {
        if ('closeIdleConnections' in http) http.closeIdleConnections()
      }
      closeIdle()
      const sweepIdle = setInterval(closeIdle, 20)
      const grace = setTimeout(() => {
        if ('closeAllConnections' in http) http.closeAllConnections()
      }, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS)
      grace.unref()
      await closed
      clearInterval(sweepIdle)
      clearTimeout(grace)
      logger.info('requests finished', { ms: Math.round(performance.now() - drainStarted) })
      // A migration still running owns the connection; it finishes before the database closes.
      await migrated.catch(() => {})
      // Requests that finished have had their writes committed; this commits anything still queued.
      await server.close()
      logger.info('write queue committed')
      await database.close()
      logger.info('database closed')
      await shared?.close?.()
      phase = 'stopped'
      logger.info('stopped', { signal: reason })
      if (ownLogger) await logger.close()
    })())

  const ready = migrated.catch(async (err: unknown) => {
    const what = err instanceof SettingError ? 'start-up check failed' : 'migration failed'
    logger.error(what, { error: err instanceof Error ? err.message : String(err) })
    await stop(what)
    throw err
  })
  // The caller may never await `ready`; a failed migration is still logged and stops the server.
  ready.catch(() => {})

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      stop(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(
            `SecretSentry did not stop cleanly: ${err instanceof Error ? err.message : String(err)}\n`,
          )
          process.exit(1)
        },
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  }

  return { url, port, ready, lifecycle: () => phase, stop }
}

/**
 * The shared rate-limit store (REDIS_URL). ioredis is imported only here, so a server without
 * Redis never loads it. Unreachable at start: an error naming the setting (a deployment that
 * asked for shared limits must not silently run per instance); lost later: /readyz turns 503
 * and the connection is retried until it is back.
 */
async function connectRedis(url: string, logger: Logger): Promise<RateLimitStore> {
  const { RedisRateLimitStore, redisTarget } = await import('./http/redis-rate-limit.ts')
  try {
    const store = await RedisRateLimitStore.connect(url, {
      onStateChange: (connected, reason) => {
        if (connected) logger.info('redis connected', { redis: redisTarget(url) })
        else logger.error('redis unreachable', { redis: redisTarget(url), reason })
      },
    })
    return store
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new SettingError('REDIS_URL', (name) => `${name}: ${reason}`, { cause: err })
  }
}
