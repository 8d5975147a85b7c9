/** @module /metrics after real requests: every operator signal of issue 4 moves when its event happens. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { VERSION } from './app.ts'
import {
  createOk,
  jsonInit,
  makeTestApp,
  openInit,
  scrapeMetrics,
  shareFixture,
  type TestApp,
} from './test/test-app.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp({ config: { rateLimitPerMin: 0 } })
})
afterEach(async () => {
  await t.close()
  await t.db.destroy().catch(() => {})
})

/** One sample's value from the exposition text; undefined when the series does not exist. */
async function sample(name: string, labels = ''): Promise<number | undefined> {
  const text = await scrapeMetrics(t)
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

const wrongAccess = () => openInit(shareFixture().access)
const bearer = (token: string): RequestInit => ({
  method: 'DELETE',
  headers: { authorization: `Bearer ${token}` },
})

describe('share lifecycle counters', () => {
  it('five wrong access values destroy a share: destroyed{reason="failed_attempts"}', async () => {
    const f = shareFixture()
    await createOk(t, f)
    for (let i = 0; i < 4; i++) {
      expect((await t.call(`/api/share/${f.id}/open`, wrongAccess())).status).toBe(403)
    }
    expect(await sample('secretsentry_shares_destroyed_total', '{reason="failed_attempts"}')).toBe(
      undefined,
    )
    expect((await t.call(`/api/share/${f.id}/open`, wrongAccess())).status).toBe(403)
    expect(await sample('secretsentry_shares_destroyed_total', '{reason="failed_attempts"}')).toBe(
      1,
    )
    expect(await sample('secretsentry_shares_opened_total')).toBe(0)
  })

  it('wrong DELETE tokens count as failed attempts and destroy the share the same way', async () => {
    const f = shareFixture()
    await createOk(t, f)
    for (let i = 0; i < 5; i++) {
      expect((await t.call(`/api/share/${f.id}`, bearer(shareFixture().access))).status).toBe(401)
    }
    expect(await sample('secretsentry_shares_destroyed_total', '{reason="failed_attempts"}')).toBe(
      1,
    )
    expect(await sample('secretsentry_shares_destroyed_total', '{reason="deleted"}')).toBe(
      undefined,
    )
  })

  it('a share deleted by its owner: destroyed{reason="deleted"}', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    expect((await t.call(`/api/share/${f.id}`, bearer(manageToken))).status).toBe(204)
    expect(await sample('secretsentry_shares_destroyed_total', '{reason="deleted"}')).toBe(1)
  })

  it('a share found expired when opened: expired{where="open"}; a used-up one is not counted', async () => {
    const expiring = shareFixture({ ttlSeconds: 300 })
    await createOk(t, expiring)
    const used = shareFixture()
    await createOk(t, used)
    expect((await t.call(`/api/share/${used.id}/open`, openInit(used.access))).status).toBe(200)
    expect((await t.call(`/api/share/${used.id}/open`, openInit(used.access))).status).toBe(404)
    t.clock.advance(301_000)
    const res = await t.call(`/api/share/${expiring.id}/open`, openInit(expiring.access))
    expect(res.status).toBe(404)
    expect(await sample('secretsentry_shares_expired_total', '{where="open"}')).toBe(1)
    expect(await sample('secretsentry_shares_created_total')).toBe(2)
    expect(await sample('secretsentry_shares_opened_total')).toBe(1)
  })

  it('opened counts views, not shares: a 3-view share opened 3 times adds 3', async () => {
    const f = shareFixture({ maxViews: 3 })
    await createOk(t, f)
    for (let i = 0; i < 3; i++) {
      expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(200)
    }
    expect(await sample('secretsentry_shares_opened_total')).toBe(3)
  })
})

describe('request metrics', () => {
  it('latency histogram: one observation per request, in its route', async () => {
    for (let i = 0; i < 3; i++) await t.call('/healthz')
    const labels = '{method="GET",route="/healthz"}'
    expect(await sample('secretsentry_http_request_duration_seconds_count', labels)).toBe(3)
    expect(
      await sample(
        'secretsentry_http_request_duration_seconds_bucket',
        '{le="+Inf",method="GET",route="/healthz"}',
      ),
    ).toBe(3)
  })

  it('refusals are counted by status; unknown paths share one route label, never their own', async () => {
    await t.call('/api/share', jsonInit('POST', '{'))
    await t.call('/no/such/path/abc', { method: 'POST' })
    await t.call('/no/such/path/def', { method: 'POST' })
    expect(
      await sample(
        'secretsentry_http_requests_total',
        '{method="POST",route="/api/share",status="400"}',
      ),
    ).toBe(1)
    // The catch-all of the web app's routes: label values stay a small fixed set.
    expect(
      await sample('secretsentry_http_requests_total', '{method="POST",route="/*",status="404"}'),
    ).toBe(2)
    const text = await scrapeMetrics(t)
    expect(text).not.toContain('/no/such')
  })

  it('429s are counted per bucket and in the request totals', async () => {
    const limited = await makeTestApp({ config: { rateLimitPerMin: 1 } })
    const f = shareFixture()
    await createOk(limited, f)
    await limited.call(`/api/share/${f.id}/open`, openInit(f.access))
    for (const path of ['/api/share', `/api/share/${f.id}/open`]) {
      const body = path === '/api/share' ? shareFixture().body : { access: f.access }
      expect((await limited.call(path, jsonInit('POST', body))).status).toBe(429)
    }
    const text = await scrapeMetrics(limited)
    expect(text).toContain('secretsentry_rate_limited_total{bucket="create"} 1')
    expect(text).toContain('secretsentry_rate_limited_total{bucket="open"} 1')
    expect(text).toContain(
      'secretsentry_http_requests_total{method="POST",route="/api/share",status="429"} 1',
    )
    await limited.close()
    await limited.db.destroy()
  })
})

describe('operations', () => {
  it('sweeper failures are counted, and a failed batch is not counted as a run', async () => {
    await t.sweeper.runOnce()
    expect(await sample('secretsentry_sweeper_runs_total')).toBe(1)
    await t.rows('drop table shares')
    await expect(t.sweeper.runOnce()).rejects.toThrow()
    expect(await sample('secretsentry_sweeper_failures_total')).toBe(1)
    expect(await sample('secretsentry_sweeper_runs_total')).toBe(1)
  })

  it('database size grows as shares are stored', async () => {
    const before = (await sample('secretsentry_db_size_bytes'))!
    for (let i = 0; i < 40; i++) await createOk(t, shareFixture({}, 8192))
    const after = (await sample('secretsentry_db_size_bytes'))!
    expect(after - before).toBeGreaterThanOrEqual(40 * 8192)
  })

  it('build info names the running version', async () => {
    expect(await sample('secretsentry_build_info', `{version="${VERSION}"}`)).toBe(1)
  })

  it('an unhandled error is logged with the request id of its request, and no message', async () => {
    const f = shareFixture()
    await t.rows('drop table shares')
    const res = await t.call('/api/share', jsonInit('POST', f.body))
    expect(res.status).toBe(500)
    await new Promise((resolve) => setImmediate(resolve))
    const error = t.logs.lines().find((l) => l.msg === 'unhandled error')
    expect(error).toEqual({
      time: expect.any(String),
      level: 'error',
      msg: 'unhandled error',
      error: expect.any(String),
      reqId: res.headers.get('x-request-id'),
    })
    // Never bodies: the ciphertext and id the client sent appear in no log line.
    expect(t.logs.text()).not.toContain(f.ciphertext.slice(0, 32))
    expect(t.logs.text()).not.toContain(f.id)
  })
})

describe('who may read /metrics', () => {
  const get = (app: TestApp, address: string, headers: Record<string, string> = {}) =>
    app.call('/metrics', { headers }, address)

  it('without METRICS_TOKEN: only a direct loopback client, never through a proxy', async () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
      expect((await get(t, address)).status, address).toBe(200)
    }
    for (const address of ['192.0.2.10', '10.0.0.5', '::ffff:192.0.2.10', '2001:db8::1']) {
      const res = await get(t, address)
      expect(res.status, address).toBe(403)
      expect(await res.text()).toContain('METRICS_TOKEN')
    }
    // A proxy on this host connects from loopback; its forwarding header gives it away.
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expect((await get(t, '127.0.0.1', { [header]: '198.51.100.7' })).status, header).toBe(403)
    }
  })

  it('with METRICS_TOKEN: the right bearer token from anywhere, nothing else', async () => {
    const token = 'scrape-token.0123456789'
    const guarded = await makeTestApp({ config: { metricsToken: token } })
    try {
      const ok = await get(guarded, '192.0.2.10', { authorization: `Bearer ${token}` })
      expect(ok.status).toBe(200)
      expect(await ok.text()).toContain('secretsentry_build_info')
      const refused: [string, Record<string, string>][] = [
        ['loopback, no token', {}],
        ['wrong token', { authorization: 'Bearer scrape-token.0123456780' }],
        ['prefix of the token', { authorization: `Bearer ${token.slice(0, -1)}` }],
        ['token plus more', { authorization: `Bearer ${token}x` }],
        ['not a bearer', { authorization: `Basic ${token}` }],
      ]
      for (const [label, headers] of refused) {
        const res = await get(guarded, '127.0.0.1', headers)
        expect(res.status, label).toBe(401)
        expect(res.headers.get('www-authenticate'), label).toBe('Bearer realm="metrics"')
        expect(await res.text(), label).not.toContain('secretsentry_build_info')
      }
    } finally {
      await guarded.close()
      await guarded.db.destroy()
    }
  })
})
