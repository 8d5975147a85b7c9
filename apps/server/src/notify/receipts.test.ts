/**
 * @module Receipts a share's creator asks for at creation (issue 12): mailed through a real SMTP
 * server or sent to the account's webhook (checked as Standard Webhooks says, independently),
 * once per ending, in the ending's transaction; never the secret, the link or the key; the
 * address forgotten once delivered; the instance policy's domains enforced.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import type { InstancePolicy, PublicPolicy, WebhookSetResponse } from '@secretsentry/contract/types'
import { decodedMail, startSmtp, subjectOf, type SmtpReceiver } from '../test/smtp-receiver.ts'
import {
  b64url,
  jsonInit,
  makeTestApp,
  openInit,
  shareFixture,
  TEST_BACKEND,
  type ShareFixture,
  type TestApp,
  type TestAppOptions,
} from '../test/test-app.ts'
import { as, errorOf, registerUser, secretBody, type TestUser } from '../test/vault-fixtures.ts'
import { startReceiver, verifyStandardWebhook, type Receiver } from '../test/webhook-receiver.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function smtp(): Promise<SmtpReceiver> {
  const server = await startSmtp()
  cleanups.push(() => server.close())
  return server
}

async function app(mail: SmtpReceiver | null, options: TestAppOptions = {}): Promise<TestApp> {
  const t = await makeTestApp({
    ...options,
    config: {
      webhookAllowPrivate: true,
      adminUsers: ['root'],
      smtpUrl: mail ? `smtp://127.0.0.1:${mail.port}` : null,
      mailFrom: mail ? 'SecretSentry <receipts@example.test>' : null,
      ...options.config,
    },
    notify: { retry: { baseMs: 1000, capMs: 1000, giveUpAfterMs: 60_000 } },
  })
  cleanups.push(async () => {
    await t.close()
    await t.db.destroy()
  })
  return t
}

const RECIPIENT = 'creator@example.test'

async function create(
  t: TestApp,
  fixture: ShareFixture,
  headers: Record<string, string> = {},
): Promise<{ id: string; manageToken: string; expiresAt: string }> {
  const res = await t.call('/api/share', jsonInit('POST', fixture.body, headers))
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as { id: string; manageToken: string; expiresAt: string }
}

const open = (t: TestApp, f: ShareFixture, access = f.access) =>
  t.call(`/api/share/${f.id}/open`, openInit(access))

const status = async (t: TestApp, id: string, token: string) =>
  (await (
    await t.call(`/api/share/${id}/status`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { state: string; opens: unknown[] }

/** Every stored value of every table as text, to look for what must be gone. */
async function everything(t: TestApp): Promise<string> {
  const tables =
    TEST_BACKEND === 'postgres'
      ? await t.rows<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
        )
      : await t.rows<{ name: string }>("select name from sqlite_master where type = 'table'")
  const parts: string[] = []
  for (const { name } of tables)
    for (const row of await t.rows(`select * from ${name}`))
      for (const v of Object.values(row))
        parts.push(Buffer.isBuffer(v) || v instanceof Uint8Array ? b64url(v) : String(v))
  return parts.join('\n')
}

/** Nothing of the share's secret material in `text`: ciphertext, access, verifier, manage token. */
function expectNoSecretMaterial(text: string, f: ShareFixture, manageToken: string) {
  expect(text).not.toContain(f.ciphertext.slice(0, 40))
  expect(text).not.toContain(f.access)
  expect(text).not.toContain(f.verifier)
  expect(text).not.toContain(manageToken)
  // No link of any kind: a receipt never carries one.
  expect(text).not.toMatch(/https?:|:\/\/|www\.|\/s#/i)
}

async function setPolicy(t: TestApp, root: TestUser, policy: Partial<InstancePolicy>) {
  const full: InstancePolicy = {
    registration: 'open',
    anonymousShares: true,
    maxShareBytes: 1_048_576,
    maxExpirySeconds: 30 * 86400,
    receiptEmailDomains: [],
    ...policy,
  }
  const res = await t.call('/api/admin/policy', jsonInit('PUT', full, root.auth))
  expect(res.status, await res.clone().text()).toBe(200)
}

describe('receipts by email', () => {
  it('create → open: the receipt is mailed once, with the label asked for, and no secret, link or key', async () => {
    const mail = await smtp()
    const t = await app(mail)
    const f = shareFixture({
      receipt: { to: 'email', email: RECIPIENT, label: 'Staging DB for Alex' },
    })
    const made = await create(t, f)
    // Held in clear while the share lives (the create form says so) ...
    expect(await t.rows('select receipt_email from shares')).toEqual([{ receipt_email: RECIPIENT }])
    t.clock.advance(60_000)
    expect((await open(t, f)).status).toBe(200)
    expect(await t.notifications.worker.runOnce()).toBe(1)
    expect(await t.notifications.worker.runOnce()).toBe(0)
    expect(mail.mails).toHaveLength(1)
    const got = mail.mails[0]!
    expect(got.to).toEqual([RECIPIENT])
    const text = decodedMail(got.raw)
    expect(subjectOf(got.raw)).toBe('SecretSentry: your secret link was read')
    expect(text).toContain('Your secret link "Staging DB for Alex"')
    expect(text).toContain('whoever created this SecretSentry link asked for a receipt')
    expectNoSecretMaterial(text, f, made.manageToken)
    // ... and forgotten once the receipt is delivered: no table holds the address any more.
    expect(await everything(t)).not.toContain(RECIPIENT)
    const [row] = await t.rows<{ status: string; address: string | null; user_id: unknown }>(
      'select status, address, user_id from outbox',
    )
    expect(row).toEqual({ status: 'delivered', address: null, user_id: null })
  })

  it('without the label checkbox the receipt names no label', async () => {
    const mail = await smtp()
    const t = await app(mail)
    const f = shareFixture({ receipt: { to: 'email', email: RECIPIENT } })
    await create(t, f)
    await open(t, f)
    await t.notifications.worker.runOnce()
    const text = decodedMail(mail.mails[0]!.raw)
    expect(text).toContain('Your secret link (created')
    expect(text).not.toMatch(/link "/)
  })

  it('expired unread: the sweeper ends it, status says so, and the receipt says "expired unread"', async () => {
    const mail = await smtp()
    const t = await app(mail)
    const f = shareFixture({ ttlSeconds: 300, receipt: { to: 'email', email: RECIPIENT } })
    const made = await create(t, f)
    t.clock.advance(301_000)
    // Nothing is sent before the sweeper ends the share.
    expect(await t.notifications.worker.runOnce()).toBe(0)
    expect(await t.sweeper.runOnce()).toBe(1)
    expect(await status(t, made.id, made.manageToken)).toMatchObject({
      state: 'expired',
      opens: [],
    })
    await t.notifications.worker.runOnce()
    expect(mail.mails).toHaveLength(1)
    expect(subjectOf(mail.mails[0]!.raw)).toBe('SecretSentry: your secret link expired unread')
    expect(decodedMail(mail.mails[0]!.raw)).toContain('expired unread at')
    expectNoSecretMaterial(decodedMail(mail.mails[0]!.raw), f, made.manageToken)
    expect(await everything(t)).not.toContain(RECIPIENT)
  })

  it('deleted by its owner, and destroyed after wrong tries: one receipt each, saying how', async () => {
    const mail = await smtp()
    const t = await app(mail)
    const deleted = shareFixture({ receipt: { to: 'email', email: RECIPIENT } })
    const d = await create(t, deleted)
    const del = await t.call(`/api/share/${deleted.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${d.manageToken}` },
    })
    expect(del.status).toBe(204)
    const guarded = shareFixture({ receipt: { to: 'email', email: 'other@example.test' } })
    await create(t, guarded)
    for (let i = 0; i < 5; i++) await open(t, guarded, b64url(crypto.randomBytes(32)))
    await t.notifications.worker.runOnce()
    const byRecipient = new Map(mail.mails.map((m) => [m.to[0], subjectOf(m.raw)]))
    expect(byRecipient).toEqual(
      new Map([
        [RECIPIENT, 'SecretSentry: your secret link was deleted'],
        ['other@example.test', 'SecretSentry: your secret link was destroyed'],
      ]),
    )
  })

  it('the outbox row commits with the burn: exactly one receipt, and none for shares that did not ask', async () => {
    const mail = await smtp()
    const t = await app(mail)
    const plain = shareFixture()
    const asked = shareFixture({ receipt: { to: 'email', email: RECIPIENT } })
    await create(t, plain)
    await create(t, asked)
    // The burn path of a share without a receipt request runs no statement more than the one
    // with a request, less its outbox insert: the request comes back with the deleted row.
    const before = t.queries()
    expect((await open(t, plain)).status).toBe(200)
    const plainCost = t.queries() - before
    const middle = t.queries()
    expect((await open(t, asked)).status).toBe(200)
    expect(t.queries() - middle).toBe(plainCost + 1)
    expect(await t.rows('select type from outbox')).toEqual([{ type: 'share.ended' }])
    // Opening again is a 404 and enqueues nothing more.
    expect((await open(t, asked)).status).toBe(404)
    expect(await t.rows('select type from outbox')).toHaveLength(1)
  })
})

describe('receipts to the account channels', () => {
  it('create (logged in) → open: the webhook gets the receipt once, signed as Standard Webhooks says', async () => {
    const t = await app(null)
    const r: Receiver = await startReceiver()
    cleanups.push(() => r.close())
    const alice = await registerUser(t, 'alice')
    const set = await t.call('/api/account/webhook', jsonInit('PUT', { url: r.url }, alice.auth))
    const { secret } = (await set.json()) as WebhookSetResponse
    const f = shareFixture({ maxViews: 2, receipt: { to: 'account' } })
    const made = await create(t, f, alice.auth)
    expect((await open(t, f)).status).toBe(200)
    await t.notifications.worker.runOnce()
    expect(r.received).toHaveLength(0)
    t.clock.advance(5000)
    expect((await open(t, f)).status).toBe(200)
    await t.notifications.worker.runOnce()
    await t.notifications.worker.runOnce()
    expect(r.received).toHaveLength(1)
    const { headers, body } = r.received[0]!
    // The standardwebhooks package and a check written from the specification both accept it.
    const verified = new Webhook(secret).verify(body, headers as Record<string, string>)
    expect(verifyStandardWebhook(secret, headers, body)).toBe(true)
    expect(verified).toMatchObject({
      type: 'share.ended',
      id: headers['webhook-id'],
      data: { shareId: f.id, how: 'read', maxViews: 2 },
    })
    const data = (verified as { data: Record<string, unknown> }).data
    expect(data['opens']).toHaveLength(2)
    expect(data).not.toHaveProperty('label')
    expectNoSecretMaterial(body.replace(`"shareId":"${f.id}"`, ''), f, made.manageToken)
    // The account page lists it.
    const s = (await (await t.call('/api/account/notifications', as(alice))).json()) as {
      deliveries: { type: string; status: string }[]
    }
    expect(s.deliveries).toEqual([
      expect.objectContaining({ type: 'share.ended', status: 'delivered' }),
    ])
  })

  it('shares made from a vault secret take a receipt too', async () => {
    const t = await app(null)
    const r = await startReceiver()
    cleanups.push(() => r.close())
    const alice = await registerUser(t, 'alice')
    await t.call('/api/account/webhook', jsonInit('PUT', { url: r.url }, alice.auth))
    const secret = await t.call(
      '/api/secrets',
      jsonInit('POST', secretBody(alice.folderId), alice.auth),
    )
    const { id } = (await secret.json()) as { id: string }
    const f = shareFixture({ receipt: { to: 'account', label: 'prod key' } })
    const res = await t.call(`/api/secrets/${id}/share`, jsonInit('POST', f.body, alice.auth))
    expect(res.status).toBe(201)
    const revoke = await t.call(`/api/secrets/${id}/shares/${f.id}`, as(alice, 'DELETE'))
    expect(revoke.status).toBe(204)
    await t.notifications.worker.runOnce()
    expect(r.received).toHaveLength(1)
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'share.ended',
      data: { how: 'deleted', label: 'prod key' },
    })
  })
})

describe('what a receipt request may be', () => {
  it('refuses bad requests with a 4xx naming the field, and stores nothing', async () => {
    const mail = await smtp()
    const t = await app(mail)
    const root = await registerUser(t, 'root')
    const noChannels = await registerUser(t, 'bob')
    await setPolicy(t, root, { receiptEmailDomains: ['example.org'] })
    const cases: [ShareFixture['body']['receipt'], Record<string, string>, number, string][] = [
      [{ to: 'email', email: RECIPIENT }, {}, 400, 'receipt.email'],
      [{ to: 'email', email: 'someone@sub.example.org' }, {}, 400, 'receipt.email'],
      [{ to: 'email', email: 'not an address' }, {}, 400, 'receipt.email'],
      [
        { to: 'email', email: 'a@example.org', label: 'see https://evil.test' },
        {},
        400,
        'receipt.label',
      ],
      [{ to: 'email', email: 'a@example.org', label: 'two\nlines' }, {}, 400, 'receipt.label'],
      [{ to: 'email', email: 'a@example.org', label: 'x'.repeat(81) }, {}, 400, 'receipt.label'],
      [{ to: 'account' }, noChannels.auth, 400, 'receipt.to'],
    ]
    for (const [receipt, headers, code, field] of cases) {
      const res = await t.call(
        '/api/share',
        jsonInit('POST', shareFixture({ receipt }).body, headers),
      )
      expect(res.status, JSON.stringify(receipt)).toBe(code)
      expect((await errorOf(res)).field, JSON.stringify(receipt)).toBe(field)
    }
    // Unknown kinds and fields name the field too.
    for (const receipt of [{ to: 'sms' }, { to: 'email', email: 'a@example.org', cc: 'x' }]) {
      const body = { ...shareFixture().body, receipt }
      const res = await t.call('/api/share', jsonInit('POST', body))
      expect(res.status).toBe(400)
      expect((await errorOf(res)).field).toMatch(/^receipt\./)
    }
    // A receipt to the account needs a valid session, even where anonymous shares are allowed.
    const anon = await t.call(
      '/api/share',
      jsonInit('POST', shareFixture({ receipt: { to: 'account' } }).body),
    )
    expect(anon.status).toBe(401)
    expect(await t.rows('select id from shares')).toEqual([])
    // An allowed domain (exact match, any case) is accepted.
    await create(t, shareFixture({ receipt: { to: 'email', email: 'Ops@Example.ORG' } }))
  })

  it('a server without SMTP takes no email receipts, and /api/policy says so', async () => {
    const t = await app(null)
    const res = await t.call(
      '/api/share',
      jsonInit('POST', shareFixture({ receipt: { to: 'email', email: RECIPIENT } }).body),
    )
    expect(res.status).toBe(409)
    expect((await errorOf(res)).field).toBe('receipt.to')
    expect(await t.rows('select id from shares')).toEqual([])
    const policy = (await (await t.call('/api/policy')).json()) as PublicPolicy
    expect(policy.receipts).toEqual({ email: false, emailDomains: [] })
    const mail = await smtp()
    const withMail = await app(mail)
    const root = await registerUser(withMail, 'root')
    await setPolicy(withMail, root, { receiptEmailDomains: ['example.test'] })
    const p = (await (await withMail.call('/api/policy')).json()) as PublicPolicy
    expect(p.receipts).toEqual({ email: true, emailDomains: ['example.test'] })
  })
})

describe('the outbox invariant', () => {
  it('a pending row has an account or an address, never both, on either backend', async () => {
    const t = await app(null)
    const alice = await registerUser(t, 'alice')
    const user = Buffer.from(alice.userId, 'base64url')
    let n = 0
    const insert = (userId: Buffer | null, address: string | null, status: string) =>
      t.rows(
        `insert into outbox (id, event_id, user_id, channel, type, payload, status, attempts, created_at, next_attempt_at, address)
         values (?, 'x', ?, 'email', 'share.ended', '{}', ?, 0, 1, 1, ?)`,
        `x${++n}`,
        userId,
        status,
        address,
      )
    await expect(insert(null, null, 'pending')).rejects.toThrow(/check/i)
    await expect(insert(user, RECIPIENT, 'pending')).rejects.toThrow(/check/i)
    await insert(null, RECIPIENT, 'pending')
    await insert(user, null, 'pending')
    // Done: the address is forgotten, and the row stays for the delivery list.
    await insert(null, null, 'delivered')
  })
})

describe('receipts with two instances on one database', () => {
  it('their sweepers and workers send each expired share one receipt, once', async () => {
    const mail = await smtp()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-rcpt-'))
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
    const file = TEST_BACKEND === 'postgres' ? undefined : path.join(dir, 'db.sqlite')
    const a = await app(mail, file ? { file } : {})
    const b = await app(mail, file ? { file } : { sameDatabaseAs: a })
    {
      b.clock.now = a.clock.now
      for (let i = 0; i < 12; i++)
        await create(
          a,
          shareFixture({ ttlSeconds: 300, receipt: { to: 'email', email: `c${i}@example.test` } }),
        )
      a.clock.advance(301_000)
      b.clock.advance(301_000)
      for (let round = 0; round < 4; round++)
        await Promise.all([a.sweeper.runOnce(), b.sweeper.runOnce()])
      for (let round = 0; round < 4; round++)
        await Promise.all([a.notifications.worker.runOnce(), b.notifications.worker.runOnce()])
      expect(mail.mails.map((m) => m.to[0]).sort()).toEqual(
        Array.from({ length: 12 }, (_, i) => `c${i}@example.test`).sort(),
      )
    }
  })
})
