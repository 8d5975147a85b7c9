/**
 * @module The durable outbox (SPEC §7): notifications are written in the transaction of the
 * event that causes them, then a worker delivers them at least once, retrying with backoff for
 * about a day, across restarts, and on PostgreSQL without two instances sending one row twice.
 */
import crypto from 'node:crypto'
import type { ChannelKind, Database, Db, OutboxTable } from '../db/database.ts'
import { skipLocked } from '../db/dialect.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import type { Logger } from '../logger.ts'
import type { NotificationEvent } from './events.ts'
import type { DeliveryOutcome } from './webhook.ts'

export type OutboxRow = {
  [K in keyof OutboxTable]: OutboxTable[K] extends import('kysely').Generated<infer T>
    ? T
    : OutboxTable[K]
}

export interface ChannelRow {
  /** null for a receipt's own address, which is no account's channel. */
  user_id: Buffer | null
  kind: ChannelKind
  target: string
  secret: Buffer | null
}

export interface Outbox {
  /**
   * Writes `event` for each of the account's channels (those in `only`, if given) inside the
   * caller's transaction, so it exists exactly when the event does. Returns how many rows.
   */
  enqueue(trx: Db, userId: Buffer, event: NotificationEvent, only?: ChannelKind[]): Promise<number>
  /**
   * Writes `event` for one email address that is no account's channel (a share's receipt), in
   * the caller's transaction. The row holds the address until it is done, then forgets it.
   */
  enqueueTo(trx: Db, address: string, event: NotificationEvent): Promise<void>
}

export function createOutbox(o: {
  /** Kinds this server can deliver (email only with SMTP_URL). */
  channels: ChannelKind[]
  clock: () => number
  /** Called after an enqueue (before its commit): the worker looks soon. */
  onEnqueued?: () => void
}): Outbox {
  return {
    async enqueue(trx, userId, event, only) {
      const kinds = o.channels.filter((k) => only === undefined || only.includes(k))
      if (kinds.length === 0) return 0
      const channels = await trx
        .selectFrom('notification_channels')
        .select('kind')
        .where('user_id', '=', userId)
        .where('kind', 'in', kinds)
        .execute()
      if (channels.length === 0) return 0
      const now = o.clock()
      const payload = JSON.stringify(event)
      await trx
        .insertInto('outbox')
        .values(
          channels.map((c) => ({
            id: `${event.id}.${c.kind}`,
            event_id: event.id,
            user_id: userId,
            channel: c.kind,
            type: event.type,
            payload,
            status: 'pending' as const,
            created_at: now,
            next_attempt_at: now,
            lease_until: null,
            last_error: null,
            done_at: null,
            address: null,
          })),
        )
        .execute()
      o.onEnqueued?.()
      return channels.length
    },
    async enqueueTo(trx, address, event) {
      const now = o.clock()
      await trx
        .insertInto('outbox')
        .values({
          id: `${event.id}.email`,
          event_id: event.id,
          user_id: null,
          channel: 'email',
          type: event.type,
          payload: JSON.stringify(event),
          status: 'pending',
          created_at: now,
          next_attempt_at: now,
          lease_until: null,
          last_error: null,
          done_at: null,
          address,
        })
        .execute()
      o.onEnqueued?.()
    },
  }
}

export interface RetryPolicy {
  /** First retry after about this long; each later one waits twice as long ... */
  baseMs: number
  /** ... up to this. */
  capMs: number
  /** A row still undelivered this long after its event is marked failed. */
  giveUpAfterMs: number
}

/** 10 s, 20 s, 40 s ... then hourly, for a day: about 30 attempts. */
export const DEFAULT_RETRY: RetryPolicy = {
  baseMs: 10_000,
  capMs: 3_600_000,
  giveUpAfterMs: 24 * 3_600_000,
}

/**
 * Wait before attempt `attempts + 1`: exponential, with "equal jitter" (half fixed, half random),
 * so receivers that come back are not hit by every instance's retries at the same moment.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempts: number,
  random = () => crypto.randomInt(0, 1 << 30) / (1 << 30),
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempts - 1, 30))
  return Math.round(exp / 2 + (exp / 2) * random())
}

/** Consecutive failed deliveries to a webhook that raise the webhook.failing alert (once). */
export const FAILING_AFTER = 5
/** Delivered, failed and dropped rows are kept this long for the account page, then deleted. */
export const DONE_RETENTION_MS = 30 * 86_400_000

export interface OutboxWorkerOptions {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  deliver: (channel: ChannelRow, event: NotificationEvent) => Promise<DeliveryOutcome>
  /** The failing webhook alert: written in the same transaction as the failure that reached FAILING_AFTER. */
  onFailing?: (
    trx: Db,
    channel: ChannelRow & { user_id: Buffer },
    failures: number,
    lastError: string,
    at: number,
  ) => Promise<void>
  retry?: RetryPolicy
  /** How long a claim holds a row; longer than any one delivery can take. */
  leaseMs?: number
  batchSize?: number
  /** Seconds between looks at the table when nothing woke the worker. */
  intervalSeconds?: number
  logger?: Logger
  onDelivered?: (channel: ChannelKind) => void
  onAttemptFailed?: (channel: ChannelKind) => void
  onGaveUp?: (channel: ChannelKind) => void
}

export interface OutboxWorker {
  start(): void
  stop(): Promise<void>
  /** Look now (after an enqueue in this process). */
  wake(): void
  /** Claims and delivers one batch of due rows; resolves with how many were attempted. */
  runOnce(): Promise<number>
}

export function createOutboxWorker(o: OutboxWorkerOptions): OutboxWorker {
  const retry = o.retry ?? DEFAULT_RETRY
  const leaseMs = o.leaseMs ?? 60_000
  const batchSize = o.batchSize ?? 16
  const intervalMs = (o.intervalSeconds ?? 2) * 1000
  const { db, queue } = o

  const claim = (now: number) =>
    queue.run(async (trx) => {
      // Security promise (no double sends): on PostgreSQL rows another instance is claiming right
      // now are skipped (SKIP LOCKED), and a claimed row carries a lease no other worker takes
      // until it lapses; a worker that died mid-delivery (kill -9) loses its rows that way only.
      const t: Db = trx
      const rows = await skipLocked(
        t
          .selectFrom('outbox')
          .selectAll()
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
          .orderBy('next_attempt_at')
          .limit(batchSize),
        t,
      ).execute()
      if (rows.length === 0) return []
      await trx
        .updateTable('outbox')
        .set({ lease_until: now + leaseMs })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
      return rows.map((r) => ({ ...r, lease_until: now + leaseMs }))
    })

  const record = (row: OutboxRow, channel: ChannelRow | undefined, outcome: DeliveryOutcome) =>
    queue.run(async (trx) => {
      const now = o.clock()
      if (!channel) {
        await trx
          .updateTable('outbox')
          .set({
            status: 'dropped',
            done_at: now,
            lease_until: null,
            last_error: 'channel removed',
            address: null,
          })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .execute()
        return 'dropped' as const
      }
      if (outcome.ok) {
        await trx
          .updateTable('outbox')
          .set({
            status: 'delivered',
            attempts: row.attempts + 1,
            done_at: now,
            lease_until: null,
            last_error: null,
            // A receipt's address is kept no longer than its delivery needs.
            address: null,
          })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .execute()
        if (channel.user_id)
          await trx
            .updateTable('notification_channels')
            .set({ last_success_at: now, consecutive_failures: 0 })
            .where('user_id', '=', channel.user_id)
            .where('kind', '=', channel.kind)
            .execute()
        return 'delivered' as const
      }
      const attempts = row.attempts + 1
      const delay = retryDelay(retry, attempts)
      const giveUp = now + delay - row.created_at > retry.giveUpAfterMs
      const updated = await trx
        .updateTable('outbox')
        .set(
          giveUp
            ? {
                status: 'failed',
                attempts,
                done_at: now,
                lease_until: null,
                last_error: outcome.error,
                address: null,
              }
            : {
                attempts,
                next_attempt_at: now + delay,
                lease_until: null,
                last_error: outcome.error,
              },
        )
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        // Our claim lapsed and another worker took the row: its outcome counts, not ours.
        .where('lease_until', '=', row.lease_until)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return 'stale' as const
      const userId = channel.user_id
      // A receipt's own address has no channel row to keep count on.
      if (!userId) return giveUp ? ('failed' as const) : ('retry' as const)
      await trx
        .updateTable('notification_channels')
        .set((eb) => ({
          last_failure_at: now,
          last_error: outcome.error,
          consecutive_failures: eb('consecutive_failures', '+', 1),
        }))
        .where('user_id', '=', userId)
        .where('kind', '=', channel.kind)
        .execute()
      const after = await trx
        .selectFrom('notification_channels')
        .select('consecutive_failures')
        .where('user_id', '=', userId)
        .where('kind', '=', channel.kind)
        .executeTakeFirst()
      // Exactly one failure reaches the threshold (row locks order the increments on PostgreSQL).
      if (after?.consecutive_failures === FAILING_AFTER)
        await o.onFailing?.(trx, { ...channel, user_id: userId }, FAILING_AFTER, outcome.error, now)
      return giveUp ? ('failed' as const) : ('retry' as const)
    })

  const channelOf = async (row: OutboxRow): Promise<ChannelRow | undefined> => {
    if (row.address !== null)
      return { user_id: null, kind: 'email', target: row.address, secret: null }
    if (row.user_id === null) return undefined
    return db
      .selectFrom('notification_channels')
      .select(['user_id', 'kind', 'target', 'secret'])
      .where('user_id', '=', row.user_id)
      .where('kind', '=', row.channel)
      .executeTakeFirst()
  }

  const deliverOne = async (row: OutboxRow) => {
    const channel = await channelOf(row)
    let outcome: DeliveryOutcome
    if (!channel) outcome = { ok: false, error: 'channel removed' }
    else {
      try {
        outcome = await o.deliver(channel, JSON.parse(row.payload) as NotificationEvent)
      } catch (err) {
        outcome = { ok: false, error: err instanceof Error ? err.name : 'delivery error' }
      }
    }
    const result = await record(row, channel, outcome)
    if (result === 'delivered') o.onDelivered?.(row.channel)
    else if (result === 'retry' || result === 'failed') o.onAttemptFailed?.(row.channel)
    if (result === 'failed') {
      o.onGaveUp?.(row.channel)
      o.logger?.warn('notification undeliverable', {
        channel: row.channel,
        type: row.type,
        attempts: row.attempts + 1,
      })
    }
  }

  let lastCleanup = 0
  const cleanup = async (now: number) => {
    if (now - lastCleanup < 3_600_000) return
    lastCleanup = now
    await queue.run(async (trx) => {
      const old = trx
        .selectFrom('outbox')
        .select('id')
        .where('done_at', '<', now - DONE_RETENTION_MS)
        .limit(500)
      await trx.deleteFrom('outbox').where('id', 'in', old).execute()
    })
  }

  const runOnce = async () => {
    const now = o.clock()
    const rows = await claim(now)
    await Promise.all(rows.map(deliverOne))
    await cleanup(now)
    return rows.length
  }

  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = true
  let again = false

  const schedule = (ms: number) => {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(tick, ms)
    // The worker alone must never keep the process alive.
    timer.unref()
  }
  const tick = () => {
    if (running) {
      again = true
      return
    }
    again = false
    running = (async () => {
      let full = false
      try {
        full = (await runOnce()) >= batchSize
      } catch (err) {
        o.logger?.error('outbox worker failed', {
          error: err instanceof Error ? err.name : 'unknown',
        })
      }
      running = undefined
      schedule(full || again ? 0 : intervalMs)
    })()
  }

  return {
    start() {
      if (!stopped) return
      stopped = false
      schedule(0)
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
    wake() {
      // Past the write queue's current batch, so the enqueueing transaction has committed.
      if (!stopped) schedule(10)
    },
    runOnce,
  }
}
