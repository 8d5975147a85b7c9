/** @module Alert email through a real SMTP server (smtp-server on 127.0.0.1): delivered by the outbox, plain text and HTML, no secret, link or key. */
import { afterEach, describe, expect, it } from 'vitest'
import type { NotificationsResponse } from '@secretsentry/contract/types'
import { decodedMail, startSmtp, type SmtpReceiver } from '../test/smtp-receiver.ts'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  rand,
  registerUser,
  secretBody,
  type TestUser,
} from '../test/vault-fixtures.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function smtp(): Promise<SmtpReceiver> {
  const server = await startSmtp()
  cleanups.push(() => server.close())
  return server
}

async function app(smtpPort: number | null): Promise<TestApp> {
  const t = await makeTestApp({
    config: {
      alertThreshold: 3,
      webhookAllowPrivate: true,
      smtpUrl: smtpPort === null ? null : `smtp://127.0.0.1:${smtpPort}`,
      mailFrom: smtpPort === null ? null : 'SecretSentry <alerts@example.test>',
    },
    notify: { retry: { baseMs: 1000, capMs: 1000, giveUpAfterMs: 60_000 } },
  })
  cleanups.push(async () => {
    await t.close()
    await t.db.destroy()
  })
  return t
}

const setEmail = (t: TestApp, user: TestUser, address: string) =>
  t.call('/api/account/email', {
    ...jsonInit('PUT', { address }),
    headers: { ...user.auth, 'content-type': 'application/json' },
  })

async function failLogins(t: TestApp, user: TestUser) {
  for (let i = 0; i < 3; i++) {
    await t.call(
      '/api/login',
      jsonInit('POST', { username: user.username, authKey: rand(32) }),
      `203.0.113.${i}`,
    )
    await t.queue.drain()
  }
}

const decoded = decodedMail

describe('alert email', () => {
  it('the failed-access alert is mailed, in text and HTML, with no secret, link or key in it', async () => {
    const server = await smtp()
    const t = await app(server.port)
    const alice = await registerUser(t, 'alice')
    // A vault secret and a webhook secret exist; neither may reach a mail.
    await createSecret(t, alice)
    const hook = await t.call('/api/account/webhook', {
      ...jsonInit('PUT', { url: 'http://127.0.0.1:9/h' }),
      headers: { ...alice.auth, 'content-type': 'application/json' },
    })
    const { secret } = (await hook.json()) as { secret: string }
    expect((await setEmail(t, alice, 'alice@example.test')).status).toBe(200)
    await failLogins(t, alice)
    await t.notifications.worker.runOnce()
    expect(server.mails).toHaveLength(1)
    const mail = server.mails[0]!
    expect(mail.to).toEqual(['alice@example.test'])
    expect(mail.from).toBe('alerts@example.test')
    const text = decoded(mail.raw)
    expect(text).toMatch(/^Subject: SecretSentry: repeated failed access to your account/m)
    expect(text).toMatch(/Content-Type: text\/plain/)
    expect(text).toMatch(/Content-Type: text\/html/)
    expect(text).toContain(
      'Account alice had 3 failed log-ins or refused accesses within 15 minutes.',
    )
    // Security promise: no link (no scheme at all), no secret, no key.
    expect(text).not.toMatch(/https?:|:\/\/|www\./i)
    expect(text).not.toContain(secret.slice(6, 30))
    expect(text).not.toContain(alice.authKey)
    expect(text).not.toContain(alice.token)
    const s = (await (
      await t.call('/api/account/notifications', as(alice))
    ).json()) as NotificationsResponse
    expect(s.email).toMatchObject({
      target: 'alice@example.test',
      lastSuccessAt: expect.any(String),
    })
  })

  it('a webhook failing five times in a row is told by email', async () => {
    const server = await smtp()
    const t = await app(server.port)
    const alice = await registerUser(t, 'alice')
    await t.call('/api/account/webhook', {
      ...jsonInit('PUT', { url: 'http://127.0.0.1:9/h' }),
      headers: { ...alice.auth, 'content-type': 'application/json' },
    })
    expect((await setEmail(t, alice, 'alice@example.test')).status).toBe(200)
    await failLogins(t, alice)
    for (let i = 0; i < 6; i++) {
      await t.notifications.worker.runOnce()
      t.clock.advance(1000)
    }
    const subjects = server.mails.map((m) => /^Subject: (.*)$/m.exec(decoded(m.raw))?.[1])
    expect(subjects).toEqual([
      'SecretSentry: repeated failed access to your account',
      'SecretSentry: webhook deliveries are failing',
    ])
    expect(decoded(server.mails[1]!.raw)).toContain('(last error: connection refused)')
  })

  it('the daily digest of secrets due for rotation is mailed with counts only: no name, link or key', async () => {
    const server = await smtp()
    const t = await app(server.port)
    const alice = await registerUser(t, 'alice')
    expect((await setEmail(t, alice, 'alice@example.test')).status).toBe(200)
    const monthly = await createSecret(t, alice, secretBody(alice.folderId, { rotationDays: 30 }))
    const plain = await createSecret(t, alice)
    t.clock.advance(120 * 86_400_000)
    expect(await t.staleDigest.runOnce()).toBe(1)
    await t.notifications.worker.runOnce()
    expect(server.mails).toHaveLength(1)
    const text = decoded(server.mails[0]!.raw)
    expect(text).toMatch(/^Subject: SecretSentry: secrets due for rotation/m)
    expect(text).toMatch(/Content-Type: text\/plain/)
    expect(text).toMatch(/Content-Type: text\/html/)
    expect(text).toContain(
      'Account alice has 2 secrets due for rotation: 1 past its rotation interval, and 1 without an interval and older than 90 days. The oldest value is 120 days old.',
    )
    expect(text).toContain('secretsentry ls --stale')
    expect(text).not.toMatch(/https?:|:\/\/|www\./i)
    for (const s of [monthly, plain]) {
      expect(text).not.toContain(s.summary.id)
      expect(text).not.toContain(s.body.meta.ciphertext.slice(0, 20))
    }
    expect(text).not.toContain(alice.token)
  })

  it('test send, and an SMTP server that is down shows as a failure', async () => {
    const server = await smtp()
    const t = await app(server.port)
    const alice = await registerUser(t, 'alice')
    await setEmail(t, alice, 'alice@example.test')
    const ok = await t.call('/api/account/email/test', as(alice, 'POST'))
    expect(await ok.json()).toEqual({ delivered: true, status: 250 })
    expect(server.mails).toHaveLength(1)
    const down = await app(1)
    const bob = await registerUser(down, 'bob')
    await setEmail(down, bob, 'bob@example.test')
    const res = await down.call('/api/account/email/test', as(bob, 'POST'))
    expect(await res.json()).toMatchObject({
      delivered: false,
      error: expect.stringMatching(/^SMTP error/),
    })
  })

  it('without SMTP_URL an address cannot be set, and bad addresses are refused naming the field', async () => {
    const t = await app(null)
    const alice = await registerUser(t, 'alice')
    expect((await setEmail(t, alice, 'alice@example.test')).status).toBe(409)
    const res = await setEmail(t, alice, 'not-an-address')
    expect(res.status).toBe(400)
    expect((await errorOf(res)).field).toBe('address')
  })
})
