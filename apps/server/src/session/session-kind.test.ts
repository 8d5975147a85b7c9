/** @module A session is a cookie session or a bearer session, fixed at login: its token works only the way it was issued. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { LoginResponse } from '@secretsentry/contract/types'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { migrateToLatest, migrateUpTo } from '../db/migrate.ts'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import { registerBody } from '../test/vault-fixtures.ts'
import { SESSION_COOKIE } from './session.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp()
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

/** Registers `name` (a cookie session) and logs in again as `kind`; returns each session's token. */
async function sessions(name: string) {
  const body = registerBody(name)
  const reg = await t.call('/api/register', jsonInit('POST', body))
  expect(reg.status).toBe(201)
  const cookieToken = /=([A-Za-z0-9_-]{43});/.exec(reg.headers.get('set-cookie') ?? '')?.[1]
  const login = await t.call(
    '/api/login',
    jsonInit('POST', { username: name, authKey: body.authKey, session: 'bearer' }),
  )
  expect(login.status).toBe(200)
  const bearerToken = ((await login.json()) as LoginResponse).token
  return { cookieToken: cookieToken as string, bearerToken: bearerToken as string }
}

const asBearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
const asCookie = (token: string) => ({ headers: { cookie: `${SESSION_COOKIE}=${token}` } })

describe('session kinds', () => {
  it('a cookie session token is refused as a bearer token, and a bearer token as a cookie', async () => {
    const { cookieToken, bearerToken } = await sessions('kim')
    expect((await t.call('/api/account', asCookie(cookieToken))).status).toBe(200)
    expect((await t.call('/api/account', asBearer(bearerToken))).status).toBe(200)

    const crossed = [
      await t.call('/api/account', asBearer(cookieToken)),
      await t.call('/api/account', asCookie(bearerToken)),
    ]
    for (const res of crossed) {
      expect(res.status).toBe(401)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated')
    }
  })

  it('a cookie session token as a bearer cannot skip the CSRF check to write', async () => {
    const { cookieToken } = await sessions('lee')
    const res = await t.call('/api/logout', { method: 'POST', ...asBearer(cookieToken) })
    expect(res.status).toBe(401)
    // The session is still there: the refused request changed nothing.
    expect((await t.call('/api/account', asCookie(cookieToken))).status).toBe(200)
  })

  it('each session row records its kind', async () => {
    await sessions('max')
    const kinds = await t.rows('select kind from sessions order by created_at, kind')
    expect(kinds).toEqual([{ kind: 'bearer' }, { kind: 'cookie' }])
  })
})

describe('the session-kind migration', () => {
  it('ends the sessions it cannot tell apart; new ones then need their kind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-session-kind-'))
    const opened = openDatabase(path.join(dir, 'secretsentry.db'))
    try {
      await migrateUpTo(opened.db, '20261123-220000-accounts-and-vault')
      const user = Buffer.alloc(16, 1)
      await sql`insert into users (id, username, auth_hash, kdf, salt, wrapped_user_key, created_at, updated_at)
        values (${user}, 'old', 'x', '{}', ${Buffer.alloc(16)}, ${Buffer.alloc(60)}, 1, 1)`.execute(
        opened.db,
      )
      await sql`insert into sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
        values (${Buffer.alloc(32, 2)}, ${user}, 1, 1, 9999999999999)`.execute(opened.db)

      await migrateToLatest(opened.db)
      const { rows } = await sql<{ n: number }>`select count(*) as n from sessions`.execute(
        opened.db,
      )
      expect(rows[0]?.n).toBe(0)
      await expect(
        sql`insert into sessions (token_hash, user_id, created_at, last_seen_at, expires_at, kind)
          values (${Buffer.alloc(32, 3)}, ${user}, 1, 1, 2, 'both')`.execute(opened.db),
      ).rejects.toThrow(/CHECK/)
    } finally {
      await opened.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
