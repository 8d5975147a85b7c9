/** @module Builds the Hono app: middleware order, the API, health and metrics, the web app, error mapping. */
import crypto from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { routePath } from 'hono/route'
import pkg from '../package.json' with { type: 'json' }
import { clientHasher } from './audit/audit.ts'
import type { Config } from './config.ts'
import type { Database, Db } from './db/database.ts'
import { isMigrated } from './db/migrate.ts'
import { WriteQueue, WriteQueueClosedError } from './db/write-queue.ts'
import { ApiError, errorResponse } from './errors.ts'
import { clientAddress, rateLimitKey } from './http/client-address.ts'
import { contract } from './http/contract.ts'
import { drainUnreadBody } from './http/drain-body.ts'
import {
  FailoverRateLimitStore,
  MemoryRateLimitStore,
  rateLimit,
  type RateLimitStore,
} from './http/rate-limit.ts'
import { jsonAnswer, securityHeaders } from './http/security-headers.ts'
import { createLogger, type Logger } from './logger.ts'
import { createMetrics, metricsAccess, type Metrics } from './metrics.ts'
import { databaseSizeBytes, isDatabaseUnavailable } from './db/dialect.ts'
import { shareRoutes } from './share/share.routes.ts'
import type { ShareDeps } from './share/share.service.ts'
import { createSweeper, type Sweeper } from './share/sweeper.ts'
import type { ShareEndedHook } from './share/tombstone.ts'
import type { AssetSource } from './static/asset-source.ts'
import { staticRoutes } from './static/static.routes.ts'
import type { ScryptCost } from './account/auth-hash.ts'
import { createVaultApi } from './vault/vault.api.ts'
import {
  createNotifications,
  type NotificationOptions,
  type Notifications,
} from './notify/notifications.ts'
import { createStaleDigest, type StaleDigest } from './notify/stale-digest.ts'
import { createPolicyStore } from './admin/policy.ts'
import { adminRoutes, publicPolicyRoutes } from './admin/admin.routes.ts'
import type { VaultSweeper } from './vault/vault.sweeper.ts'

export const VERSION: string = pkg.version

export interface AppOptions {
  db: Db
  config: Config
  logger?: Logger
  /** Milliseconds since the epoch; tests move it to expire shares without sleeping. */
  clock?: () => number
  /** Key of the audit rows' client hashes; main loads it from DATA_DIR, tests get a random one. */
  auditKey?: Uint8Array
  rateLimitStore?: RateLimitStore
  /**
   * A store shared by every instance (Redis); wrapped so that while it fails, logins are refused
   * and other limits fall back to this instance's memory (see FailoverRateLimitStore).
   */
  sharedRateLimitStore?: RateLimitStore
  /** Node process metrics in /metrics (main turns them on). */
  processMetrics?: boolean
  /** Run the expiry sweeper on a timer (main turns it on; tests call `sweeper.runOnce()`). */
  startSweeper?: boolean
  /** Durability barrier for writes committed without waiting for the disk (see openDatabase). */
  durable?: () => Promise<void>
  /** SQLite shared with other writer processes (WORKERS > 1): see WriteQueueOptions.retryBusy. */
  retryBusyWrites?: boolean
  /** The web app's files; by default read from config.staticDir (the single executable serves them from memory). */
  assets?: AssetSource
  /** Where startServer is (default: always ready, for tests and an already migrated database). */
  lifecycle?: () => Lifecycle
  /** scrypt cost of the stored account hashes (default N = 2^15); tests lower it for speed. */
  scryptCost?: ScryptCost
  /** Tests: the outbox's retry schedule, lease and poll interval, and a DNS resolver for webhooks. */
  notify?: Pick<
    NotificationOptions,
    'retry' | 'leaseMs' | 'intervalSeconds' | 'lookup' | 'wallClock'
  >
  /**
   * Told, inside the transaction, whenever a share ends (read, expired, deleted, destroyed), for
   * work that must commit with the burn (read receipts through the outbox). None by default.
   */
  onShareEnded?: ShareEndedHook
}

/**
 * 'migrating': listening, schema not there yet, so the API answers 503 with Retry-After.
 * 'stopping': SIGTERM arrived; requests in flight finish. /readyz is 200 only when 'ready'.
 */
export type Lifecycle = 'migrating' | 'ready' | 'stopping'

/** Seconds a client is asked to wait while the server migrates. */
const MIGRATING_RETRY_AFTER_SECONDS = 1

export interface SecretSentryApp {
  app: Hono
  metrics: Metrics
  queue: WriteQueue<Database>
  sweeper: Sweeper
  /** Purges deleted secrets after their recovery window, and dead sessions. */
  vaultSweeper: VaultSweeper
  /** The outbox and its delivery worker (started with the sweepers). */
  notifications: Notifications
  /** The daily digest of secrets due for rotation (started with the sweepers). */
  staleDigest: StaleDigest
  /** Readiness turns 503, the sweeper stops, queued writes commit; the caller then closes the db. */
  close(): Promise<void>
}

/** The manage bucket (status, delete) is looser: "My links" checks every link it remembers. */
const MANAGE_BUDGET_FACTOR = 10

declare module 'hono' {
  interface ContextVariableMap {
    /** Names the request in its log lines and its x-request-id header. */
    requestId: string
  }
}

export function createApp(options: AppOptions): SecretSentryApp {
  const { db, config } = options
  const clock = options.clock ?? Date.now
  const logger = options.logger ?? createLogger({ level: config.logLevel })
  const metrics = createMetrics({
    version: VERSION,
    dbSizeBytes: () => databaseSizeBytes(db),
    processMetrics: options.processMetrics ?? false,
    outboxPending: async () => {
      const rows = await db
        .selectFrom('outbox')
        .select(['channel', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'pending')
        .groupBy('channel')
        .execute()
      return rows.map((r) => ({ channel: r.channel, n: Number(r.n) }))
    },
  })
  const queue = new WriteQueue(db, {
    ...(options.durable ? { durable: options.durable } : {}),
    ...(options.retryBusyWrites ? { retryBusy: true } : {}),
    onBatch: (size, seconds) => {
      metrics.writeBatchSize.observe(size)
      metrics.writeBatchSeconds.observe(seconds)
    },
  })
  const notifications = createNotifications({
    db,
    queue,
    clock,
    logger,
    metrics,
    allowPrivate: config.webhookAllowPrivate,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    ...options.notify,
  })
  // Every ending of a share passes here, in its transaction: the receipt its creator asked for
  // (none asked: no work at all), then the caller's hook.
  const extraHook = options.onShareEnded
  const onShareEnded: ShareEndedHook = extraHook
    ? async (trx, ended) => {
        await notifications.shareEnded(trx, ended)
        await extraHook(trx, ended)
      }
    : notifications.shareEnded
  const deps: ShareDeps = { db, queue, clock, onShareEnded }
  const sweeper = createSweeper({
    deps,
    intervalSeconds: config.sweepIntervalSeconds,
    logger,
    onError: () => metrics.sweeperFailures.inc(),
    onBatch: (deleted) => {
      metrics.sweeperRuns.inc()
      if (deleted > 0) metrics.sharesExpired.inc({ where: 'sweeper' }, deleted)
    },
  })
  const auditKey = options.auditKey ?? crypto.randomBytes(32)
  const hashClient = clientHasher(auditKey)
  const store: RateLimitStore =
    options.rateLimitStore ??
    (options.sharedRateLimitStore
      ? new FailoverRateLimitStore(options.sharedRateLimitStore, (bucket, outcome) =>
          metrics.rateLimitStoreFailures.inc({ bucket, outcome }),
        )
      : new MemoryRateLimitStore())
  const limiter = (bucket: string, perMinute: number) =>
    rateLimit({
      store,
      bucket,
      perMinute,
      clock,
      key: (c) => rateLimitKey(clientAddress(c, config.trustProxy)),
      onLimited: (b) => metrics.rateLimited.inc({ bucket: b }),
    })
  const staleDigest = createStaleDigest({
    db,
    queue,
    clock,
    outbox: notifications.outbox,
    metrics,
    logger,
    intervalSeconds: config.sweepIntervalSeconds,
  })
  const policy = createPolicyStore({ db, clock, maxSecretBytes: config.maxSecretBytes })
  const vault = createVaultApi({
    policy,
    db,
    queue,
    clock,
    config,
    logger,
    metrics,
    serverKey: auditKey,
    clientHash: (c) => hashClient(clientAddress(c, config.trustProxy)),
    addressKey: (c) => rateLimitKey(clientAddress(c, config.trustProxy)),
    store,
    limiter,
    ...(options.scryptCost ? { scryptCost: options.scryptCost } : {}),
    notifications,
    notifyTestLimit: limiter('notify-test', Math.ceil(config.rateLimitPerMin / 6)),
    ...(options.notify?.lookup ? { lookup: options.notify.lookup } : {}),
    onShareEnded,
  })
  // Opens of shares made from vault secrets land on the owner's audit trail.
  deps.events = vault.shareEvents
  let shuttingDown = false
  const lifecycle = options.lifecycle ?? (() => 'ready')
  const bootId = crypto.randomBytes(4).toString('hex')
  let requestCount = 0
  // Built on first request: generating JSON Schema from zod allocates memory an idle server can keep.
  let openApi: Record<string, unknown> | undefined

  const app = new Hono()

  // Outermost: sees the final status of every response, errors and 404s included.
  app.use('*', async function observe(c, next) {
    const started = performance.now()
    const reqId = `${bootId}-${(++requestCount).toString(36)}`
    // So the error handler's log line can name its request.
    c.set('requestId', reqId)
    await next()
    const route = routePath(c) || 'unmatched'
    const status = c.res.status
    const seconds = (performance.now() - started) / 1000
    metrics.requests.record(c.req.method, route, status, seconds)
    // Route pattern, never the raw path or query: those could carry an id or, by mistake, a key.
    logger.request({
      reqId,
      method: c.req.method,
      route,
      status,
      ms: Math.round(seconds * 1e5) / 100,
    })
  })
  app.use(
    '*',
    securityHeaders({
      trustProxy: config.trustProxy,
      requestId: (c) => c.get('requestId'),
    }),
  )
  // An answer given without reading the whole body waits for the rest of it (see drain-body.ts).
  app.use('*', drainUnreadBody())
  // Until the migrations ran the tables may not exist: refuse the API instead of failing with a 500.
  app.use('/api/*', async function untilMigrated(_c, next) {
    if (lifecycle() === 'migrating') {
      throw new ApiError(503, 'internal', 'The server is starting; try again shortly', {
        headers: { 'retry-after': String(MIGRATING_RETRY_AFTER_SECONDS) },
      })
    }
    await next()
  })

  app.get('/healthz', (c) => jsonAnswer(c, '{"status":"ok"}'))
  app.get('/readyz', async (c) => {
    // Not ready while the shared rate-limit store is unreachable: logins would be refused here.
    const ready =
      !shuttingDown &&
      lifecycle() === 'ready' &&
      (store.available?.() ?? true) &&
      (await isMigrated(db).catch(() => false))
    return c.json({ status: ready ? 'ready' : 'not ready' }, ready ? 200 : 503)
  })
  app.get('/metrics', metricsAccess(config.metricsToken), async (c) => {
    c.header('content-type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })

  app.get('/api/openapi.json', async (c) =>
    c.json((openApi ??= (await contract()).openApiDocument(VERSION))),
  )
  app.route(
    '/api',
    shareRoutes({
      deps,
      metrics,
      maxSecretBytes: config.maxSecretBytes,
      policy,
      session: vault.session,
      clientHash: (c) => hashClient(clientAddress(c, config.trustProxy)),
      receipts: notifications,
      limits: {
        create: limiter('create', config.rateLimitPerMin),
        open: limiter('open', config.rateLimitPerMin),
        manage: limiter('manage', config.rateLimitPerMin * MANAGE_BUDGET_FACTOR),
      },
    }),
  )
  app.route('/api', vault.routes)
  const adminOptions = {
    deps: { db, queue, clock, policy, adminUsers: config.adminUsers },
    emailReceipts: notifications.emailAvailable,
    session: vault.session,
    sameOrigin: vault.sameOrigin,
    maxSecretBytes: config.maxSecretBytes,
  }
  app.route('/api', publicPolicyRoutes(adminOptions))
  app.route('/api', adminRoutes(adminOptions))
  app.all('/api/*', () => {
    throw new ApiError(404, 'not_found', 'No such API endpoint')
  })
  app.route('/', staticRoutes(options.assets ?? config.staticDir))

  app.notFound(() => errorResponse(new ApiError(404, 'not_found', 'Not found')))
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(err)
    if (err instanceof HTTPException) {
      const status = err.status === 413 ? 413 : 400
      const code = status === 413 ? 'payload_too_large' : 'invalid_input'
      return errorResponse(
        new ApiError(status, code, status === 413 ? 'Request body too large' : 'Bad request'),
      )
    }
    if (err instanceof WriteQueueClosedError) {
      return errorResponse(new ApiError(503, 'internal', 'The server is shutting down; try again'))
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn('database unavailable', { reqId: c.get('requestId') })
      return errorResponse(new ApiError(503, 'internal', 'The database is unavailable; try again'))
    }
    // Name only: messages of unexpected errors may quote input.
    logger.error('unhandled error', { error: err.name, reqId: c.get('requestId') })
    return errorResponse(new ApiError(500, 'internal', 'Internal error'))
  })

  if (options.startSweeper) {
    sweeper.start()
    vault.sweeper.start()
    notifications.worker.start()
    staleDigest.start()
  }

  return {
    app,
    metrics,
    queue,
    sweeper,
    vaultSweeper: vault.sweeper,
    notifications,
    staleDigest,
    async close() {
      shuttingDown = true
      sweeper.stop()
      vault.sweeper.stop()
      staleDigest.stop()
      // Before the queue closes: a delivery in flight records its outcome through it.
      await notifications.close()
      await queue.close()
    },
  }
}
