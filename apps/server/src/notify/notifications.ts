/**
 * @module Notifications (issue 12): an account's channels (webhook, alert email), the outbox that
 * carries events to them, the worker that delivers, test sends, and the alerts raised on the way.
 */
import type {
  ChannelStatus,
  NotificationDelivery,
  NotificationsResponse,
} from '@secretsentry/contract/types'
import type { ChannelKind, Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import { iso, isoOrNull } from '../http/validate.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import { insertAccountAudit } from '../audit/account-audit.queries.ts'
import type { Agent } from '../audit/account-audit.ts'
import type { ShareEndedHook } from '../share/tombstone.ts'
import { createEmailChannel, type EmailChannel } from './email.ts'
import { makeEvent, type NotificationEvent } from './events.ts'
import {
  createOutbox,
  createOutboxWorker,
  FAILING_AFTER,
  type ChannelRow,
  type Outbox,
  type OutboxWorker,
  type RetryPolicy,
} from './outbox.ts'
import type { Lookup } from './ssrf.ts'
import { sendWebhook, type DeliveryOutcome } from './webhook.ts'

/** Detail of the audit `alert` written when a webhook keeps failing (the Activity page words it). */
export const WEBHOOK_FAILING_DETAIL = 'webhook deliveries failing'

/** One webhook POST or SMTP exchange may take this long. */
export const DELIVERY_TIMEOUT_MS = 10_000

export interface NotificationOptions {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  logger: Logger
  metrics: Metrics
  allowPrivate: boolean
  smtpUrl: string | null
  mailFrom: string | null
  /** Tests: a short retry schedule, a resolver that answers what they need, a lease. */
  retry?: RetryPolicy
  lookup?: Lookup
  leaseMs?: number
  intervalSeconds?: number
  /** Seconds since the epoch for webhook-timestamp: receivers compare it with their own clock. */
  wallClock?: () => number
}

export interface Notifications {
  outbox: Outbox
  worker: OutboxWorker
  emailAvailable: boolean
  deliver(channel: ChannelRow, event: NotificationEvent): Promise<DeliveryOutcome>
  /** The failed-access alert: audit row already written by the caller; this enqueues the event. */
  failedAccessAlert(
    trx: Db,
    userId: Buffer,
    failures: number,
    windowMinutes: number,
    at: number,
  ): Promise<void>
  /**
   * The login-from-a-new-client alert: audit row already written by the caller; this counts it
   * and enqueues the event to the account's channels.
   */
  newLoginAlert(trx: Db, userId: Buffer, client: Agent, at: number): Promise<void>
  tokenNewAddressAlert(trx: Db, userId: Buffer, token: string, at: number): Promise<void>
  /**
   * The receipt a share's creator asked for, enqueued in the transaction that ended the share
   * (a ShareEndedHook): once per ending, since only one statement deletes a share's row.
   */
  shareEnded: ShareEndedHook
  /** Whether the account has a channel this server can deliver to (receipts need one). */
  hasChannel(userId: Buffer): Promise<boolean>
  status(userId: Buffer): Promise<NotificationsResponse>
  close(): Promise<void>
}

async function usernameOf(db: Db, userId: Buffer): Promise<string> {
  const row = await db
    .selectFrom('users')
    .select('username')
    .where('id', '=', userId)
    .executeTakeFirst()
  return row?.username ?? 'unknown'
}

export function createNotifications(o: NotificationOptions): Notifications {
  const emailAvailable = o.smtpUrl !== null && o.mailFrom !== null
  const channels: ChannelKind[] = emailAvailable ? ['webhook', 'email'] : ['webhook']
  let email: Promise<EmailChannel> | undefined
  const wallClock = o.wallClock ?? (() => Math.floor(Date.now() / 1000))

  const deliver = async (
    channel: ChannelRow,
    event: NotificationEvent,
  ): Promise<DeliveryOutcome> => {
    if (channel.kind === 'webhook') {
      if (!channel.secret) return { ok: false, error: 'webhook has no secret' }
      return sendWebhook({
        url: channel.target,
        key: channel.secret,
        id: event.id,
        body: JSON.stringify(event),
        timestampSeconds: wallClock(),
        allowPrivate: o.allowPrivate,
        timeoutMs: DELIVERY_TIMEOUT_MS,
        ...(o.lookup ? { lookup: o.lookup } : {}),
      })
    }
    if (!emailAvailable) return { ok: false, error: 'this server has no SMTP_URL' }
    email ??= createEmailChannel({
      smtpUrl: o.smtpUrl as string,
      from: o.mailFrom as string,
      timeoutMs: DELIVERY_TIMEOUT_MS,
    })
    return (await email).send(channel.target, event)
  }

  const wake = { now: () => {} }
  const outbox = createOutbox({ channels, clock: o.clock, onEnqueued: () => wake.now() })

  const worker = createOutboxWorker({
    db: o.db,
    queue: o.queue,
    clock: o.clock,
    deliver,
    logger: o.logger,
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
    ...(o.intervalSeconds ? { intervalSeconds: o.intervalSeconds } : {}),
    onDelivered: (channel) => o.metrics.outboxDelivered.inc({ channel }),
    onAttemptFailed: (channel) => o.metrics.outboxAttemptFailures.inc({ channel }),
    onGaveUp: (channel) => o.metrics.outboxFailed.inc({ channel }),
    async onFailing(trx, channel, failures, lastError, at) {
      // Only webhooks raise it: an email channel that fails has nowhere else to say so.
      if (channel.kind !== 'webhook') return
      await insertAccountAudit(trx, {
        at,
        event: 'alert',
        result: 'ok',
        actor: 'system',
        user_id: channel.user_id,
        detail: `${WEBHOOK_FAILING_DETAIL}: ${failures} in a row`,
      })
      o.metrics.alerts.inc({ kind: 'webhook_failing' })
      const username = await usernameOf(trx, channel.user_id)
      await outbox.enqueue(
        trx,
        channel.user_id,
        makeEvent('webhook.failing', at, { username, failures, lastError }),
        ['email'],
      )
    },
  })

  wake.now = worker.wake

  const toStatus = (
    row: {
      target: string
      created_at: number
      last_success_at: number | null
      last_failure_at: number | null
      last_error: string | null
      consecutive_failures: number
    },
    pending: number,
  ): ChannelStatus => ({
    target: row.target,
    createdAt: iso(row.created_at),
    lastSuccessAt: isoOrNull(row.last_success_at),
    lastFailureAt: isoOrNull(row.last_failure_at),
    lastError: row.last_error,
    consecutiveFailures: row.consecutive_failures,
    pending,
  })

  return {
    outbox,
    worker,
    emailAvailable,
    deliver,
    async failedAccessAlert(trx, userId, failures, windowMinutes, at) {
      o.metrics.alerts.inc({ kind: 'failed_access' })
      const username = await usernameOf(trx, userId)
      await outbox.enqueue(
        trx,
        userId,
        makeEvent('alert.failed_access', at, { username, failures, windowMinutes }),
      )
    },
    async newLoginAlert(trx, userId, client, at) {
      o.metrics.alerts.inc({ kind: 'new_login' })
      const username = await usernameOf(trx, userId)
      await outbox.enqueue(trx, userId, makeEvent('alert.new_login', at, { username, client }))
    },
    async tokenNewAddressAlert(trx, userId, token, at) {
      o.metrics.alerts.inc({ kind: 'token_new_address' })
      const username = await usernameOf(trx, userId)
      await outbox.enqueue(
        trx,
        userId,
        makeEvent('alert.token_new_address', at, { username, token }),
      )
    },
    async shareEnded(trx, ended) {
      const { receipt } = ended
      // No receipt asked for: nothing to do, and no query (the request came with the deleted row).
      if (!receipt) return
      // Security promise: a receipt holds how and when the share ended and, only when its creator
      // chose so, their label; never the secret, the link or the key (the server has none of them).
      const event = makeEvent('share.ended', ended.at, {
        shareId: ended.shareId.toString('base64url'),
        how: ended.how,
        endedAt: iso(ended.at),
        createdAt: iso(ended.createdAt),
        expiresAt: iso(ended.expiresAt),
        maxViews: ended.maxViews,
        opens: ended.opens.map(iso),
        ...(receipt.label !== null ? { label: receipt.label } : {}),
      })
      if ('email' in receipt) await outbox.enqueueTo(trx, receipt.email, event)
      else await outbox.enqueue(trx, receipt.userId, event)
    },
    async hasChannel(userId) {
      const row = await o.db
        .selectFrom('notification_channels')
        .select('kind')
        .where('user_id', '=', userId)
        .where('kind', 'in', channels)
        .limit(1)
        .executeTakeFirst()
      return row !== undefined
    },
    async status(userId) {
      const rows = await o.db
        .selectFrom('notification_channels')
        .select([
          'kind',
          'target',
          'created_at',
          'last_success_at',
          'last_failure_at',
          'last_error',
          'consecutive_failures',
        ])
        .where('user_id', '=', userId)
        .execute()
      const pending = await o.db
        .selectFrom('outbox')
        .select(['channel', (eb) => eb.fn.countAll<number>().as('n')])
        .where('user_id', '=', userId)
        .where('status', '=', 'pending')
        .groupBy('channel')
        .execute()
      const pendingOf = (kind: ChannelKind) =>
        Number(pending.find((p) => p.channel === kind)?.n ?? 0)
      const recent = await o.db
        .selectFrom('outbox')
        .select([
          'event_id',
          'type',
          'channel',
          'status',
          'attempts',
          'last_error',
          'created_at',
          'next_attempt_at',
        ])
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(DELIVERIES_SHOWN)
        .execute()
      const webhook = rows.find((r) => r.kind === 'webhook')
      const mail = rows.find((r) => r.kind === 'email')
      return {
        webhook: webhook ? toStatus(webhook, pendingOf('webhook')) : null,
        email: mail ? toStatus(mail, pendingOf('email')) : null,
        emailAvailable,
        deliveries: recent.map((r): NotificationDelivery => ({
          id: r.event_id,
          type: r.type,
          channel: r.channel,
          status: r.status,
          attempts: r.attempts,
          lastError: r.last_error,
          createdAt: iso(r.created_at),
          nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
        })),
      }
    },
    async close() {
      await worker.stop()
      if (email) (await email).close()
    },
  }
}

/** Deliveries listed on the account page. */
const DELIVERIES_SHOWN = 20

export { FAILING_AFTER }
