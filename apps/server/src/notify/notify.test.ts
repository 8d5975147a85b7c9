/** @module Notifications end to end over app.request(): channels, the outbox worker, Standard Webhooks signatures checked independently, retries, SSRF, alerts, metrics. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import type { NotificationsResponse, WebhookSetResponse } from '@secretsentry/contract/types'
import {
  jsonInit,
  makeTestApp,
  scrapeMetrics,
  TEST_BACKEND,
  type TestApp,
} from '../test/test-app.ts'
import { as, errorOf, rand, registerUser, type TestUser } from '../test/vault-fixtures.ts'
import { startReceiver, verifyStandardWebhook, type Receiver } from '../test/webhook-receiver.ts'
import { makeEvent } from './events.ts'
import type { Lookup } from './ssrf.ts'

const RETRY = { baseMs: 1000, capMs: 8000, giveUpAfterMs: 60_000 }

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function app(options: Parameters<typeof makeTestApp>[0] = {}): Promise<TestApp> {
  const t = await makeTestApp({
    ...options,
    config: { webhookAllowPrivate: true, alertThreshold: 3, ...options.config },
    notify: { retry: RETRY, ...options.notify },
  })
  cleanups.push(async () => {
    await t.close()
    await t.db.destroy()
  })
  return t
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver()
  cleanups.push(() => r.close())
  return r
}

const setWebhook = async (t: TestApp, user: TestUser, body: Record<string, unknown>) =>
  t.call('/api/account/webhook', {
    ...jsonInit('PUT', body),
    headers: { ...user.auth, 'content-type': 'application/json' },
  })

const status = async (t: TestApp, user: TestUser) =>
  (await (await t.call('/api/account/notifications', as(user))).json()) as NotificationsResponse

/** Failed logins until the account's failed-access alert fires. */
async function failLogins(t: TestApp, user: TestUser, n = 3) {
  for (let i = 0; i < n; i++) {
    await t.call(
      '/api/login',
      jsonInit('POST', { username: user.username, authKey: rand(32) }),
      `203.0.113.${i}`,
    )
    await t.queue.drain()
  }
}

const independentVerify = verifyStandardWebhook

describe('webhook settings', () => {
  it('draws a whsec_ secret, shows it once, and reports the channel', async () => {
    const t = await app()
    const alice = await registerUser(t, 'alice')
    const res = await setWebhook(t, alice, { url: 'https://127.0.0.1:9/hook' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as WebhookSetResponse
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(body.webhook).toMatchObject({
      target: 'https://127.0.0.1:9/hook',
      consecutiveFailures: 0,
      pending: 0,
    })
    const s = await status(t, alice)
    expect(JSON.stringify(s)).not.toContain(body.secret.slice(6))
    expect(s.webhook?.target).toBe('https://127.0.0.1:9/hook')
    expect(s.emailAvailable).toBe(false)
  })

  it('accepts a given secret and refuses bad ones naming the field', async () => {
    const t = await app()
    const alice = await registerUser(t, 'alice')
    const secret = `whsec_${crypto.randomBytes(32).toString('base64')}`
    const ok = await setWebhook(t, alice, { url: 'http://127.0.0.1:9/h', secret })
    expect(((await ok.json()) as WebhookSetResponse).secret).toBe(secret)
    for (const bad of [
      'nope',
      'whsec_short',
      `whsec_${crypto.randomBytes(8).toString('base64')}`,
    ]) {
      const res = await setWebhook(t, alice, { url: 'http://127.0.0.1:9/h', secret: bad })
      expect(res.status).toBe(400)
      expect((await errorOf(res)).field).toBe('secret')
    }
    for (const url of ['ftp://example.com/x', 'not a url', 'https://user:pw@example.com/x', '']) {
      const res = await setWebhook(t, alice, { url })
      expect(res.status).toBe(400)
      expect((await errorOf(res)).field).toBe('url')
    }
  })

  it('needs a session', async () => {
    const t = await app()
    expect((await t.call('/api/account/notifications')).status).toBe(401)
    expect(
      (await t.call('/api/account/webhook', jsonInit('PUT', { url: 'https://example.com' })))
        .status,
    ).toBe(401)
  })
})

describe('SSRF: webhooks to loopback, private and link-local addresses are refused', () => {
  // A name that resolves to a private address, as an attacker's DNS would answer.
  const lookup: Lookup = async (host) => {
    if (host === 'internal.example') return [{ address: '10.1.2.3', family: 4 }]
    if (host === 'mixed.example')
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '::1', family: 6 },
      ]
    if (host === 'public.example') return [{ address: '93.184.216.34', family: 4 }]
    const { promises } = await import('node:dns')
    return promises.lookup(host, { all: true })
  }

  it.each([
    'http://127.0.0.1/x',
    'http://127.1.2.3:8080/x',
    'http://10.0.0.1/x',
    'http://172.16.5.4/x',
    'http://192.168.1.1/x',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/x',
    'http://0.0.0.0/x',
    'http://[::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[::ffff:a9fe:a9fe]/x',
    'http://[fe80::1]/x',
    'http://[fc00::1]/x',
    'http://[fd12:3456::1]/x',
    'http://[64:ff9b::a00:1]/x',
    'http://localhost:8080/x',
    'http://internal.example/x',
    'http://mixed.example/x',
  ])('%s', async (url) => {
    const t = await app({ config: { webhookAllowPrivate: false }, notify: { lookup } })
    const alice = await registerUser(t, 'alice')
    const res = await setWebhook(t, alice, { url })
    expect(res.status).toBe(400)
    const error = await errorOf(res)
    expect(error.field).toBe('url')
    expect(error.message).toMatch(/loopback, private or link-local/)
  })

  it('public addresses are accepted', async () => {
    const t = await app({ config: { webhookAllowPrivate: false }, notify: { lookup } })
    const alice = await registerUser(t, 'alice')
    for (const url of [
      'https://public.example/hook',
      'https://93.184.216.34/x',
      'https://[2606:4700::1]/x',
    ])
      expect((await setWebhook(t, alice, { url })).status).toBe(200)
  })

  it('is checked again at send time: a name that turned private gets nothing', async () => {
    let answer = '93.184.216.34'
    const rebinding: Lookup = async () => [{ address: answer, family: 4 }]
    const t = await app({ config: { webhookAllowPrivate: false }, notify: { lookup: rebinding } })
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    expect(
      (await setWebhook(t, alice, { url: `http://rebind.example:${r.port}/hook` })).status,
    ).toBe(200)
    answer = '127.0.0.1'
    const res = await t.call('/api/account/webhook/test', as(alice, 'POST'))
    expect(await res.json()).toMatchObject({
      delivered: false,
      error: expect.stringMatching(/^refused: /),
    })
    await failLogins(t, alice)
    await t.notifications.worker.runOnce()
    expect(r.received).toEqual([])
    expect((await status(t, alice)).deliveries[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringMatching(/^refused: .*127\.0\.0\.1/),
    })
  })
})

describe('delivery', () => {
  it('the failed-access alert reaches the webhook, signed as Standard Webhooks says', async () => {
    const t = await app()
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    const { secret } = (await (
      await setWebhook(t, alice, { url: r.url })
    ).json()) as WebhookSetResponse
    await failLogins(t, alice)
    expect(await t.notifications.worker.runOnce()).toBe(1)
    expect(r.received).toHaveLength(1)
    const { headers, body } = r.received[0]!
    // The standardwebhooks package and a check written here from the spec both accept it.
    const verified = new Webhook(secret).verify(body, headers as Record<string, string>)
    expect(independentVerify(secret, headers, body)).toBe(true)
    expect(
      independentVerify(`whsec_${crypto.randomBytes(32).toString('base64')}`, headers, body),
    ).toBe(false)
    expect(verified).toMatchObject({
      type: 'alert.failed_access',
      id: headers['webhook-id'],
      data: { username: 'alice', failures: 3, windowMinutes: 15 },
    })
    expect(headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{22}$/)
    expect(headers['content-type']).toBe('application/json')
    const s = await status(t, alice)
    expect(s.webhook).toMatchObject({
      consecutiveFailures: 0,
      lastSuccessAt: expect.any(String),
      pending: 0,
    })
    expect(s.deliveries).toEqual([
      expect.objectContaining({
        type: 'alert.failed_access',
        status: 'delivered',
        attempts: 1,
        lastError: null,
      }),
    ])
    // Nothing of the receiver's answer is kept.
    expect(JSON.stringify(await t.rows('select * from outbox'))).not.toContain('receiver body')
    // One alert per window: more failures send nothing more.
    await failLogins(t, alice, 2)
    expect(await t.notifications.worker.runOnce()).toBe(0)
    const metrics = await scrapeMetrics(t)
    expect(metrics).toMatch(/secretsentry_outbox_delivered_total\{channel="webhook"\} 1/)
    expect(metrics).toMatch(/secretsentry_alerts_total\{kind="failed_access"\} 1/)
    expect(metrics).toMatch(/secretsentry_outbox_pending\{channel="webhook"\} 0/)
  })

  it('receiver down: retried with backoff, then delivered once with the same id', async () => {
    const t = await app()
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    const { secret } = (await (
      await setWebhook(t, alice, { url: r.url })
    ).json()) as WebhookSetResponse
    r.status = 503
    await failLogins(t, alice)
    await t.notifications.worker.runOnce()
    r.status = 302
    t.clock.advance(RETRY.capMs)
    await t.notifications.worker.runOnce()
    // Not due yet: nothing is sent early.
    expect(await t.notifications.worker.runOnce()).toBe(0)
    let s = await status(t, alice)
    expect(s.webhook).toMatchObject({
      consecutiveFailures: 2,
      lastError: 'HTTP 302 (redirects are not followed)',
    })
    expect(s.deliveries[0]).toMatchObject({
      status: 'pending',
      attempts: 2,
      nextAttemptAt: expect.any(String),
    })
    expect(await scrapeMetrics(t)).toMatch(/secretsentry_outbox_pending\{channel="webhook"\} 1/)
    r.status = 200
    t.clock.advance(RETRY.capMs)
    await t.notifications.worker.runOnce()
    expect(r.received).toHaveLength(3)
    const ids = new Set(r.received.map((x) => x.headers['webhook-id']))
    expect(ids.size).toBe(1)
    expect(independentVerify(secret, r.received[2]!.headers, r.received[2]!.body)).toBe(true)
    s = await status(t, alice)
    expect(s.webhook).toMatchObject({ consecutiveFailures: 0 })
    expect(s.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 })
  })

  it('a receiver that never answers is retried until the event is a day old (here: RETRY.giveUpAfterMs), then failed', async () => {
    const t = await app()
    const r = await receiver()
    await r.close()
    const alice = await registerUser(t, 'alice')
    await setWebhook(t, alice, { url: r.url })
    await failLogins(t, alice)
    for (let i = 0; i < 30; i++) {
      await t.notifications.worker.runOnce()
      t.clock.advance(RETRY.capMs)
    }
    const s = await status(t, alice)
    expect(s.deliveries[0]).toMatchObject({
      status: 'failed',
      lastError: 'connection refused',
      nextAttemptAt: null,
    })
    expect(s.deliveries[0]!.attempts).toBeGreaterThan(5)
    expect(s.deliveries[0]!.attempts).toBeLessThan(15)
    const metrics = await scrapeMetrics(t)
    expect(metrics).toMatch(/secretsentry_outbox_failed_total\{channel="webhook"\} 1/)
    // Five failures in a row raise the webhook-failing alert on the Activity trail, once.
    const alerts = await t.rows<{ detail: string }>(
      "select detail from audit where event = 'alert' order by id",
    )
    expect(alerts.map((a) => a.detail)).toEqual([
      '3 failed logins or denied accesses within 15 minutes',
      'webhook deliveries failing: 5 in a row',
    ])
    expect(metrics).toMatch(/secretsentry_alerts_total\{kind="webhook_failing"\} 1/)
  })

  it('a worker that died holding a claim: the row is delivered once its lease lapses', async () => {
    const t = await app({ notify: { leaseMs: 30_000 } })
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    await setWebhook(t, alice, { url: r.url })
    await failLogins(t, alice)
    // As a claim by a process killed before it sent anything leaves the row.
    await t.rows('update outbox set lease_until = ?', t.clock.now + 30_000)
    expect(await t.notifications.worker.runOnce()).toBe(0)
    t.clock.advance(30_001)
    expect(await t.notifications.worker.runOnce()).toBe(1)
    expect(r.received).toHaveLength(1)
  })

  it('removing the webhook drops what was waiting for it', async () => {
    const t = await app()
    const alice = await registerUser(t, 'alice')
    await setWebhook(t, alice, { url: 'http://127.0.0.1:9/h' })
    await failLogins(t, alice)
    expect((await t.call('/api/account/webhook', as(alice, 'DELETE'))).status).toBe(204)
    expect(await t.notifications.worker.runOnce()).toBe(0)
    const s = await status(t, alice)
    expect(s.webhook).toBeNull()
    expect(s.deliveries[0]).toMatchObject({ status: 'dropped' })
  })

  it('test send: delivered now, signed, and answered with the outcome', async () => {
    const t = await app()
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    const { secret } = (await (
      await setWebhook(t, alice, { url: r.url })
    ).json()) as WebhookSetResponse
    const ok = await t.call('/api/account/webhook/test', as(alice, 'POST'))
    expect(await ok.json()).toEqual({ delivered: true, status: 204 })
    expect(
      new Webhook(secret).verify(
        r.received[0]!.body,
        r.received[0]!.headers as Record<string, string>,
      ),
    ).toMatchObject({
      type: 'webhook.test',
    })
    r.status = 500
    expect((await status(t, alice)).webhook).toMatchObject({ lastSuccessAt: expect.any(String) })
    const bad = await t.call('/api/account/webhook/test', as(alice, 'POST'))
    expect(await bad.json()).toEqual({ delivered: false, status: 500, error: 'HTTP 500' })
    expect((await status(t, alice)).webhook).toMatchObject({
      lastError: 'HTTP 500',
      consecutiveFailures: 0,
    })
    const bob = await registerUser(t, 'bob')
    expect((await t.call('/api/account/webhook/test', as(bob, 'POST'))).status).toBe(404)
  })
})

describe('two instances on one database', () => {
  it('deliver every event exactly once', async () => {
    // SQLite: two apps on one file (as WORKERS > 1 share it); PostgreSQL: one schema.
    const file =
      TEST_BACKEND === 'sqlite'
        ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ss-outbox-')), 'db.sqlite')
        : undefined
    const first = await app(file ? { file } : {})
    const second = await app(file ? { file } : { sameDatabaseAs: first })
    const r = await receiver()
    const users = [] as TestUser[]
    for (let i = 0; i < 4; i++) {
      const u = await registerUser(first, `multi${i}`)
      await setWebhook(first, u, { url: r.url })
      users.push(u)
    }
    // Events written through both instances, as a load balancer spreads requests.
    for (let i = 0; i < 12; i++) {
      const t = i % 2 === 0 ? first : second
      await t.queue.run((trx) =>
        t.notifications.outbox.enqueue(
          trx,
          Buffer.from(users[i % 4]!.userId, 'base64url'),
          makeEvent('webhook.test', t.clock.now, { username: 'x' }),
        ),
      )
    }
    // Both workers at once, again and again, until nothing is left.
    for (let round = 0; round < 5; round++)
      await Promise.all([
        first.notifications.worker.runOnce(),
        second.notifications.worker.runOnce(),
      ])
    const ids = r.received.map((x) => x.headers['webhook-id'])
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
  })
})
