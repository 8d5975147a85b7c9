/**
 * @module The new-client alert (issue 12): a log-in from a client (user-agent class + hashed
 * network) the account had not logged in from raises one `alert.new_login` to its channels, an
 * Activity row and a metric; registering, known clients and an account's first remembered
 * client raise none.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import type { AuditResponse, WebhookSetResponse } from '@secretsentry/contract/types'
import { renderMail } from '../notify/email.ts'
import type { NotificationEvent } from '../notify/events.ts'
import { jsonInit, makeTestApp, scrapeMetrics, type TestApp } from '../test/test-app.ts'
import { as, registerUser, type TestUser } from '../test/vault-fixtures.ts'
import { startReceiver, verifyStandardWebhook, type Receiver } from '../test/webhook-receiver.ts'

let t: TestApp
let r: Receiver
let alice: TestUser
let secret: string

beforeEach(async () => {
  t = await makeTestApp({ config: { webhookAllowPrivate: true } })
  r = await startReceiver()
  alice = await registerUser(t, 'alice')
  const set = await t.call('/api/account/webhook', jsonInit('PUT', { url: r.url }, alice.auth))
  secret = ((await set.json()) as WebhookSetResponse).secret
  // The first log-in after registering raises none in any case (tested below): past it.
  t.clock.advance(60_000)
  await login(alice.address)
})
afterEach(async () => {
  await r.close()
  await t.close()
  await t.db.destroy()
})

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0'
const CURL = 'curl/8.5.0'

async function login(address: string, userAgent?: string, user = alice): Promise<void> {
  const res = await t.call(
    '/api/login',
    jsonInit(
      'POST',
      { username: user.username, authKey: user.authKey, session: 'bearer' },
      userAgent ? { 'user-agent': userAgent } : {},
    ),
    address,
  )
  expect(res.status, await res.clone().text()).toBe(200)
}

const alerts = async () =>
  (
    (await (await t.call('/api/audit?event=alert', as(alice))).json()) as AuditResponse
  ).events.filter((e) => e.detail === 'login from a new client')

const newLoginEvents = async () => {
  await t.notifications.worker.runOnce()
  return r.received
    .map((h) => ({ ...h, event: JSON.parse(h.body) as NotificationEvent }))
    .filter((h) => h.event.type === 'alert.new_login')
}

const userId = () => Buffer.from(alice.userId, 'base64url')

const newLoginMetric = async () =>
  /secretsentry_alerts_total\{kind="new_login"\} (\d+)/.exec(await scrapeMetrics(t))?.[1] ?? '0'

describe('log-in from a new client', () => {
  it('registering and logging in again from the same client raise nothing', async () => {
    await login(alice.address)
    await login(alice.address)
    expect(await alerts()).toEqual([])
    expect(await newLoginEvents()).toEqual([])
    expect(await newLoginMetric()).toBe('0')
  })

  it('another network raises one alert: Activity, the webhook (signed), /metrics; then it is known', async () => {
    await login('203.0.113.7', BROWSER)
    const rows = await alerts()
    expect(rows).toEqual([
      expect.objectContaining({
        event: 'alert',
        actor: 'system',
        result: 'ok',
        client: expect.objectContaining({ agent: 'browser' }),
      }),
    ])
    const events = await newLoginEvents()
    expect(events).toHaveLength(1)
    const { headers, body } = events[0]!
    expect(verifyStandardWebhook(secret, headers, body)).toBe(true)
    expect(new Webhook(secret).verify(body, headers as Record<string, string>)).toMatchObject({
      type: 'alert.new_login',
      data: { username: 'alice', client: 'browser' },
    })
    // Never the address, not even hashed.
    expect(body).not.toContain('203.0.113')
    expect(await newLoginMetric()).toBe('1')

    await login('203.0.113.7', BROWSER)
    expect(await alerts()).toHaveLength(1)
    expect(await newLoginEvents()).toHaveLength(1)
  })

  it('the same network with another kind of client is a new client too', async () => {
    await login(alice.address, CURL)
    expect(await alerts()).toHaveLength(1)
    expect((await newLoginEvents())[0]?.event).toMatchObject({ data: { client: 'cli' } })
  })

  it('the first log-in after registering raises none, from any client; the next new client does', async () => {
    const bob = await registerUser(t, 'bob')
    t.clock.advance(60_000)
    await login('203.0.113.40', CURL, bob)
    await login('203.0.113.41', CURL, bob)
    const rows = ((await (await t.call('/api/audit?event=alert', as(bob))).json()) as AuditResponse)
      .events
    expect(rows).toHaveLength(1)
    expect(rows[0]?.detail).toBe('login from a new client')
  })

  it('an account with no remembered client (made before they were kept) learns its first silently', async () => {
    await t.rows('delete from login_clients where user_id = ?', userId())
    await login('203.0.113.8')
    expect(await alerts()).toEqual([])
    await login('203.0.113.9')
    expect(await alerts()).toHaveLength(1)
  })

  it('two log-ins at once from one new client raise one alert', async () => {
    await Promise.all([login('203.0.113.20', CURL), login('203.0.113.20', CURL)])
    expect(await alerts()).toHaveLength(1)
    expect(await newLoginEvents()).toHaveLength(1)
  })

  it('the mail says what happened and what to do, without an address or a link', () => {
    const mail = renderMail({
      type: 'alert.new_login',
      id: 'msg_x',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { username: 'alice', client: 'cli' },
    })
    expect(mail.subject).toBe('SecretSentry: log-in from a new client')
    expect(mail.text).toContain('Account alice logged in from the command line')
    expect(mail.text).toContain('change your master password')
    expect(mail.text).not.toMatch(/https?:|:\/\/|www\./)
  })

  it('clients unused for a year are forgotten by the sweeper', async () => {
    await login('203.0.113.30')
    expect(
      await t.rows('select agent from login_clients where user_id = ?', userId()),
    ).toHaveLength(2)
    t.clock.advance(366 * 86_400_000)
    await login('203.0.113.30')
    await t.vaultSweeper.runOnce()
    expect(
      await t.rows('select agent from login_clients where user_id = ?', userId()),
    ).toHaveLength(1)
  })
})
