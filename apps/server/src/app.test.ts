/** @module App-wide behaviour: security headers on every response, health, readiness, metrics, request logs. */
import crypto from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from './app.ts'
import { testConfig } from './config.ts'
import { openDatabase } from './db/database.ts'
import { CONTENT_SECURITY_POLICY } from './http/security-headers.ts'
import {
  createOk,
  jsonInit,
  makeTestApp,
  openInit,
  shareFixture,
  type TestApp,
} from './test/test-app.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp({ config: { rateLimitPerMin: 1, maxSecretBytes: 2048 } })
})
afterEach(async () => {
  await t.close()
  await t.db.destroy().catch(() => {})
})

function expectSecurityHeaders(res: Response, label: string) {
  const h = res.headers
  expect(h.get('content-security-policy'), label).toBe(CONTENT_SECURITY_POLICY)
  expect(h.get('referrer-policy'), label).toBe('no-referrer')
  expect(h.get('x-content-type-options'), label).toBe('nosniff')
  expect(h.get('x-frame-options'), label).toBe('DENY')
  expect(h.get('cross-origin-opener-policy'), label).toBe('same-origin')
  expect(h.get('permissions-policy'), label).toContain('camera=()')
  expect(h.get('strict-transport-security'), label).toBeNull()
}

describe('security headers', () => {
  it('headers on every response: API answers of every status, 404s, health, metrics, HEAD', async () => {
    const f = shareFixture()
    const big = shareFixture({}, 4096)
    const cases: [string, () => Promise<Response>, number][] = [
      ['201 create', () => t.call('/api/share', jsonInit('POST', f.body)), 201],
      ['429 create', () => t.call('/api/share', jsonInit('POST', shareFixture().body)), 429],
      ['413 create', () => t.call('/api/share', jsonInit('POST', big.body), '192.0.2.77'), 413],
      ['400 create', () => t.call('/api/share', jsonInit('POST', '{'), '192.0.2.78'), 400],
      ['415 create', () => t.call('/api/share', { method: 'POST', body: 'x' }, '192.0.2.79'), 415],
      ['403 open', () => t.call(`/api/share/${f.id}/open`, openInit(shareFixture().access)), 403],
      ['200 open', () => t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.80'), 200],
      ['404 open', () => t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.81'), 404],
      ['401 status', () => t.call(`/api/share/${f.id}/status`), 401],
      ['404 api', () => t.call('/api/nothing'), 404],
      ['404 unmatched', () => t.call('/nothing', { method: 'POST' }), 404],
      ['404 static', () => t.call('/assets/none.js'), 404],
      ['200 openapi', () => t.call('/api/openapi.json'), 200],
      ['200 healthz', () => t.call('/healthz'), 200],
      ['HEAD healthz', () => t.call('/healthz', { method: 'HEAD' }), 200],
      ['200 readyz', () => t.call('/readyz'), 200],
      ['200 metrics', () => t.call('/metrics', undefined, '127.0.0.1'), 200],
      ['403 metrics', () => t.call('/metrics'), 403],
    ]
    for (const [label, send, status] of cases) {
      const res = await send()
      expect(res.status, label).toBe(status)
      expectSecurityHeaders(res, label)
    }
  })

  it('headers on every response: also on a 500', async () => {
    const broken = await makeTestApp()
    await broken.db.destroy()
    const res = await broken.call(`/api/share/${shareFixture().id}/status`, {
      headers: { authorization: `Bearer ${shareFixture().access}` },
    })
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'Internal error' } })
    expectSecurityHeaders(res, '500')
    await broken.close()
  })

  it('the hot routes, which write their headers in one go, answer with the same headers as the rest', async () => {
    const f = shareFixture()
    const headersOf = (res: Response) =>
      Object.fromEntries(
        [...res.headers].filter(
          ([n]) => !['content-length', 'content-type', 'x-request-id'].includes(n),
        ),
      )
    for (const app of [t, await makeTestApp({ config: { trustProxy: 1 } })]) {
      const over = { headers: { 'x-forwarded-proto': 'https' } }
      const https = (init: RequestInit): RequestInit => ({
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...over.headers },
      })
      const general = headersOf(await app.call('/api/nothing', over))
      const other = headersOf(await app.call('/readyz', over))
      const hot = [
        await app.call('/api/share', https(jsonInit('POST', f.body))),
        await app.call(`/api/share/${f.id}/open`, https(openInit(f.access))),
        await app.call('/healthz', over),
      ]
      expect(hot.map((r) => r.status)).toEqual([201, 200, 200])
      for (const res of hot) {
        expect(headersOf(res)).toEqual(general)
        expect(headersOf(res)).toEqual(other)
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-/)
        expect(res.headers.get('content-type')).toBe('application/json')
      }
      expect(general['strict-transport-security'] !== undefined).toBe(app !== t)
      if (app === t) continue
      await app.close()
      await app.db.destroy()
    }
  })

  it('Cache-Control: no-store on every API answer', async () => {
    for (const res of [
      await t.call('/api/share', jsonInit('POST', shareFixture().body)),
      await t.call('/api/nothing'),
      await t.call('/api/openapi.json'),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
  })

  it('HSTS only when served over TLS (directly or via a trusted proxy)', async () => {
    expect(
      (await t.call('https://secrets.example/healthz')).headers.get('strict-transport-security'),
    ).toMatch(/^max-age=\d+/)
    const spoofed = await t.call('/healthz', { headers: { 'x-forwarded-proto': 'https' } })
    expect(spoofed.headers.get('strict-transport-security')).toBeNull()
    const proxied = await makeTestApp({ config: { trustProxy: 1 } })
    const res = await proxied.call('/healthz', { headers: { 'x-forwarded-proto': 'https' } })
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/)
    await proxied.close()
    await proxied.db.destroy()
  })
})

describe('health', () => {
  it('/healthz answers while the process lives', async () => {
    expect(await (await t.call('/healthz')).json()).toEqual({ status: 'ok' })
  })

  it('/readyz is 200 when migrated and 503 once shutting down', async () => {
    expect((await t.call('/readyz')).status).toBe(200)
    await t.close()
    expect((await t.call('/readyz')).status).toBe(503)
  })

  it('/readyz is 503 when migrations have not run or the database is gone', async () => {
    const { db } = openDatabase(':memory:')
    const app = createApp({ db, config: testConfig() })
    expect((await app.app.request('/readyz')).status).toBe(503)
    await db.destroy()
    expect((await app.app.request('/readyz')).status).toBe(503)
    await app.close()
  })

  it('graceful close flushes queued writes before it resolves', async () => {
    // One create first loads the instance policy (a database read on PostgreSQL), so the 30 below
    // reach the write queue within microtasks.
    await createOk(t, shareFixture(), '198.51.100.1')
    const fixtures = Array.from({ length: 30 }, () => shareFixture())
    const pending = fixtures.map((f, i) =>
      t.call('/api/share', jsonInit('POST', f.body), `192.0.2.${i + 1}`),
    )
    // Let the requests reach the write queue, then close before their batch has run.
    for (let i = 0; i < 10_000 && t.queue.pending < 30; i++) await Promise.resolve()
    expect(t.queue.pending).toBe(30)
    await t.close()
    expect(t.queue.pending).toBe(0)
    expect((await t.rows('select count(*) as n from shares'))[0]).toEqual({ n: 31 })
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual(Array<number>(30).fill(201))
  })

  it('writes refused during shutdown get a 503, not a 500', async () => {
    await t.close()
    const res = await t.call('/api/share', jsonInit('POST', shareFixture().body))
    expect(res.status).toBe(503)
  })
})

describe('/metrics', () => {
  it('counts requests by route pattern and status, latency, shares and database size', async () => {
    const f = shareFixture()
    await createOk(t, f)
    await t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.2')
    await t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.3')
    const res = await t.call('/metrics', undefined, '127.0.0.1')
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain(
      'secretsentry_http_requests_total{method="POST",route="/api/share",status="201"} 1',
    )
    expect(text).toContain(
      'secretsentry_http_requests_total{method="POST",route="/api/share/:id/open",status="200"} 1',
    )
    expect(text).toContain(
      'secretsentry_http_requests_total{method="POST",route="/api/share/:id/open",status="404"} 1',
    )
    expect(text).toMatch(
      /secretsentry_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/share"\}/,
    )
    expect(text).toContain('secretsentry_shares_created_total 1')
    expect(text).toContain('secretsentry_shares_opened_total 1')
    expect(text).toMatch(/secretsentry_db_size_bytes [1-9]\d*/)
    // Route patterns only: no share id ever becomes a label.
    expect(text).not.toContain(f.id)
  })
})

describe('request log', () => {
  it('writes one JSON line per request with route pattern, status and duration, no path or query', async () => {
    const f = shareFixture()
    await createOk(t, f)
    await t.call(`/api/share/${f.id}/open?debug=${f.access}`, openInit(f.access), '192.0.2.9')
    await new Promise((resolve) => setImmediate(resolve))
    const lines = t.logs.lines().filter((l) => l.msg === 'request')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'request',
      reqId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-z]+$/),
      method: 'POST',
      route: '/api/share/:id/open',
      status: 200,
      ms: expect.any(Number),
    })
    expect(t.logs.text()).not.toContain(f.id)
  })

  it('tags each response with its request id', async () => {
    const a = await t.call('/healthz')
    const b = await t.call('/healthz')
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-/)
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'))
  })

  it('logs unexpected errors by name only', async () => {
    const broken = await makeTestApp()
    await broken.db.destroy()
    const token = crypto.randomBytes(32).toString('base64url')
    await broken.call(`/api/share/${shareFixture().id}/status`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await new Promise((resolve) => setImmediate(resolve))
    const errors = broken.logs.lines().filter((l) => l.level === 'error')
    expect(errors).toHaveLength(1)
    expect(Object.keys(errors[0] ?? {}).sort()).toEqual(['error', 'level', 'msg', 'reqId', 'time'])
    expect(broken.logs.text()).not.toContain(token)
    await broken.close()
  })
})
