/** @module The account audit trail: GET /api/audit paging and filters, user-agent classes, alerts, and no secret material in any row. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEntry, AuditResponse } from '@secretsentry/contract/types'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  rand,
  registerUser,
  relogin,
  type TestUser,
} from '../test/vault-fixtures.ts'
import { agentOf } from './account-audit.ts'

let t: TestApp
let alice: TestUser
beforeEach(async () => {
  t = await makeTestApp()
  alice = await registerUser(t, 'alice')
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const audit = async (user: TestUser, query = '') => {
  const res = await t.call(`/api/audit${query}`, as(user))
  expect(res.status).toBe(200)
  return (await res.json()) as AuditResponse
}

describe('GET /api/audit', () => {
  it('answers the account’s events newest first, with actor, client and result', async () => {
    const { body } = await createSecret(t, alice)
    t.clock.advance(1000)
    await t.call(`/api/secrets/${body.id}`, as(alice, 'GET', { 'user-agent': 'curl/8.5.0' }))
    const { events, next } = await audit(alice)
    expect(next).toBeNull()
    expect(events.map((e) => e.event)).toEqual(['secret.read', 'secret.created', 'login.ok'])
    const read = events[0] as AuditEntry
    expect(read).toEqual({
      id: expect.stringMatching(/^\d+$/),
      at: new Date(t.clock.now).toISOString(),
      event: 'secret.read',
      result: 'ok',
      actor: 'user',
      client: { hash: expect.stringMatching(/^[0-9a-f]{32}$/), agent: 'cli' },
      secretId: body.id,
      shareId: null,
      detail: 'version 1',
      token: null,
    })
  })

  it('pages with a cursor: limit, then next as before, until next is null', async () => {
    for (let i = 0; i < 4; i++) await createSecret(t, alice)
    const all = (await audit(alice)).events.map((e) => e.id)
    expect(all).toHaveLength(5)
    const first = await audit(alice, '?limit=2')
    expect(first.events.map((e) => e.id)).toEqual(all.slice(0, 2))
    const second = await audit(alice, `?limit=2&before=${first.next}`)
    expect(second.events.map((e) => e.id)).toEqual(all.slice(2, 4))
    const third = await audit(alice, `?limit=2&before=${second.next}`)
    expect(third.events.map((e) => e.id)).toEqual(all.slice(4))
    expect(third.next).toBeNull()
  })

  it('filters by event, secret and result', async () => {
    const a = await createSecret(t, alice)
    const b = await createSecret(t, alice)
    await t.call(`/api/secrets/${a.body.id}`, as(alice))
    await t.call('/api/login', jsonInit('POST', { username: 'alice', authKey: rand(32) }))
    await t.queue.drain()
    expect((await audit(alice, '?event=secret.created')).events).toHaveLength(2)
    const ofA = await audit(alice, `?secretId=${a.body.id}`)
    expect(ofA.events.map((e) => e.event)).toEqual(['secret.read', 'secret.created'])
    expect((await audit(alice, `?secretId=${b.body.id}&event=secret.read`)).events).toEqual([])
    const failed = await audit(alice, '?result=failed')
    expect(failed.events.map((e) => [e.event, e.actor])).toEqual([['login.failed', 'anonymous']])
  })

  it('shows only the caller’s own events', async () => {
    const bob = await registerUser(t, 'bob')
    await createSecret(t, bob)
    expect((await audit(alice)).events.map((e) => e.event)).toEqual(['login.ok'])
  })

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?limit=ten', 'limit'],
    ['?before=abc', 'before'],
    ['?event=secret.stolen', 'event'],
    ['?result=maybe', 'result'],
    ['?secretId=short', 'secretId'],
    ['?actor=user', 'actor'],
    ['?limit=1&limit=2', 'limit'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const res = await t.call(`/api/audit${query}`, as(alice))
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field })
  })

  it('needs a session', async () => {
    expect((await t.call('/api/audit')).status).toBe(401)
  })
})

describe('alerts', () => {
  it('failed logins reaching ALERT_THRESHOLD within 15 minutes write one alert', async () => {
    for (let i = 0; i < 6; i++) {
      await t.call(
        '/api/login',
        jsonInit('POST', { username: 'alice', authKey: rand(32) }),
        `203.0.113.${i}`,
      )
      await t.queue.drain()
    }
    const { events } = await audit(alice, '?event=alert')
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ actor: 'system', result: 'ok', client: { hash: null } })
  })

  it('failures spread wider than 15 minutes raise none', async () => {
    for (let i = 0; i < 6; i++) {
      await t.call('/api/login', jsonInit('POST', { username: 'alice', authKey: rand(32) }))
      await t.queue.drain()
      t.clock.advance(4 * 60_000)
    }
    await relogin(t, alice)
    expect((await audit(alice, '?event=alert')).events).toEqual([])
  })
})

describe('what the trail keeps', () => {
  it('the user-agent class only, never the string', async () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) UniqueBrowserMarker/1.0'
    await createSecret(t, alice)
    await t.call('/api/secrets', as(alice, 'GET', { 'user-agent': ua }))
    const { body } = await createSecret(t, alice)
    await t.call(`/api/secrets/${body.id}`, as(alice, 'GET', { 'user-agent': ua }))
    const rows = JSON.stringify(await t.rows('select * from audit'))
    expect(rows).not.toContain('UniqueBrowserMarker')
    expect((await audit(alice, '?event=secret.read')).events[0]?.client.agent).toBe('browser')
  })

  it.each([
    ['curl/8.5.0', 'cli'],
    ['python-requests/2.32', 'cli'],
    ['secretsentry/0.1.0', 'cli'],
    ['Mozilla/5.0 (Macintosh) AppleWebKit/605 Safari/605', 'browser'],
    ['SomethingElse/1', 'other'],
    [undefined, 'other'],
  ])('classes %j as %s', (ua, agent) => {
    expect(agentOf(ua)).toBe(agent)
  })

  it('no row holds a ciphertext, wrapped key, authKey or token the client sent', async () => {
    const { body } = await createSecret(t, alice)
    await t.call(`/api/secrets/${body.id}`, as(alice))
    const rows = (await t.rows('select * from audit')) as Record<string, unknown>[]
    const cells = rows.flatMap((r) => Object.values(r)).filter((v) => v !== null)
    const text = cells.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))).join('\n')
    const sent = [
      body.meta.ciphertext,
      body.value.ciphertext,
      body.value.wrappedKey,
      alice.authKey,
      alice.token,
    ]
    for (const value of sent) {
      expect(text).not.toContain(value)
      expect(text).not.toContain(Buffer.from(value, 'base64url').toString('hex'))
    }
  })
})
