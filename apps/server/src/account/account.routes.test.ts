/** @module HTTP tests of the account API: prelogin without enumeration, register, login and its limits, sessions, CSRF, logout, password change. */
import crypto from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LoginResponse, PreloginResponse } from '@secretsentry/contract/types'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  KDF,
  as,
  errorOf,
  rand,
  registerBody,
  registerUser,
  wrapped,
} from '../test/vault-fixtures.ts'
import { SESSION_COOKIE } from '../session/session.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp()
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const count = async (table: string) =>
  ((await t.rows(`select count(*) as n from ${table}`))[0] as { n: number }).n
const auditEvents = async () =>
  (await t.rows('select event, result from audit where user_id is not null order by id')) as {
    event: string
    result: string
  }[]
const login = (
  username: string,
  authKey: string,
  session?: 'cookie' | 'bearer',
  address?: string,
) =>
  t.call(
    '/api/login',
    jsonInit('POST', { username, authKey, ...(session ? { session } : {}) }),
    address,
  )

/** Registers with a cookie session; returns the cookie header value and the CSRF token. */
async function cookieUser(name: string) {
  const body = registerBody(name)
  const res = await t.call('/api/register', jsonInit('POST', body))
  expect(res.status).toBe(201)
  const setCookie = res.headers.get('set-cookie') ?? ''
  const cookie = setCookie.split(';')[0] as string
  const answer = (await res.json()) as LoginResponse
  return { body, cookie, csrf: answer.csrfToken, answer, setCookie }
}

describe('POST /api/prelogin', () => {
  it('answers a known name with its stored KDF and salt', async () => {
    const body = registerBody('alice', { kdf: { ...KDF, iterations: 4 } })
    expect((await t.call('/api/register', jsonInit('POST', body))).status).toBe(201)
    const res = await t.call('/api/prelogin', jsonInit('POST', { username: '  Alice ' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ kdf: { ...KDF, iterations: 4 }, salt: body.salt })
  })

  it('no account enumeration: an unknown name gets the same shape, stable across calls, different per name', async () => {
    await registerUser(t, 'known')
    const ask = async (username: string) => {
      const res = await t.call('/api/prelogin', jsonInit('POST', { username }))
      expect(res.status).toBe(200)
      return (await res.json()) as PreloginResponse
    }
    const known = await ask('known')
    const ghost = await ask('ghost')
    expect(Object.keys(ghost).sort()).toEqual(Object.keys(known).sort())
    expect(Object.keys(ghost.kdf).sort()).toEqual(Object.keys(known.kdf).sort())
    expect(ghost.kdf).toEqual(KDF)
    expect(ghost.salt).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(await ask('ghost')).toEqual(ghost)
    expect(await ask('GHOST ')).toEqual(ghost)
    expect((await ask('phantom')).salt).not.toBe(ghost.salt)
  })

  it('a fake salt depends on the server key: another server answers differently', async () => {
    const other = await makeTestApp()
    const ask = async (app: TestApp) =>
      (
        (await (
          await app.call('/api/prelogin', jsonInit('POST', { username: 'ghost' }))
        ).json()) as PreloginResponse
      ).salt
    expect(await ask(t)).not.toBe(await ask(other))
    await other.close()
  })

  it.each([
    ['ab', 'username'],
    ['-dash', 'username'],
    ['has space', 'username'],
    ['x'.repeat(65), 'username'],
  ])('refuses the username %j with 400 naming %s', async (username, field) => {
    const res = await t.call('/api/prelogin', jsonInit('POST', { username }))
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field })
  })
})

describe('POST /api/register', () => {
  it('creates the account, its first folder and a cookie session', async () => {
    const { body, setCookie, answer } = await cookieUser('carol')
    expect(setCookie).toMatch(
      new RegExp(
        `^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; Secure; SameSite=Strict$`,
      ),
    )
    expect(answer.account).toMatchObject({
      username: 'carol',
      kdf: KDF,
      salt: body.salt,
      wrappedUserKey: body.wrappedUserKey,
      createdAt: new Date(t.clock.now).toISOString(),
    })
    expect(answer.token).toBeUndefined()
    expect(answer.expiresAt).toBe(new Date(t.clock.now + 7 * 86_400_000).toISOString())
    expect([await count('users'), await count('folders'), await count('sessions')]).toEqual([
      1, 1, 1,
    ])
    const folder = (await t.rows('select * from folders'))[0] as Record<string, Buffer>
    expect(folder.wrapped_key).toEqual(Buffer.from(body.folder.wrappedKey, 'base64url'))
    expect(folder.meta).toEqual(Buffer.from(body.folder.meta, 'base64url'))
    expect(await auditEvents()).toEqual([{ event: 'login.ok', result: 'ok' }])
  })

  it('session=bearer answers the token and sets no cookie', async () => {
    const res = await t.call(
      '/api/register',
      jsonInit('POST', registerBody('dave', { session: 'bearer' })),
    )
    expect(res.status).toBe(201)
    expect(res.headers.get('set-cookie')).toBeNull()
    const answer = (await res.json()) as LoginResponse
    expect(answer.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(
      (await t.call('/api/account', { headers: { authorization: `Bearer ${answer.token}` } }))
        .status,
    ).toBe(200)
  })

  it('stores the session token only as its SHA-256', async () => {
    const res = await t.call(
      '/api/register',
      jsonInit('POST', registerBody('erin', { session: 'bearer' })),
    )
    const { token } = (await res.json()) as LoginResponse
    const row = (await t.rows('select token_hash from sessions'))[0] as { token_hash: Buffer }
    expect(row.token_hash).toEqual(
      crypto
        .createHash('sha256')
        .update(Buffer.from(token as string, 'base64url'))
        .digest(),
    )
  })

  it('a taken username is 409 username_taken, whatever its case, and nothing changes', async () => {
    await registerUser(t, 'frank')
    const res = await t.call('/api/register', jsonInit('POST', registerBody('FRANK')))
    expect(res.status).toBe(409)
    expect(await errorOf(res)).toMatchObject({ code: 'username_taken', field: 'username' })
    expect([await count('users'), await count('folders'), await count('sessions')]).toEqual([
      1, 1, 1,
    ])
  })

  it('a folder id in use is 409 and creates no user', async () => {
    const first = await registerUser(t, 'gina')
    const res = await t.call(
      '/api/register',
      jsonInit(
        'POST',
        registerBody('hank', {
          folder: { id: first.folderId, wrappedKey: wrapped(), meta: rand(60) },
        }),
      ),
    )
    expect(res.status).toBe(409)
    expect(await errorOf(res)).toMatchObject({ code: 'conflict', field: 'folder.id' })
    expect(await count('users')).toBe(1)
  })

  const bad: [string, Record<string, unknown>, string][] = [
    ['memory below the minimum', { kdf: { ...KDF, memoryKiB: 19455 } }, 'kdf.memoryKiB'],
    ['one iteration', { kdf: { ...KDF, iterations: 1 } }, 'kdf.iterations'],
    ['another algorithm', { kdf: { ...KDF, algorithm: 'pbkdf2' } }, 'kdf.algorithm'],
    ['an unknown field', { password: 'hunter2' }, 'password'],
    ['an unknown KDF field', { kdf: { ...KDF, saltLength: 8 } }, 'kdf.saltLength'],
    ['a short authKey', { authKey: rand(31) }, 'authKey'],
    ['a 60-byte wrapped key', { wrappedUserKey: rand(60) }, 'wrappedUserKey'],
    ['a non-canonical salt', { salt: 'AAAAAAAAAAAAAAAAAAAAAB' }, 'salt'],
  ]
  it.each(bad)(
    'refuses %s with 400 naming the field, and stores nothing',
    async (_label, patch, field) => {
      const res = await t.call(
        '/api/register',
        jsonInit('POST', { ...registerBody('ivan'), ...patch }),
      )
      expect(res.status).toBe(400)
      expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field })
      expect(await count('users')).toBe(0)
    },
  )
})

describe('POST /api/login', () => {
  it('opens a new session at every login (cookie by default, bearer on request)', async () => {
    const u = await registerUser(t, 'judy')
    const a = await login('judy', u.authKey)
    expect(a.status).toBe(200)
    const cookieA = a.headers.get('set-cookie')
    const b = await login('Judy', u.authKey, 'bearer')
    const bearer = (await b.json()) as LoginResponse
    expect(bearer.account.userId).toBe(u.userId)
    expect(b.headers.get('set-cookie')).toBeNull()
    const c = await login('judy', u.authKey)
    expect(c.headers.get('set-cookie')).not.toBe(cookieA)
    expect(await count('sessions')).toBe(4)
    expect((await auditEvents()).filter((e) => e.event === 'login.ok')).toHaveLength(4)
  })

  it('an unknown user and a wrong key get the same 401 invalid_credentials', async () => {
    await registerUser(t, 'kate')
    const wrong = await login('kate', rand(32))
    const unknown = await login('nobody', rand(32))
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await wrong.json()).toEqual(await unknown.json())
    await t.queue.drain()
    expect((await auditEvents()).at(-1)).toEqual({ event: 'login.failed', result: 'failed' })
    expect(await count('sessions')).toBe(1)
  })

  it('an unknown user costs the same scrypt as a wrong key (a dummy hash is checked)', async () => {
    await registerUser(t, 'leo')
    const spy = vi.spyOn(crypto, 'scrypt')
    await login('leo', rand(32))
    await login('nobody', rand(32))
    expect(spy).toHaveBeenCalledTimes(2)
    const costs = spy.mock.calls.map((call) => (call[3] as crypto.ScryptOptions).N)
    expect(costs[0]).toBe(costs[1])
    spy.mockRestore()
  })

  it('stores the authKey as scrypt$N$r$p$salt$hash at N = 2^15 by default, never the key itself', async () => {
    const realApp = await makeTestApp({ scryptCost: { logN: 15, r: 8, p: 1 } })
    const body = registerBody('mia')
    expect((await realApp.call('/api/register', jsonInit('POST', body))).status).toBe(201)
    const row = (await realApp.rows('select auth_hash from users'))[0] as { auth_hash: string }
    expect(row.auth_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    const key = Buffer.from(body.authKey, 'base64url')
    for (const form of [key.toString('hex'), body.authKey, key.toString('base64')]) {
      expect(row.auth_hash).not.toContain(form)
    }
    const started = performance.now()
    expect(
      (
        await realApp.call(
          '/api/login',
          jsonInit('POST', { username: 'mia', authKey: body.authKey }),
        )
      ).status,
    ).toBe(200)
    // Figure for the report: one login at production cost, in the logs of this run.
    console.info(`login at N=2^15: ${(performance.now() - started).toFixed(1)} ms`)
    await realApp.close()
  })

  /** A fresh app with limits on (per address 60, per account 10) and `name` registered from `home`. */
  async function limitedOwner(name: string, home: string) {
    await t.close()
    await t.db.destroy()
    t = await makeTestApp({ config: { rateLimitPerMin: 60, loginRateLimitPerMin: 10 } })
    const body = registerBody(name)
    expect((await t.call('/api/register', jsonInit('POST', body), home)).status).toBe(201)
    return body
  }
  const failedLogins = async () =>
    (
      (await t.rows("select count(*) as n from audit where event = 'login.failed'"))[0] as {
        n: number
      }
    ).n

  it('per account and address: the 11th attempt in a minute from one address is 429 with Retry-After, before any scrypt', async () => {
    await limitedOwner('nina', '192.0.2.77')
    const statuses: number[] = []
    for (let i = 0; i < 12; i++)
      statuses.push((await login('nina', rand(32), undefined, '203.0.113.5')).status)
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429])
    const limited = await login('nina', rand(32), undefined, '203.0.113.5')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await errorOf(limited)).toMatchObject({ code: 'rate_limited' })
    // Refused attempts never reached the hash check: only the ten 401s left a failed-login row.
    await expect.poll(failedLogins).toBe(10)
    // Another name from the same address is not affected; the limited one recovers with time.
    expect((await login('other', rand(32), undefined, '203.0.113.5')).status).toBe(401)
    t.clock.advance(60_000)
    expect((await login('nina', rand(32), undefined, '203.0.113.5')).status).toBe(401)
  })

  it('no lockout: an attacker at the per-address limit cannot stop the owner logging in from their own address', async () => {
    const owner = await limitedOwner('olga', '192.0.2.77')
    let refused = 0
    for (let i = 0; i < 70; i++) {
      if ((await login('olga', rand(32), undefined, '203.0.113.5')).status === 429) refused++
    }
    expect(refused).toBeGreaterThanOrEqual(10)
    expect((await login('olga', owner.authKey, undefined, '192.0.2.77')).status).toBe(200)
  })

  it('no lockout: an attacker spread over many addresses cannot stop the owner logging in from their own address', async () => {
    const owner = await limitedOwner('pia', '2001:db8:7::1')
    const statuses = new Map<number, number>()
    for (let i = 0; i < 150; i++) {
      const status = (await login('pia', rand(32), undefined, `203.0.${113 + (i >> 8)}.${i & 255}`))
        .status
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
    expect(statuses.get(429)).toBeGreaterThan(0)
    // Another address in the owner's IPv6 /64 is the same client to the limits.
    expect((await login('pia', owner.authKey, undefined, '2001:db8:7::2')).status).toBe(200)
    // Trusted for having logged in: the registering address counts as well.
    expect((await login('pia', owner.authKey, undefined, '2001:db8:7::1')).status).toBe(200)
  })

  it('brute force over many addresses stays bounded: 10 x LOGIN_RATE_LIMIT_PER_MIN guesses an hour, and a right key is no exception', async () => {
    const owner = await limitedOwner('rita', '192.0.2.77')
    const statuses: number[] = []
    for (let i = 0; i < 150; i++) {
      statuses.push((await login('rita', rand(32), undefined, `10.1.${i >> 8}.${i & 255}`)).status)
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(100)
    expect(statuses.slice(100)).toEqual(Array<number>(50).fill(429))
    await expect.poll(failedLogins).toBe(100)
    // A right key from a fresh address is refused like a wrong one: a 200 here would tell a
    // spread-out attacker which of its guesses was right.
    const right = await login('rita', owner.authKey, undefined, '10.9.9.9')
    expect(right.status).toBe(429)
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // 100 an hour refill as one guess every 36 s.
    t.clock.advance(36_000)
    expect((await login('rita', rand(32), undefined, '10.9.9.8')).status).toBe(401)
    expect((await login('rita', rand(32), undefined, '10.9.9.7')).status).toBe(429)
    // An unknown name has the same budget, so the limit itself reveals nothing.
    const ghost: number[] = []
    for (let i = 0; i < 101; i++) {
      ghost.push((await login('ghost', rand(32), undefined, `10.2.${i >> 8}.${i & 255}`)).status)
    }
    expect(ghost.at(-1)).toBe(429)
    expect(ghost.filter((s) => s === 401)).toHaveLength(100)
  })

  it('an address stays familiar for 30 days after a login from it; the sweeper then forgets it', async () => {
    const owner = await limitedOwner('sara', '192.0.2.77')
    t.clock.advance(29 * 86_400_000)
    expect((await login('sara', owner.authKey, undefined, '192.0.2.77')).status).toBe(200)
    // Stored as a keyed hash, never the address itself.
    const stored = await t.rows('select address_hash from login_addresses')
    expect(stored).toHaveLength(1)
    expect(JSON.stringify(stored)).not.toContain('192.0.2.77')
    t.clock.advance(31 * 86_400_000)
    await t.vaultSweeper.runOnce()
    expect(await count('login_addresses')).toBe(0)
    // Unfamiliar again: spread-out guesses now spend the budget this address is charged too.
    for (let i = 0; i < 100; i++) await login('sara', rand(32), undefined, `10.3.0.${i}`)
    expect((await login('sara', owner.authKey, undefined, '192.0.2.77')).status).toBe(429)
  })

  it('RATE_LIMIT_PER_MIN=0 turns the per-account limit off too (benchmarks, black-box tests)', async () => {
    const u = await registerUser(t, 'olaf')
    for (let i = 0; i < 12; i++) expect((await login('olaf', rand(32))).status).toBe(401)
    expect((await login('olaf', u.authKey)).status).toBe(200)
  })

  it('per-address limit: RATE_LIMIT_PER_MIN logins from one address, then 429 with Retry-After', async () => {
    const limited = await makeTestApp({ config: { rateLimitPerMin: 3, loginRateLimitPerMin: 0 } })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await limited.call(
        '/api/login',
        jsonInit('POST', { username: `name${i}`, authKey: rand(32) }),
        '192.0.2.50',
      )
      statuses.push(res.status)
      if (res.status === 429)
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    }
    expect(statuses).toEqual([401, 401, 401, 429])
    const elsewhere = await limited.call(
      '/api/login',
      jsonInit('POST', { username: 'name9', authKey: rand(32) }),
      '192.0.2.51',
    )
    expect(elsewhere.status).toBe(401)
    await limited.close()
  })
})

describe('sessions', () => {
  it('CSRF: a cookie session without X-CSRF-Token is 403 csrf for POST, fine for GET; with it the POST works', async () => {
    const { cookie, csrf, body } = await cookieUser('olga')
    const folder = { id: rand(16), wrappedKey: wrapped(), meta: rand(60) }
    const without = await t.call('/api/folders', jsonInit('POST', folder, { cookie }))
    expect(without.status).toBe(403)
    expect(await errorOf(without)).toMatchObject({ code: 'csrf' })
    const wrong = await t.call(
      '/api/folders',
      jsonInit('POST', folder, { cookie, 'x-csrf-token': csrf.slice(1) + 'A' }),
    )
    expect(wrong.status).toBe(403)
    expect(await count('folders')).toBe(1)
    expect((await t.call('/api/folders', { headers: { cookie } })).status).toBe(200)
    const ok = await t.call(
      '/api/folders',
      jsonInit('POST', folder, { cookie, 'x-csrf-token': csrf }),
    )
    expect(ok.status).toBe(201)
    // Logout is a POST too.
    expect((await t.call('/api/logout', { method: 'POST', headers: { cookie } })).status).toBe(403)
    expect(body.username).toBe('olga')
  })

  it('CSRF: a bearer session needs no X-CSRF-Token', async () => {
    const u = await registerUser(t, 'pete')
    const folder = { id: rand(16), wrappedKey: wrapped(), meta: rand(60) }
    expect((await t.call('/api/folders', jsonInit('POST', folder, u.auth))).status).toBe(201)
  })

  it('CSRF: a foreign Origin is refused even with the right token; the own origin passes', async () => {
    const { cookie, csrf } = await cookieUser('quinn')
    const folder = () => ({ id: rand(16), wrappedKey: wrapped(), meta: rand(60) })
    const headers = { cookie, 'x-csrf-token': csrf, host: 'vault.example' }
    const foreign = await t.call(
      'http://vault.example/api/folders',
      jsonInit('POST', folder(), { ...headers, origin: 'https://evil.example' }),
    )
    expect(foreign.status).toBe(403)
    expect(await errorOf(foreign)).toMatchObject({ code: 'csrf' })
    const own = await t.call(
      'http://vault.example/api/folders',
      jsonInit('POST', folder(), { ...headers, origin: 'https://vault.example' }),
    )
    expect(own.status).toBe(201)
    const loginFromElsewhere = await t.call(
      'http://vault.example/api/login',
      jsonInit(
        'POST',
        { username: 'quinn', authKey: rand(32) },
        { host: 'vault.example', origin: 'https://evil.example' },
      ),
    )
    expect(loginFromElsewhere.status).toBe(403)
  })

  it('GET /api/account answers the account and the CSRF token of this session', async () => {
    const { cookie, csrf, answer } = await cookieUser('rita')
    const res = await t.call('/api/account', { headers: { cookie } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ account: answer.account, csrfToken: csrf })
  })

  it('no session, a malformed or unknown token: 401 unauthenticated', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${rand(32)}` },
      { cookie: `${SESSION_COOKIE}=${rand(32)}` },
    ]
    for (const headers of cases) {
      const res = await t.call('/api/account', { headers })
      expect(res.status).toBe(401)
      expect(await errorOf(res)).toMatchObject({ code: 'unauthenticated' })
    }
  })

  it('logout deletes the session and clears the cookie', async () => {
    const { cookie, csrf } = await cookieUser('sam')
    const res = await t.call('/api/logout', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('set-cookie')).toBe(
      `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`,
    )
    expect(await count('sessions')).toBe(0)
    expect((await t.call('/api/account', { headers: { cookie } })).status).toBe(401)
    expect((await auditEvents()).at(-1)).toEqual({ event: 'logout', result: 'ok' })
  })

  it('sessions expire after SESSION_IDLE_HOURS without use; use slides the window', async () => {
    const u = await registerUser(t, 'tina')
    t.clock.advance(11 * 3_600_000)
    expect((await t.call('/api/account', as(u))).status).toBe(200)
    t.clock.advance(11 * 3_600_000)
    expect((await t.call('/api/account', as(u))).status).toBe(200)
    t.clock.advance(12 * 3_600_000)
    expect((await t.call('/api/account', as(u))).status).toBe(401)
  })

  it('sessions end 7 days after login however busy', async () => {
    const u = await registerUser(t, 'ugo')
    // 15 × 11 h = 165 h: always used within the idle window.
    for (let i = 0; i < 15; i++) {
      t.clock.advance(11 * 3_600_000)
      expect((await t.call('/api/account', as(u))).status).toBe(200)
    }
    t.clock.advance(4 * 3_600_000)
    expect((await t.call('/api/account', as(u))).status).toBe(401)
  })

  it('the sweeper deletes dead sessions', async () => {
    await registerUser(t, 'vera')
    await registerUser(t, 'walt')
    t.clock.advance(13 * 3_600_000)
    expect(await t.vaultSweeper.runOnce()).toEqual({ secrets: 0, sessions: 2 })
    expect(await count('sessions')).toBe(0)
  })
})

describe('POST /api/account/password', () => {
  it('re-wraps userKey, ends every other session, and only the new authKey logs in', async () => {
    const u = await registerUser(t, 'xena')
    const other = (await (await login('xena', u.authKey, 'bearer')).json()) as LoginResponse
    const change = {
      authKey: u.authKey,
      newAuthKey: rand(32),
      newSalt: rand(16),
      newKdf: { ...KDF, memoryKiB: 131072 },
      newWrappedUserKey: wrapped(),
    }
    const res = await t.call('/api/account/password', jsonInit('POST', change, u.auth))
    expect(res.status).toBe(200)
    const { account } = (await res.json()) as LoginResponse
    expect(account).toMatchObject({
      salt: change.newSalt,
      kdf: change.newKdf,
      wrappedUserKey: change.newWrappedUserKey,
    })
    expect((await t.call('/api/account', as(u))).status).toBe(200)
    expect(
      (await t.call('/api/account', { headers: { authorization: `Bearer ${other.token}` } }))
        .status,
    ).toBe(401)
    expect((await login('xena', u.authKey)).status).toBe(401)
    expect((await login('xena', change.newAuthKey)).status).toBe(200)
    const prelogin = (await (
      await t.call('/api/prelogin', jsonInit('POST', { username: 'xena' }))
    ).json()) as PreloginResponse
    expect(prelogin).toEqual({ kdf: change.newKdf, salt: change.newSalt })
    expect(await auditEvents()).toContainEqual({ event: 'password.changed', result: 'ok' })
  })

  it('a wrong current authKey is 403 invalid_credentials and changes nothing', async () => {
    const u = await registerUser(t, 'yuri')
    const before = (await t.rows('select * from users'))[0]
    const res = await t.call(
      '/api/account/password',
      jsonInit(
        'POST',
        {
          authKey: rand(32),
          newAuthKey: rand(32),
          newSalt: rand(16),
          newKdf: KDF,
          newWrappedUserKey: wrapped(),
        },
        u.auth,
      ),
    )
    expect(res.status).toBe(403)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_credentials' })
    expect((await t.rows('select * from users'))[0]).toEqual(before)
    expect((await login('yuri', u.authKey)).status).toBe(200)
  })

  it('is rate limited like login (each try costs a scrypt): per address, then per account and address; a thief elsewhere cannot block the owner', async () => {
    const wrong = () => ({
      authKey: rand(32),
      newAuthKey: rand(32),
      newSalt: rand(16),
      newKdf: KDF,
      newWrappedUserKey: wrapped(),
    })
    const limited = await makeTestApp({ config: { rateLimitPerMin: 3, loginRateLimitPerMin: 0 } })
    const a = await registerUser(limited, 'pam')
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await limited.call(
        '/api/account/password',
        jsonInit('POST', wrong(), a.auth),
        '192.0.2.60',
      )
      statuses.push(res.status)
      if (res.status === 429)
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    }
    expect(statuses).toEqual([403, 403, 403, 429])
    await limited.close()
    await limited.db.destroy()

    await t.close()
    await t.db.destroy()
    t = await makeTestApp({ config: { rateLimitPerMin: 1000 } })
    const home = '192.0.2.77'
    const reg = registerBody('quinn', { session: 'bearer' })
    const registered = await t.call('/api/register', jsonInit('POST', reg), home)
    const { token } = (await registered.json()) as LoginResponse
    const auth = { authorization: `Bearer ${token as string}` }
    // Someone holding a session guesses the password from elsewhere: 10 a minute, then 429.
    for (let i = 0; i < 10; i++) {
      const res = await t.call(
        '/api/account/password',
        jsonInit('POST', wrong(), auth),
        '203.0.113.5',
      )
      expect(res.status).toBe(403)
    }
    const res = await t.call(
      '/api/account/password',
      jsonInit('POST', { ...wrong(), authKey: reg.authKey }, auth),
      '203.0.113.5',
    )
    expect(res.status).toBe(429)
    expect(await errorOf(res)).toMatchObject({ code: 'rate_limited' })
    // The owner, at an address the account logged in from, still changes the password.
    const own = await t.call(
      '/api/account/password',
      jsonInit('POST', { ...wrong(), authKey: reg.authKey }, auth),
      home,
    )
    expect(own.status).toBe(200)
  })

  it('refuses a new KDF below the minimums with 400 naming newKdf', async () => {
    const u = await registerUser(t, 'zoe')
    const res = await t.call(
      '/api/account/password',
      jsonInit(
        'POST',
        {
          authKey: u.authKey,
          newAuthKey: rand(32),
          newSalt: rand(16),
          newKdf: { ...KDF, memoryKiB: 1024 },
          newWrappedUserKey: wrapped(),
        },
        u.auth,
      ),
    )
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ field: 'newKdf.memoryKiB' })
  })
})
