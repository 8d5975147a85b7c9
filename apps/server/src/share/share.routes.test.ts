/** @module HTTP tests of the share API: every endpoint, every refusal, the burn and the failed-attempt rule. */
import crypto from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  b64url,
  createOk,
  jsonInit,
  makeTestApp,
  openInit,
  shareFixture,
  type TestApp,
} from '../test/test-app.ts'
import { openedJson } from './share.routes.ts'

let t: TestApp

beforeEach(async () => {
  t = await makeTestApp({ config: { maxSecretBytes: 4096 } })
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const count = async (table: 'shares' | 'audit') =>
  ((await t.rows(`select count(*) as n from ${table}`))[0] as { n: number }).n
const auditEvents = async () =>
  (await t.rows('select event, result from audit order by id')) as {
    event: string
    result: string
  }[]
const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } })
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: Record<string, unknown> }).error

describe('POST /api/share', () => {
  it('stores the share and answers 201 with id, expiry and a manage token', async () => {
    const f = shareFixture({ ttlSeconds: 600, maxViews: 3 })
    const res = await t.call('/api/share', jsonInit('POST', f.body))
    expect(res.status).toBe(201)
    const body = (await res.json()) as { id: string; expiresAt: string; manageToken: string }
    expect(body.id).toBe(f.id)
    expect(body.expiresAt).toBe(new Date(t.clock.now + 600_000).toISOString())
    expect(body.manageToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const row = (await t.rows('select * from shares'))[0] as Record<string, unknown>
    expect(row.id).toEqual(Buffer.from(f.id, 'base64url'))
    expect(row.ciphertext).toEqual(Buffer.from(f.ciphertext, 'base64url'))
    expect(row.views_left).toBe(3)
    expect(await auditEvents()).toEqual([{ event: 'share_created', result: 'ok' }])
  })

  it('stores the manage token only as its SHA-256', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    const token = Buffer.from(manageToken, 'base64url')
    const row = (await t.rows('select manage_token_hash from shares'))[0] as {
      manage_token_hash: Buffer
    }
    expect(row.manage_token_hash).toEqual(crypto.createHash('sha256').update(token).digest())
  })

  it('issues a different manage token for every share', async () => {
    const a = await createOk(t, shareFixture())
    const b = await createOk(t, shareFixture())
    expect(a.manageToken).not.toBe(b.manageToken)
  })

  it('refuses an id in use with 409 and leaves the first share alone', async () => {
    const f = shareFixture()
    await createOk(t, f)
    const other = shareFixture({ id: f.id })
    const res = await t.call('/api/share', jsonInit('POST', other.body))
    expect(res.status).toBe(409)
    expect(await errorOf(res)).toMatchObject({ code: 'conflict', field: 'id' })
    const open = await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(open.status).toBe(200)
  })

  const bad: [string, Record<string, unknown>, string][] = [
    ['an unknown field', { extra: 1 }, 'extra'],
    ['ttl below 300 s', { ttlSeconds: 299 }, 'ttlSeconds'],
    ['ttl above 30 days', { ttlSeconds: 2_592_001 }, 'ttlSeconds'],
    ['a fractional ttl', { ttlSeconds: 600.5 }, 'ttlSeconds'],
    ['ttl as a string', { ttlSeconds: '600' }, 'ttlSeconds'],
    ['0 views', { maxViews: 0 }, 'maxViews'],
    ['101 views', { maxViews: 101 }, 'maxViews'],
    ['an id of 15 bytes', { id: b64url(crypto.randomBytes(15)) }, 'id'],
    ['an id with non-base64url characters', { id: 'abcdefghijklmnopqrstu+' }, 'id'],
    ['an id with spare bits set (non-canonical)', { id: 'AAAAAAAAAAAAAAAAAAAAAB' }, 'id'],
    ['a verifier of the wrong length', { verifier: 'abc' }, 'verifier'],
    ['padded base64 ciphertext', { ciphertext: 'AAAA==' }, 'ciphertext'],
    ['ciphertext of impossible length', { ciphertext: 'AAAAA' }, 'ciphertext'],
    ['an empty ciphertext', { ciphertext: '' }, 'ciphertext'],
  ]
  it.each(bad)('refuses %s with 400 naming the field', async (_name, patch, field) => {
    const f = shareFixture()
    const res = await t.call('/api/share', jsonInit('POST', { ...f.body, ...patch }))
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field })
    expect(await count('shares')).toBe(0)
  })

  it('refuses a missing field with 400 naming it', async () => {
    const { verifier: _omitted, ...rest } = shareFixture().body
    const res = await t.call('/api/share', jsonInit('POST', rest))
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field: 'verifier' })
  })

  it.each([['[]'], ['null'], ['"text"'], ['42']])(
    'refuses the JSON body %s with 400',
    async (body) => {
      const res = await t.call('/api/share', jsonInit('POST', body))
      expect(res.status).toBe(400)
      expect((await errorOf(res)).code).toBe('invalid_input')
    },
  )

  it('refuses malformed JSON with 400 without quoting it', async () => {
    const res = await t.call('/api/share', jsonInit('POST', '{"id": "secret-canary'))
    expect(res.status).toBe(400)
    const text = await res.text()
    expect(text).toContain('invalid_input')
    expect(text).not.toContain('secret-canary')
  })

  it('refuses an empty body with 400', async () => {
    const res = await t.call('/api/share', jsonInit('POST', ''))
    expect(res.status).toBe(400)
  })

  it.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['application/jsonx'],
    ['multipart/form-data'],
  ])('refuses Content-Type %s with 415', async (type) => {
    const res = await t.call('/api/share', {
      method: 'POST',
      headers: { 'content-type': type },
      body: JSON.stringify(shareFixture().body),
    })
    expect(res.status).toBe(415)
    expect((await errorOf(res)).code).toBe('unsupported_media_type')
    expect(await count('shares')).toBe(0)
  })

  it('refuses a body without Content-Type with 415', async () => {
    const res = await t.call('/api/share', { method: 'POST', body: new TextEncoder().encode('{}') })
    expect(res.status).toBe(415)
  })

  it('accepts application/json with a charset, in any case', async () => {
    const res = await t.call('/api/share', {
      method: 'POST',
      headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
      body: JSON.stringify(shareFixture().body),
    })
    expect(res.status).toBe(201)
  })

  it('accepts a ciphertext of exactly MAX_SECRET_BYTES and refuses one byte more with 413', async () => {
    expect((await t.call('/api/share', jsonInit('POST', shareFixture({}, 4096).body))).status).toBe(
      201,
    )
    const res = await t.call('/api/share', jsonInit('POST', shareFixture({}, 4097).body))
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toMatchObject({ code: 'payload_too_large', field: 'ciphertext' })
    expect(await count('shares')).toBe(1)
  })

  it('refuses a declared Content-Length over the limit with 413 before reading the body', async () => {
    // The body is not even JSON: a 413 (not a 400) proves nothing was parsed.
    const res = await t.call('/api/share', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100000000' },
      body: 'not json',
    })
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toMatchObject({ code: 'payload_too_large' })
  })

  it('refuses a huge body with a lying small Content-Length with 413', async () => {
    // Not JSON: a 413 (not a 400) shows the limit held before any parsing.
    const huge = 'x'.repeat(2_000_000)
    const res = await t.call('/api/share', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100' },
      body: huge,
    })
    expect(res.status).toBe(413)
    expect(await count('shares')).toBe(0)
  })

  it('stops reading a streamed (chunked) body at the limit with 413', async () => {
    let pulled = 0
    const chunk = new TextEncoder().encode('A'.repeat(65_536))
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"ciphertext":"'))
      },
      pull(c) {
        pulled += chunk.length
        if (pulled > 200_000_000) c.close()
        else c.enqueue(chunk)
      },
    })
    const res = await t.call('/api/share', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
    // The limit is 4096 * 4/3 plus slack; reading stopped within a few chunks of it.
    expect(pulled).toBeLessThan(1_000_000)
  })
})

describe('POST /api/share/:id/open', () => {
  it('returns the ciphertext and the stored policy, and burns the last view by deleting the row', async () => {
    const f = shareFixture({ maxViews: 2, ttlSeconds: 900 })
    const created = await createOk(t, f)
    const first = await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('application/json')
    expect(await first.json()).toEqual({
      ciphertext: f.ciphertext,
      viewsLeft: 1,
      expiresAt: created.expiresAt,
      ttlSeconds: 900,
      maxViews: 2,
    })
    const second = await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(second.status).toBe(200)
    expect(((await second.json()) as { viewsLeft: number }).viewsLeft).toBe(0)
    expect(await count('shares')).toBe(0)
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
    expect((await auditEvents()).map((e) => e.event)).toEqual([
      'share_created',
      'share_opened',
      'share_opened',
    ])
  })

  it('the last view costs three statements: the deleting burn, its tombstone and its audit row', async () => {
    // The hot path of every 1-view share: no look-up before the DELETE that burns it.
    const f = shareFixture()
    await createOk(t, f)
    const before = t.queries()
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(200)
    // Five with the BEGIN and COMMIT of its write batch.
    expect(t.queries() - before).toBe(5)
    expect(await count('shares')).toBe(0)
    expect(await t.rows('select how from share_tombstones')).toEqual([{ how: 'read' }])
    expect((await auditEvents()).at(-1)).toEqual({ event: 'share_opened', result: 'last_view' })
  })

  it('a wrong access to a 1-view share changes nothing but its failed-attempt count', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    const res = await t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    expect(res.status).toBe(403)
    expect(await errorOf(res)).toMatchObject({ code: 'wrong_access', attemptsLeft: 4 })
    const status = await t.call(`/api/share/${f.id}/status`, bearer(manageToken))
    expect(await status.json()).toMatchObject({ viewsLeft: 1, failedAttempts: 1, opens: [] })
    expect(await t.rows('select count(*) as n from share_tombstones')).toEqual([{ n: 0 }])
  })

  it('writes the open answer as exactly the text JSON.stringify would', () => {
    for (let i = 0; i < 300; i++) {
      const answer = {
        ciphertext: crypto.randomBytes(i * 7).toString('base64url'),
        viewsLeft: crypto.randomInt(0, 101),
        expiresAt: new Date(crypto.randomInt(0, 2 ** 47)).toISOString(),
        ttlSeconds: crypto.randomInt(60, 31_536_001),
        maxViews: crypto.randomInt(1, 101),
      }
      expect(openedJson(answer)).toBe(JSON.stringify(answer))
    }
  })

  it('used-up ciphertext is deleted, not flagged (secure_delete on)', async () => {
    const f = shareFixture()
    await createOk(t, f)
    await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(await count('shares')).toBe(0)
    // SQLite overwrites freed pages; PostgreSQL leaves dead tuples until VACUUM (see README).
    if (t.backend.dialect === 'sqlite')
      expect(t.sqlite.pragma('secure_delete', { simple: true })).toBe(1)
  })

  it('unknown, expired and used-up shares get one identical 404', async () => {
    const used = shareFixture()
    await createOk(t, used)
    await t.call(`/api/share/${used.id}/open`, openInit(used.access))
    const expired = shareFixture({ ttlSeconds: 300 })
    await createOk(t, expired)
    t.clock.advance(300_000)
    const unknown = shareFixture()

    const answers = []
    for (const f of [unknown, expired, used]) {
      const res = await t.call(`/api/share/${f.id}/open`, openInit(f.access))
      const headers = Object.fromEntries(
        [...res.headers].filter(([name]) => name !== 'x-request-id'),
      )
      answers.push({ status: res.status, headers, body: await res.text() })
    }
    expect(answers[0]?.status).toBe(404)
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
  })

  it('an expired share answers 404 and its row is deleted', async () => {
    const f = shareFixture({ ttlSeconds: 300 })
    await createOk(t, f)
    t.clock.advance(299_999)
    expect(await count('shares')).toBe(1)
    t.clock.advance(1)
    const res = await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(res.status).toBe(404)
    expect(await count('shares')).toBe(0)
    expect((await auditEvents()).at(-1)).toEqual({ event: 'share_expired', result: 'on_open' })
  })

  it('wrong access counts down attemptsLeft; the 5th destroys the share, then 404 forever', async () => {
    const f = shareFixture({ maxViews: 5 })
    await createOk(t, f)
    const wrong = b64url(crypto.randomBytes(32))
    for (const left of [4, 3, 2, 1, 0]) {
      const res = await t.call(`/api/share/${f.id}/open`, openInit(wrong))
      expect(res.status).toBe(403)
      expect(await errorOf(res)).toMatchObject({ code: 'wrong_access', attemptsLeft: left })
    }
    expect(await count('shares')).toBe(0)
    const right = await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(right.status).toBe(404)
    expect((await auditEvents()).map((e) => e.event)).toEqual([
      'share_created',
      ...Array<string>(5).fill('share_wrong_access'),
      'share_destroyed',
    ])
  })

  it('the right access still works after four wrong ones', async () => {
    const f = shareFixture()
    await createOk(t, f)
    for (let i = 0; i < 4; i++)
      await t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(200)
  })

  it('wrong access on an expired share is a 404, not a counted attempt', async () => {
    const f = shareFixture({ ttlSeconds: 300 })
    await createOk(t, f)
    t.clock.advance(301_000)
    const res = await t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    expect(res.status).toBe(404)
    expect((await auditEvents()).some((e) => e.event === 'share_wrong_access')).toBe(false)
  })

  it.each([
    ['an id of the wrong length', 'abc', { access: 'x' }, 'id'],
    ['an access of the wrong length', 'AAAAAAAAAAAAAAAAAAAAAA', { access: 'abc' }, 'access'],
    [
      'an unknown field',
      'AAAAAAAAAAAAAAAAAAAAAA',
      { access: b64url(crypto.randomBytes(32)), more: 1 },
      'more',
    ],
    ['a missing access', 'AAAAAAAAAAAAAAAAAAAAAA', {}, 'access'],
  ])('refuses %s with 400 naming the field', async (_name, id, body, field) => {
    const res = await t.call(`/api/share/${id}/open`, jsonInit('POST', body))
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field })
  })

  it('never accepts access or a token from a query string', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    const base = `/api/share/${f.id}`
    const q = `?access=${f.access}&token=${manageToken}&access_token=${manageToken}`
    expect((await t.call(`${base}/open${q}`, jsonInit('POST', {}))).status).toBe(400)
    expect((await t.call(`${base}/status${q}`)).status).toBe(401)
    expect((await t.call(`${base}${q}`, { method: 'DELETE' })).status).toBe(401)
    // Nothing was consumed or deleted: the share opens with its body-borne access.
    expect((await t.call(`${base}/open`, openInit(f.access))).status).toBe(200)
  })

  it('refuses a non-JSON open with 415', async () => {
    const res = await t.call('/api/share/AAAAAAAAAAAAAAAAAAAAAA/open', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    })
    expect(res.status).toBe(415)
  })
})

describe('secret comparisons', () => {
  afterEach(() => vi.restoreAllMocks())

  // The last view is the exception: its burn compares SHA-256 digests in SQL (share.service.ts
  // says why that is safe); the tests above show a wrong access to it changes nothing.
  it('secret comparisons run in constant time (crypto.timingSafeEqual on open, status and delete)', async () => {
    const f = shareFixture({ maxViews: 3 })
    const { manageToken } = await createOk(t, f)
    const spy = vi.spyOn(crypto, 'timingSafeEqual')
    await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    expect(spy).toHaveBeenCalledTimes(1)
    await t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    expect(spy).toHaveBeenCalledTimes(2)
    await t.call(`/api/share/${f.id}/status`, bearer(manageToken))
    expect(spy).toHaveBeenCalledTimes(3)
    await t.call(`/api/share/${f.id}`, { method: 'DELETE', ...bearer(manageToken) })
    // Both the manage-token and the access comparison run, whichever matches.
    expect(spy).toHaveBeenCalledTimes(5)
  })
})

describe('GET /api/share/:id/status', () => {
  it('reports views left, expiry, failed attempts and open times, never content', async () => {
    const f = shareFixture({ maxViews: 3 })
    const { manageToken, expiresAt } = await createOk(t, f)
    await t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    t.clock.advance(60_000)
    await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    const res = await t.call(`/api/share/${f.id}/status`, bearer(manageToken))
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({
      id: f.id,
      state: 'live',
      viewsLeft: 2,
      maxViews: 3,
      ttlSeconds: 3600,
      createdAt: new Date(t.clock.now - 60_000).toISOString(),
      expiresAt,
      endedAt: null,
      failedAttempts: 1,
      opens: [{ at: new Date(t.clock.now).toISOString() }],
    })
    expect(text).not.toContain(f.ciphertext.slice(0, 40))
  })

  it('refuses a missing, malformed or wrong token with 401', async () => {
    const f = shareFixture()
    await createOk(t, f)
    const cases: RequestInit[] = [
      {},
      bearer('short'),
      { headers: { authorization: `Basic ${f.access}` } },
      bearer(b64url(crypto.randomBytes(32))),
      // The access value reads a share; it does not manage it.
      bearer(f.access),
    ]
    for (const init of cases) {
      const res = await t.call(`/api/share/${f.id}/status`, init)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect((await errorOf(res)).code).toBe('unauthorized')
    }
  })

  it('answers 404 for an unknown share, and for an expired one without its manage token', async () => {
    const f = shareFixture({ ttlSeconds: 300 })
    const { manageToken } = await createOk(t, f)
    const unknown = await t.call(`/api/share/${shareFixture().id}/status`, bearer(manageToken))
    expect(unknown.status).toBe(404)
    t.clock.advance(300_000)
    const other = bearer(b64url(crypto.randomBytes(32)))
    expect((await t.call(`/api/share/${f.id}/status`, other)).status).toBe(404)
    // Its creator learns it expired (share/tombstone.test.ts has every ending).
    const own = await t.call(`/api/share/${f.id}/status`, bearer(manageToken))
    expect(((await own.json()) as { state: string }).state).toBe('expired')
  })

  it('refuses a malformed id with 400', async () => {
    const res = await t.call('/api/share/not-an-id/status', bearer(b64url(crypto.randomBytes(32))))
    expect(res.status).toBe(400)
    expect((await errorOf(res)).field).toBe('id')
  })
})

describe('DELETE /api/share/:id', () => {
  it('deletes with the manage token: 204, then 404', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    const res = await t.call(`/api/share/${f.id}`, { method: 'DELETE', ...bearer(manageToken) })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(await count('shares')).toBe(0)
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
    expect((await auditEvents()).at(-1)).toEqual({ event: 'share_deleted', result: 'manage_token' })
  })

  it('deletes with the access value: 204', async () => {
    const f = shareFixture()
    await createOk(t, f)
    const res = await t.call(`/api/share/${f.id}`, { method: 'DELETE', ...bearer(f.access) })
    expect(res.status).toBe(204)
    expect((await auditEvents()).at(-1)).toEqual({ event: 'share_deleted', result: 'access' })
  })

  it('refuses a missing or wrong token with 401 and keeps the share', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    expect((await t.call(`/api/share/${f.id}`, { method: 'DELETE' })).status).toBe(401)
    const wrong = await t.call(`/api/share/${f.id}`, {
      method: 'DELETE',
      ...bearer(b64url(crypto.randomBytes(32))),
    })
    expect(wrong.status).toBe(401)
    expect(await count('shares')).toBe(1)
    const status = await t.call(`/api/share/${f.id}/status`, bearer(manageToken))
    expect(((await status.json()) as { failedAttempts: number }).failedAttempts).toBe(1)
  })

  it('a wrong DELETE token counts as a failed attempt, so DELETE is no passphrase oracle', async () => {
    const f = shareFixture()
    await createOk(t, f)
    for (let i = 0; i < 5; i++) {
      await t.call(`/api/share/${f.id}`, {
        method: 'DELETE',
        ...bearer(b64url(crypto.randomBytes(32))),
      })
    }
    expect(await count('shares')).toBe(0)
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
  })

  it('answers 404 for an unknown share', async () => {
    const res = await t.call(`/api/share/${shareFixture().id}`, {
      method: 'DELETE',
      ...bearer(b64url(crypto.randomBytes(32))),
    })
    expect(res.status).toBe(404)
  })
})

describe('API routing', () => {
  it('answers unknown API paths and methods with a JSON 404', async () => {
    for (const [path, method] of [
      ['/api/nope', 'GET'],
      ['/api/share', 'GET'],
      ['/api/share/AAAAAAAAAAAAAAAAAAAAAA', 'PUT'],
    ] as const) {
      const res = await t.call(path, { method })
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    }
  })

  it('serves the OpenAPI document', async () => {
    const res = await t.call('/api/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toContain('/api/share/{id}/open')
  })
})
