/** @module Wires the accounts and vault API: deps, sessions, limits, routes and the purge sweeper, for app.ts to mount. */
import crypto from 'node:crypto'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import { ApiError } from '../errors.ts'
import type { RateLimitStore } from '../http/rate-limit.ts'
import { agentOf, createAccountAudit, type ClientInfo } from '../audit/account-audit.ts'
import { clientHasher } from '../audit/audit.ts'
import { DEFAULT_SCRYPT_COST, type ScryptCost } from '../account/auth-hash.ts'
import { accountRoutes } from '../account/account.routes.ts'
import { requireSession, sameOrigin, type SessionEnv } from '../session/session.ts'
import { sessionKeyRoutes } from '../session/session-key.routes.ts'
import type { ShareEvents } from '../share/share.service.ts'
import type { PolicyStore } from '../admin/policy.ts'
import type { ShareEndedHook } from '../share/tombstone.ts'
import { vaultRoutes } from './vault.routes.ts'
import { tokenRoutes } from '../token/token.routes.ts'
import type { Notifications } from '../notify/notifications.ts'
import { notifyRoutes } from '../notify/notify.routes.ts'
import type { Lookup } from '../notify/ssrf.ts'
import { vaultShareEvents, type VaultDeps } from './vault.service.ts'
import { createVaultSweeper, type VaultSweeper } from './vault.sweeper.ts'

export interface VaultApiOptions {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  config: Config
  logger: Logger
  metrics: Metrics
  /** The server's persistent secret key (DATA_DIR/audit-key); the prelogin key is derived from it. */
  serverKey: Uint8Array
  clientHash: (c: Context) => string
  /** The caller's rate-limit key: its address, or its IPv6 /64. */
  addressKey: (c: Context) => string
  store: RateLimitStore
  limiter: (bucket: string, perMinute: number) => MiddlewareHandler
  /** scrypt cost of stored authKey hashes; tests lower it for speed. */
  scryptCost?: ScryptCost
  notifications: Notifications
  /** Test sends to a webhook or email address, per address. */
  notifyTestLimit: MiddlewareHandler
  lookup?: Lookup
  policy: PolicyStore
  onShareEnded?: ShareEndedHook
}

export interface VaultApi {
  routes: Hono<SessionEnv>
  /** The session check (cookie + CSRF, or bearer), for other routes that need an account. */
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
  shareEvents: ShareEvents
  sweeper: VaultSweeper
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface WriteLimitOptions {
  store: RateLimitStore
  clock: () => number
  perSession: number
  perAccount: number
  onLimited: (bucket: string) => void
}

/** Spends one write of a budget, or throws 429 naming whose budget ran out. */
export function writeSpender(o: WriteLimitOptions) {
  return async (bucket: string, key: string, perMinute: number, whose: string) => {
    if (perMinute <= 0) return
    const decision = await o.store.take(`${bucket}:${key}`, perMinute, 60_000, o.clock())
    if (decision.allowed) return
    o.onLimited(bucket)
    const wait = decision.retryAfterSeconds
    throw new ApiError(
      429,
      'rate_limited',
      `Too many vault changes from ${whose} (at most ${perMinute} a minute); try again in ${wait} s`,
      { headers: { 'retry-after': String(wait) } },
    )
  }
}

/**
 * Security promise (vault writes are bounded): every POST, PUT and DELETE on folders and
 * secrets (creates, updates, deletes, restores, purges, shares and their revocation) spends one
 * write of the session's budget and one of the account's (all its sessions together), before
 * the handler runs, so a refused write changes nothing. Keys and budgets only, so a shared
 * store (Redis) enforces them across instances. A service token's writes spend its own budget
 * (as a session's) and the account's (token/token.routes.ts).
 */
export function vaultWriteLimit(o: WriteLimitOptions): MiddlewareHandler<SessionEnv> {
  const spend = writeSpender(o)
  return async function vaultWriteLimit(c, next) {
    if (READ_METHODS.has(c.req.method)) return next()
    const { tokenHash, userId } = c.var.session
    await spend('vault-write-session', tokenHash.toString('hex'), o.perSession, 'this session')
    await spend('vault-write-account', userId.toString('hex'), o.perAccount, 'this account')
    return next()
  }
}

export function createVaultApi(o: VaultApiOptions): VaultApi {
  const { config } = o
  const audit = createAccountAudit({
    alertThreshold: config.alertThreshold,
    onAlert: (trx, userId, failures, windowMinutes, at) =>
      o.notifications.failedAccessAlert(trx, userId, failures, windowMinutes, at),
  })
  const deps: VaultDeps = {
    db: o.db,
    queue: o.queue,
    clock: o.clock,
    audit,
    recoveryMs: config.vaultRecoveryDays * 86_400_000,
    quotaBytes: config.vaultQuotaBytes,
    ...(o.onShareEnded ? { onShareEnded: o.onShareEnded } : {}),
    onTokenNewAddress: (trx, userId, token, at) =>
      o.notifications.tokenNewAddressAlert(trx, userId, token, at),
  }
  const sessionIdleMs = config.sessionIdleHours * 3_600_000
  const session = requireSession({
    db: o.db,
    queue: o.queue,
    clock: o.clock,
    idleMs: sessionIdleMs,
  })
  const origin = sameOrigin()
  const client = (c: Context): ClientInfo => ({
    hash: o.clientHash(c),
    agent: agentOf(c.req.header('user-agent')),
  })
  // Its own key: a prelogin salt must not double as anything else HMACed under the server key.
  const preloginKey = crypto
    .createHmac('sha256', o.serverKey)
    .update('secretsentry/v1/prelogin-key')
    .digest()
  // The addresses accounts logged in from are stored under their own key, like the audit's hashes.
  const hashAddress = clientHasher(
    crypto.createHmac('sha256', o.serverKey).update('secretsentry/v1/login-address-key').digest(),
  )
  const address = (c: Context) => {
    const key = o.addressKey(c)
    return { key, hash: hashAddress(key) }
  }

  // SPEC §6: RATE_LIMIT_PER_MIN=0 turns every limit off.
  const writeLimits: WriteLimitOptions = {
    store: o.store,
    clock: o.clock,
    perSession: config.rateLimitPerMin === 0 ? 0 : config.vaultWritesPerMin,
    perAccount: config.rateLimitPerMin === 0 ? 0 : config.vaultAccountWritesPerMin,
    onLimited: (bucket) => o.metrics.rateLimited.inc({ bucket }),
  }
  const writeLimit = vaultWriteLimit(writeLimits)

  const routes = new Hono<SessionEnv>()
    .route(
      '/',
      accountRoutes({
        deps: {
          ...deps,
          scryptCost: o.scryptCost ?? DEFAULT_SCRYPT_COST,
          preloginKey,
          onNewClient: (trx, userId, agent, at) =>
            o.notifications.newLoginAlert(trx, userId, agent, at),
        },
        client,
        session,
        sameOrigin: origin,
        limits: {
          prelogin: o.limiter('prelogin', config.rateLimitPerMin),
          login: o.limiter('login', config.rateLimitPerMin),
          register: o.limiter('register', config.rateLimitPerMin),
          password: o.limiter('password', config.rateLimitPerMin),
        },
        // SPEC §6: RATE_LIMIT_PER_MIN=0 turns the limits off (benchmarks, black-box tests): all of them.
        loginPerAccountPerMin: config.rateLimitPerMin === 0 ? 0 : config.loginRateLimitPerMin,
        address,
        store: o.store,
        onLimited: (bucket) => o.metrics.rateLimited.inc({ bucket }),
        logger: o.logger,
        policy: o.policy,
      }),
    )
    .route('/', sessionKeyRoutes({ db: o.db, queue: o.queue, session, sameOrigin: origin }))
    .route(
      '/',
      notifyRoutes({
        notifications: o.notifications,
        db: o.db,
        queue: o.queue,
        clock: o.clock,
        session,
        sameOrigin: origin,
        testLimit: o.notifyTestLimit,
        allowPrivate: config.webhookAllowPrivate,
        ...(o.lookup ? { lookup: o.lookup } : {}),
      }),
    )
    .route(
      '/',
      vaultRoutes({
        deps,
        metrics: o.metrics,
        maxSecretBytes: config.maxSecretBytes,
        policy: o.policy,
        client,
        session,
        sameOrigin: origin,
        shareLimit: o.limiter('create', config.rateLimitPerMin),
        receipts: o.notifications,
        writeLimit,
      }),
    )
    .route(
      '/',
      tokenRoutes({
        deps,
        maxSecretBytes: config.maxSecretBytes,
        client,
        addressKey: o.addressKey,
        session,
        sameOrigin: origin,
        writeLimit,
        tokenWrites: writeLimits,
        store: o.store,
        failedAuthPerMin: config.rateLimitPerMin,
        onLimited: (bucket) => o.metrics.rateLimited.inc({ bucket }),
      }),
    )

  return {
    routes,
    session,
    sameOrigin: origin,
    shareEvents: vaultShareEvents(deps),
    sweeper: createVaultSweeper({
      deps,
      intervalSeconds: config.sweepIntervalSeconds,
      sessionIdleMs,
      logger: o.logger,
    }),
  }
}
