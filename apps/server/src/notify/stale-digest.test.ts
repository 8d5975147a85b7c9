/** @module The daily digest of secrets due for rotation: counts only, once a day per account, on the Activity trail and in /metrics, exactly once across two instances. */
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
import {
  as,
  createSecret,
  registerUser,
  relogin,
  sealedBlob,
  secretBody,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'
import { startReceiver, type Receiver } from '../test/webhook-receiver.ts'
import { renderMail } from './email.ts'
import { makeEvent } from './events.ts'
import { DAY_MS, DIGEST_GAP_MS, DIGEST_SCAN_MS } from './stale-digest.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function app(options: Parameters<typeof makeTestApp>[0] = {}): Promise<TestApp> {
  const t = await makeTestApp({
    ...options,
    config: { webhookAllowPrivate: true, ...options.config },
    notify: { retry: { baseMs: 1000, capMs: 8000, giveUpAfterMs: 60_000 } },
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

async function withWebhook(t: TestApp, user: TestUser, r: Receiver): Promise<string> {
  const res = await t.call('/api/account/webhook', {
    ...jsonInit('PUT', { url: r.url }),
    headers: { ...user.auth, 'content-type': 'application/json' },
  })
  return ((await res.json()) as WebhookSetResponse).secret
}

const secret = (t: TestApp, user: TestUser, rotationDays?: number) =>
  createSecret(
    t,
    user,
    secretBody(user.folderId, rotationDays === undefined ? {} : { rotationDays }),
  )

const alerts = async (t: TestApp, user: TestUser) =>
  (
    await t.rows<{ detail: string; actor: string; result: string }>(
      "select detail, actor, result from audit where user_id = ? and event = 'alert' order by id",
      Buffer.from(user.userId, 'base64url'),
    )
  ).map((r) => r.detail)

const events = (r: Receiver) =>
  r.received.map((x) => JSON.parse(x.body) as { type: string; data: Record<string, unknown> })

describe('the stale secrets digest', () => {
  it('one notification with counts only, an alert on the Activity trail, and a count in /metrics', async () => {
    const t = await app()
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    const key = await withWebhook(t, alice, r)
    const monthly = await secret(t, alice, 30)
    const plain = await secret(t, alice)
    const yearly = await secret(t, alice, 365)
    // Nothing is due yet.
    expect(await t.staleDigest.runOnce()).toBe(0)
    t.clock.advance(100 * DAY_MS)
    expect(await t.staleDigest.runOnce()).toBe(1)
    await t.notifications.worker.runOnce()
    expect(r.received).toHaveLength(1)
    const { headers, body } = r.received[0]!
    expect(new Webhook(key).verify(body, headers as Record<string, string>)).toMatchObject({
      type: 'alert.stale_secrets',
      data: { username: 'alice', pastInterval: 1, olderThan90Days: 1, oldestDays: 100 },
    })
    // Security promise: counts, never which secrets (no id, no sealed metadata, no value).
    expect(Object.keys(JSON.parse(body).data).sort()).toEqual([
      'olderThan90Days',
      'oldestDays',
      'pastInterval',
      'username',
    ])
    for (const s of [monthly, plain, yearly]) {
      expect(body).not.toContain(s.summary.id)
      expect(body).not.toContain(s.body.meta.ciphertext.slice(0, 20))
      expect(body).not.toContain(s.body.value.ciphertext.slice(0, 20))
    }
    expect(await alerts(t, alice)).toEqual([
      'secrets due for rotation: 1 past their interval, 1 older than 90 days, oldest 100 days',
    ])
    // Sessions lapsed while the clock moved on.
    await relogin(t, alice)
    const audit = await (await t.call('/api/audit?event=alert', as(alice))).json()
    expect(audit).toMatchObject({
      events: [{ event: 'alert', actor: 'system', result: 'ok', secretId: null }],
    })
    expect(await scrapeMetrics(t)).toMatch(/secretsentry_alerts_total\{kind="stale_secrets"\} 1/)
    const status = (await (
      await t.call('/api/account/notifications', as(alice))
    ).json()) as NotificationsResponse
    expect(status.deliveries[0]).toMatchObject({ type: 'alert.stale_secrets', status: 'delivered' })
  })

  it('at most once a day per account, as long as secrets are due; none once they are rotated', async () => {
    const t = await app()
    const r = await receiver()
    const alice = await registerUser(t, 'alice')
    await withWebhook(t, alice, r)
    const { summary } = await secret(t, alice, 7)
    t.clock.advance(8 * DAY_MS)
    expect(await t.staleDigest.runOnce()).toBe(1)
    expect(await t.staleDigest.runOnce()).toBe(0)
    t.clock.advance(DIGEST_GAP_MS - 1)
    expect(await t.staleDigest.runOnce()).toBe(0)
    t.clock.advance(1)
    expect(await t.staleDigest.runOnce()).toBe(1)
    await t.notifications.worker.runOnce()
    expect(events(r).map((e) => e.data.oldestDays)).toEqual([8, 8])

    // A pending value does not count as rotated: the current one is what applications use.
    await relogin(t, alice)
    const pending = await t.call(
      `/api/secrets/${summary.id}`,
      jsonInit(
        'PUT',
        {
          value: { version: 2, wrappedKey: wrapped(), ciphertext: sealedBlob(), stage: 'pending' },
        },
        alice.auth,
      ),
    )
    expect(pending.status).toBe(200)
    t.clock.advance(DAY_MS)
    expect(await t.staleDigest.runOnce()).toBe(1)
    // Promoted: the new current version is a day old, well within its 7 days.
    await relogin(t, alice)
    await t.call(`/api/secrets/${summary.id}`, jsonInit('PUT', { promote: 'pending' }, alice.auth))
    t.clock.advance(DAY_MS)
    expect(await t.staleDigest.runOnce()).toBe(0)
    expect(await alerts(t, alice)).toHaveLength(3)
  })

  it('each account gets its own counts; deleted secrets, fresh ones and disabled accounts give none', async () => {
    const t = await app()
    const alice = await registerUser(t, 'alice')
    const bob = await registerUser(t, 'bob')
    const carol = await registerUser(t, 'carol')
    const dave = await registerUser(t, 'dave')
    await secret(t, alice)
    await secret(t, alice)
    const gone = await secret(t, bob)
    await secret(t, carol)
    await secret(t, dave, 30)
    await t.rows('update users set disabled_at = ? where username = ?', t.clock.now, 'carol')
    t.clock.advance(50 * DAY_MS)
    // Dave's secret is past its interval at 50 days; alice's have no interval and are not yet 90.
    expect(await t.staleDigest.runOnce()).toBe(1)
    expect(await alerts(t, dave)).toEqual([
      'secrets due for rotation: 1 past their interval, 0 older than 90 days, oldest 50 days',
    ])
    await relogin(t, bob)
    expect((await t.call(`/api/secrets/${gone.summary.id}`, as(bob, 'DELETE'))).status).toBe(200)
    t.clock.advance(41 * DAY_MS)
    expect(await t.staleDigest.runOnce()).toBe(2)
    expect(await alerts(t, alice)).toEqual([
      'secrets due for rotation: 0 past their interval, 2 older than 90 days, oldest 91 days',
    ])
    expect(await alerts(t, dave)).toHaveLength(2)
    expect(await alerts(t, bob)).toEqual([])
    expect(await alerts(t, carol)).toEqual([])
    // An account without channels still gets its Activity alert; nothing waits in the outbox.
    expect(await t.rows('select id from outbox')).toEqual([])
  })

  it('the background timer looks about once an hour, the first time soon after start', async () => {
    const t = await app({ config: { sweepIntervalSeconds: 1 } })
    const alice = await registerUser(t, 'alice')
    await secret(t, alice, 1)
    t.clock.advance(2 * DAY_MS)
    t.staleDigest.start()
    await expect.poll(() => alerts(t, alice), { timeout: 10_000 }).toHaveLength(1)
    // Half an hour before the day is up the tick looks and finds nothing to send yet; the ticks
    // of the next hour do not look again, so the digest waits for the hour's next look.
    t.clock.advance(DIGEST_GAP_MS - DIGEST_SCAN_MS / 2)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    t.clock.advance(DIGEST_SCAN_MS / 2)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await alerts(t, alice)).toHaveLength(1)
    t.clock.advance(DIGEST_SCAN_MS / 2)
    await expect.poll(() => alerts(t, alice), { timeout: 10_000 }).toHaveLength(2)
    t.staleDigest.stop()
  })
})

describe('two instances on one database', () => {
  it('send one digest per account, however often both look at once; the claim survives a restart', async () => {
    // SQLite: two apps on one file (as WORKERS > 1 share it); PostgreSQL: one schema.
    const file =
      TEST_BACKEND === 'sqlite'
        ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ss-digest-')), 'db.sqlite')
        : undefined
    const first = await app(file ? { file } : {})
    const second = await app(file ? { file } : { sameDatabaseAs: first })
    const r = await receiver()
    const users: TestUser[] = []
    for (let i = 0; i < 4; i++) {
      const u = await registerUser(first, `digest${i}`)
      await withWebhook(first, u, r)
      await secret(first, u, 1)
      users.push(u)
    }
    for (const t of [first, second]) t.clock.advance(3 * DAY_MS)
    for (let round = 0; round < 4; round++) {
      const sent = await Promise.all([first.staleDigest.runOnce(), second.staleDigest.runOnce()])
      expect(sent[0] + sent[1]).toBe(round === 0 ? 4 : 0)
    }
    for (let round = 0; round < 3; round++)
      await Promise.all([
        first.notifications.worker.runOnce(),
        second.notifications.worker.runOnce(),
      ])
    const names = events(r).map((e) => e.data.username)
    expect(names.sort()).toEqual(['digest0', 'digest1', 'digest2', 'digest3'])
    for (const u of users) expect(await alerts(first, u)).toHaveLength(1)

    // A third instance, as after a restart, starts from what the database remembers.
    const third = await app(file ? { file } : { sameDatabaseAs: first })
    third.clock.advance(3 * DAY_MS + DIGEST_GAP_MS / 2)
    expect(await third.staleDigest.runOnce()).toBe(0)
    third.clock.advance(DIGEST_GAP_MS / 2)
    expect(await third.staleDigest.runOnce()).toBe(4)
  })
})

describe('its mail', () => {
  const mail = (pastInterval: number, olderThan90Days: number) =>
    renderMail(
      makeEvent('alert.stale_secrets', 0, {
        username: 'alice',
        pastInterval,
        olderThan90Days,
        oldestDays: 40,
      }),
    )

  it('words the counts it has, in text and HTML, with no URL', () => {
    expect(mail(1, 0).text).toContain(
      'Account alice has 1 secret due for rotation: 1 past its rotation interval. The oldest value is 40 days old.',
    )
    expect(mail(0, 3).text).toContain(
      'Account alice has 3 secrets due for rotation: 3 without an interval and older than 90 days.',
    )
    const both = mail(2, 1)
    expect(both.subject).toBe('SecretSentry: secrets due for rotation')
    expect(both.html).toContain('2 past their rotation interval, and 1 without an interval')
    expect(both.text + both.html).not.toMatch(/https?:|:\/\/|www\./i)
  })
})
