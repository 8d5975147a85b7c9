/** @module The account's notification settings API (issue 12): webhook URL and secret, alert email, test sends, delivery status. */
import { Hono, type MiddlewareHandler } from 'hono'
import type { ChannelTestResponse, WebhookSetResponse } from '@secretsentry/contract/types'
import type { ChannelKind } from '../db/database.ts'
import { ApiError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import { invalid, parseWith } from '../http/validate.ts'
import { contract } from '../http/contract.ts'
import type { SessionEnv } from '../session/session.ts'
import { makeEvent } from './events.ts'
import type { Notifications } from './notifications.ts'
import { resolveWebhookTarget, WebhookUrlError, type Lookup } from './ssrf.ts'
import { formatWebhookSecret, newWebhookSecret, parseWebhookSecret } from './webhook.ts'

export interface NotifyRouteOptions {
  notifications: Notifications
  db: import('../db/database.ts').Db
  queue: import('../db/write-queue.ts').WriteQueue<import('../db/database.ts').Database>
  clock: () => number
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
  /** Test sends make this server open a connection: spent per address. */
  testLimit: MiddlewareHandler
  allowPrivate: boolean
  lookup?: Lookup
}

const BODY_BYTES = 8 * 1024

export function notifyRoutes(o: NotifyRouteOptions): Hono<SessionEnv> {
  const { db, queue, notifications } = o

  const channelOf = (userId: Buffer, kind: ChannelKind) =>
    db
      .selectFrom('notification_channels')
      .select(['user_id', 'kind', 'target', 'secret'])
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .executeTakeFirst()

  /** Saving a channel replaces the old one: its status starts afresh; undelivered rows follow the new target. */
  const save = (userId: Buffer, kind: ChannelKind, target: string, secret: Buffer | null) =>
    queue.run(async (trx) => {
      const now = o.clock()
      await trx
        .deleteFrom('notification_channels')
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .execute()
      await trx
        .insertInto('notification_channels')
        .values({
          user_id: userId,
          kind,
          target,
          secret,
          created_at: now,
          last_success_at: null,
          last_failure_at: null,
          last_error: null,
          consecutive_failures: 0,
        })
        .execute()
    })

  const remove = (userId: Buffer, kind: ChannelKind) =>
    queue.run(async (trx) => {
      await trx
        .deleteFrom('notification_channels')
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .execute()
      // Nothing left to deliver them to.
      await trx
        .updateTable('outbox')
        .set({
          status: 'dropped',
          done_at: o.clock(),
          lease_until: null,
          last_error: 'channel removed',
        })
        .where('user_id', '=', userId)
        .where('channel', '=', kind)
        .where('status', '=', 'pending')
        .execute()
    })

  const usernameOf = async (userId: Buffer) =>
    (await db.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirst())
      ?.username ?? 'unknown'

  const test = async (userId: Buffer, kind: ChannelKind): Promise<ChannelTestResponse> => {
    const channel = await channelOf(userId, kind)
    if (!channel)
      throw new ApiError(
        404,
        'not_found',
        kind === 'webhook' ? 'No webhook is set' : 'No alert email is set',
      )
    const event = makeEvent(kind === 'webhook' ? 'webhook.test' : 'email.test', o.clock(), {
      username: await usernameOf(userId),
    })
    // Sent now, not through the outbox: the person pressing the button wants the answer.
    const outcome = await notifications.deliver(channel, event)
    // Shown as the channel's last success or failure; the failures-in-a-row count is the
    // outbox's alone, so pressing the button cannot raise or silence the failing alert.
    await queue.run(async (trx) => {
      await trx
        .updateTable('notification_channels')
        .set(
          outcome.ok
            ? { last_success_at: o.clock() }
            : { last_failure_at: o.clock(), last_error: outcome.error },
        )
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .execute()
    })
    return outcome.ok
      ? { delivered: true, status: outcome.status }
      : {
          delivered: false,
          error: outcome.error,
          ...(outcome.status ? { status: outcome.status } : {}),
        }
  }

  return new Hono<SessionEnv>()
    .get('/account/notifications', o.session, async (c) => {
      return c.json(await notifications.status(c.var.session.userId), 200)
    })
    .put('/account/webhook', o.sameOrigin, o.session, async (c) => {
      const body = parseWith(
        (await contract()).webhookSetRequest,
        await readJsonBody(c, BODY_BYTES),
      )
      // Refused now, not only at send time, so the person setting it learns why at once.
      try {
        await resolveWebhookTarget(body.url, {
          allowPrivate: o.allowPrivate,
          ...(o.lookup ? { lookup: o.lookup } : {}),
        })
      } catch (err) {
        if (err instanceof WebhookUrlError) throw invalid('url', `url: ${err.message}`)
        throw err
      }
      let key: Buffer
      if (body.secret === undefined) key = newWebhookSecret()
      else {
        try {
          key = parseWebhookSecret(body.secret)
        } catch (err) {
          throw invalid('secret', `secret: ${(err as Error).message}`)
        }
      }
      const { userId } = c.var.session
      await save(userId, 'webhook', body.url, key)
      const status = await notifications.status(userId)
      const response: WebhookSetResponse = {
        webhook: status.webhook as NonNullable<typeof status.webhook>,
        // The only time the secret leaves the server: the page shows it once.
        secret: formatWebhookSecret(key),
      }
      return c.json(response, 200)
    })
    .delete('/account/webhook', o.sameOrigin, o.session, async (c) => {
      await remove(c.var.session.userId, 'webhook')
      return c.body(null, 204)
    })
    .post('/account/webhook/test', o.sameOrigin, o.testLimit, o.session, async (c) => {
      return c.json(await test(c.var.session.userId, 'webhook'), 200)
    })
    .put('/account/email', o.sameOrigin, o.session, async (c) => {
      const body = parseWith((await contract()).emailSetRequest, await readJsonBody(c, BODY_BYTES))
      if (!notifications.emailAvailable)
        throw new ApiError(
          409,
          'conflict',
          'This server sends no mail (its administrator has not set SMTP_URL)',
        )
      const { userId } = c.var.session
      await save(userId, 'email', body.address, null)
      return c.json(await notifications.status(userId), 200)
    })
    .delete('/account/email', o.sameOrigin, o.session, async (c) => {
      await remove(c.var.session.userId, 'email')
      return c.body(null, 204)
    })
    .post('/account/email/test', o.sameOrigin, o.testLimit, o.session, async (c) => {
      return c.json(await test(c.var.session.userId, 'email'), 200)
    })
}
