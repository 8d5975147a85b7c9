/** @module PUT/GET /api/session/key: one key per bearer session, readable only by it, gone when the session ends. */
import type { LoginResponse } from '@secretsentry/contract/types'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  errorOf,
  KDF,
  rand,
  registerBody,
  registerUser,
  relogin,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'
import { deleteDeadSessions } from './session.queries.ts'
import { csrfTokenFor, SESSION_COOKIE } from './session.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp()
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const putKey = (user: TestUser, key: string) =>
  t.call('/api/session/key', jsonInit('PUT', { key }, user.auth))
const getKey = (user: TestUser) => t.call('/api/session/key', as(user))
const storedKeys = async () =>
  (
    (await t.rows('select client_key from sessions where client_key is not null')) as {
      client_key: Buffer
    }[]
  ).map((r) => r.client_key.toString('base64url'))

describe('the session key', () => {
  it('is set once and read back by the same bearer session only', async () => {
    const u = await registerUser(t)
    const res404 = await getKey(u)
    expect(res404.status).toBe(404)
    expect((await errorOf(res404)).message).toBe('This session holds no key')

    const key = rand(32)
    expect((await putKey(u, key)).status).toBe(204)
    const got = await getKey(u)
    expect(got.status).toBe(200)
    expect(await got.json()).toEqual({ key })

    // Set once: a second key (from a stolen token, say) does not replace the first.
    const again = await putKey(u, rand(32))
    expect(again.status).toBe(409)
    expect(await (await getKey(u)).json()).toEqual({ key })

    // Another session of the same account does not see it.
    const other = { ...u }
    await relogin(t, other)
    expect((await getKey(other)).status).toBe(404)
  })

  it('dies with the session: logout deletes it, and the token then reads nothing', async () => {
    const u = await registerUser(t)
    const key = rand(32)
    expect((await putKey(u, key)).status).toBe(204)
    expect(await storedKeys()).toEqual([key])
    expect((await t.call('/api/logout', as(u, 'POST'))).status).toBe(204)
    expect(await storedKeys()).toEqual([])
    expect((await getKey(u)).status).toBe(401)
  })

  it('dies with an expired session: idle or past its absolute end, it reads nothing, and the sweep deletes it', async () => {
    const HOUR = 3_600_000
    const idle = await registerUser(t, 'idle-user')
    const busy = await registerUser(t, 'busy-user')
    expect((await putKey(idle, rand(32))).status).toBe(204)
    expect((await putKey(busy, rand(32))).status).toBe(204)
    // `busy` is used every 6 hours, so only the 7-day absolute end stops it; `idle` never is.
    for (let hours = 6; hours < 7 * 24; hours += 6) {
      t.clock.advance(6 * HOUR)
      expect((await getKey(busy)).status).toBe(200)
    }
    expect((await getKey(idle)).status).toBe(401)
    t.clock.advance(6 * HOUR)
    expect((await getKey(busy)).status).toBe(401)
    expect(await storedKeys()).toHaveLength(2)
    await deleteDeadSessions(t.db, t.clock.now, 12 * HOUR, 100)
    expect(await storedKeys()).toEqual([])
  })

  it('dies with the sessions a password change ends', async () => {
    const u = await registerUser(t)
    const other = { ...u }
    await relogin(t, other)
    const key = rand(32)
    expect((await putKey(other, key)).status).toBe(204)
    const change = {
      authKey: u.authKey,
      newAuthKey: rand(32),
      newSalt: rand(16),
      newKdf: KDF,
      newWrappedUserKey: wrapped(),
    }
    expect((await t.call('/api/account/password', jsonInit('POST', change, u.auth))).status).toBe(
      200,
    )
    expect(await storedKeys()).toEqual([])
    expect((await getKey(other)).status).toBe(401)
  })

  it('is refused to a browser (cookie) session, to no session, and in a malformed body', async () => {
    const body = registerBody('cookie-user')
    const reg = await t.call('/api/register', jsonInit('POST', body))
    expect(reg.status).toBe(201)
    const cookie = /=([A-Za-z0-9_-]{43});/.exec(reg.headers.get('set-cookie') ?? '')?.[1] as string
    const csrf = ((await reg.json()) as LoginResponse).csrfToken
    expect(csrf).toBe(csrfTokenFor(Buffer.from(cookie, 'base64url')))
    const headers = { cookie: `${SESSION_COOKIE}=${cookie}`, 'x-csrf-token': csrf }
    const put = await t.call('/api/session/key', jsonInit('PUT', { key: rand(32) }, headers))
    expect(put.status).toBe(403)
    expect((await errorOf(put)).code).toBe('unauthorized')
    expect((await t.call('/api/session/key', { headers })).status).toBe(403)
    expect(await storedKeys()).toEqual([])

    expect((await t.call('/api/session/key')).status).toBe(401)
    const u = await registerUser(t)
    for (const bad of [{ key: rand(16) }, { key: rand(32), extra: 1 }, {}]) {
      const res = await t.call('/api/session/key', jsonInit('PUT', bad, u.auth))
      expect(res.status).toBe(400)
      expect((await errorOf(res)).code).toBe('invalid_input')
    }
    expect(await storedKeys()).toEqual([])
  })
})
