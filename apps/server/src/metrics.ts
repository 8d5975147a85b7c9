/** @module Prometheus metrics, one registry per app instance (so tests and embedders do not share counters), and who may read them. */
import crypto from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { ApiError } from './errors.ts'
import { clientAddress } from './http/client-address.ts'
import { RequestMetrics } from './request-metrics.ts'

export interface Metrics {
  registry: Registry
  /** Requests by method, route and status, and their latency (see request-metrics.ts). */
  requests: RequestMetrics
  sharesCreated: Counter
  sharesOpened: Counter
  sharesExpired: Counter<'where'>
  sharesDestroyed: Counter<'reason'>
  rateLimited: Counter<'bucket'>
  rateLimitStoreFailures: Counter<'bucket' | 'outcome'>
  sweeperRuns: Counter
  sweeperFailures: Counter
  writeBatchSize: Histogram
  writeBatchSeconds: Histogram
  outboxDelivered: Counter<'channel'>
  outboxAttemptFailures: Counter<'channel'>
  outboxFailed: Counter<'channel'>
  alerts: Counter<'kind'>
}

export interface MetricsOptions {
  /** Exported as secretsentry_build_info{version}, so a dashboard shows what each instance runs. */
  version: string
  /** Reads the database size when scraped. */
  dbSizeBytes: () => Promise<number>
  /** Process metrics (memory, event-loop lag); off in tests. */
  processMetrics?: boolean
  /** Notifications waiting in the outbox (every instance's), by channel; read when scraped. */
  outboxPending?: () => Promise<{ channel: string; n: number }[]>
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  new Gauge({
    name: 'secretsentry_build_info',
    help: 'Always 1; the version label says which release is running',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: options.version }, 1)
  new Gauge({
    name: 'secretsentry_db_size_bytes',
    help: 'Size of the database file',
    registers,
    async collect() {
      this.set(await options.dbSizeBytes())
    },
  })
  const pending = options.outboxPending
  if (pending) {
    new Gauge({
      name: 'secretsentry_outbox_pending',
      help: 'Notifications not yet delivered (still being retried), by channel',
      labelNames: ['channel'] as const,
      registers,
      async collect() {
        const rows = await pending()
        for (const channel of ['webhook', 'email'])
          this.set({ channel }, rows.find((r) => r.channel === channel)?.n ?? 0)
      },
    })
  }
  return {
    registry,
    requests: new RequestMetrics(registry, {
      requests: {
        name: 'secretsentry_http_requests_total',
        help: 'HTTP requests by route pattern and status',
      },
      duration: {
        name: 'secretsentry_http_request_duration_seconds',
        help: 'HTTP request latency by route pattern',
        buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      },
    }),
    sharesCreated: new Counter({
      name: 'secretsentry_shares_created_total',
      help: 'Shares stored',
      registers,
    }),
    sharesOpened: new Counter({
      name: 'secretsentry_shares_opened_total',
      help: 'Views consumed',
      registers,
    }),
    sharesExpired: new Counter({
      name: 'secretsentry_shares_expired_total',
      help: 'Expired shares deleted, by the sweeper or when opened',
      labelNames: ['where'] as const,
      registers,
    }),
    sharesDestroyed: new Counter({
      name: 'secretsentry_shares_destroyed_total',
      help: 'Shares destroyed before expiry: too many failed attempts, or deleted by their owner',
      labelNames: ['reason'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'secretsentry_rate_limited_total',
      help: 'Requests refused with 429',
      labelNames: ['bucket'] as const,
      registers,
    }),
    rateLimitStoreFailures: new Counter({
      name: 'secretsentry_rate_limit_store_failures_total',
      help: 'Rate-limit checks the shared store (Redis) could not answer: refused (login) or fallback (per-instance budget)',
      labelNames: ['bucket', 'outcome'] as const,
      registers,
    }),
    sweeperRuns: new Counter({
      name: 'secretsentry_sweeper_runs_total',
      help: 'Sweeper batches run',
      registers,
    }),
    sweeperFailures: new Counter({
      name: 'secretsentry_sweeper_failures_total',
      help: 'Sweeper batches that failed (expired shares then stay until a later batch succeeds)',
      registers,
    }),
    writeBatchSize: new Histogram({
      name: 'secretsentry_write_batch_size',
      help: 'Write operations committed per transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    writeBatchSeconds: new Histogram({
      name: 'secretsentry_write_batch_seconds',
      help: 'Time from BEGIN to durable COMMIT of one batch (the event loop waits for it with SQLite)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers,
    }),
    outboxDelivered: new Counter({
      name: 'secretsentry_outbox_delivered_total',
      help: 'Notifications delivered (receiver answered 2xx, or the SMTP server accepted the mail), by channel',
      labelNames: ['channel'] as const,
      registers,
    }),
    outboxAttemptFailures: new Counter({
      name: 'secretsentry_outbox_attempt_failures_total',
      help: 'Delivery attempts that failed (each is retried with backoff until the notification is a day old), by channel',
      labelNames: ['channel'] as const,
      registers,
    }),
    outboxFailed: new Counter({
      name: 'secretsentry_outbox_failed_total',
      help: 'Notifications given up on after a day of retries, by channel',
      labelNames: ['channel'] as const,
      registers,
    }),
    alerts: new Counter({
      name: 'secretsentry_alerts_total',
      help: 'Account alerts raised: failed_access (ALERT_THRESHOLD reached), webhook_failing (deliveries failing in a row), stale_secrets (the daily digest of secrets due for rotation), new_login (a log-in from a client the account had not used), token_new_address (a service token used from a new address)',
      labelNames: ['kind'] as const,
      registers,
    }),
  }
}

/** Headers a reverse proxy adds; their presence means the request came from elsewhere. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip']

const isLoopback = (address: string) => address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address)

const digest = (text: string) => crypto.createHash('sha256').update(text).digest()

/**
 * Security promise: /metrics is not public. Its counters tell when shares are made and opened and
 * by which routes, which a stranger has no business watching. With METRICS_TOKEN set it requires
 * `Authorization: Bearer <token>`, compared in constant time (as SHA-256 digests, so the length
 * does not leak either). Unset, it answers only requests made straight from this machine: a
 * loopback socket and no forwarding header, since a proxy on the same host connects from loopback
 * too (TRUST_PROXY does not change this).
 */
export function metricsAccess(token: string | null): MiddlewareHandler {
  const expected = token === null ? null : digest(token)
  return async function metricsAccess(c, next) {
    if (expected === null) {
      const direct = FORWARDING_HEADERS.every((name) => c.req.header(name) === undefined)
      if (!direct || !isLoopback(clientAddress(c, 0))) {
        throw new ApiError(
          403,
          'unauthorized',
          '/metrics answers only on this machine; set METRICS_TOKEN to scrape it from elsewhere',
        )
      }
      return next()
    }
    const presented = /^Bearer +(\S+)$/i.exec(c.req.header('authorization')?.trim() ?? '')?.[1]
    if (presented === undefined || !crypto.timingSafeEqual(digest(presented), expected)) {
      throw new ApiError(401, 'unauthenticated', 'Missing or wrong METRICS_TOKEN bearer token', {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      })
    }
    return next()
  }
}
