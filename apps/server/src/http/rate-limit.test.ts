/** @module Rate limits: per address, per bucket, 429 with Retry-After, TRUST_PROXY semantics, 0 = off. */
import { afterEach, describe, expect, it } from 'vitest'
import {
  makeTestApp,
  jsonInit,
  scrapeMetrics,
  shareFixture,
  openInit,
  type TestApp,
} from '../test/test-app.ts'
import { MemoryRateLimitStore } from './rate-limit.ts'

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  await t?.db.destroy()
  t = undefined
})

const create = (app: TestApp, address: string, headers: Record<string, string> = {}) =>
  app.call('/api/share', jsonInit('POST', shareFixture().body, headers), address)

describe('MemoryRateLimitStore', () => {
  it('allows a burst of the budget, then one request per window/limit', () => {
    const store = new MemoryRateLimitStore()
    const take = (now: number) => store.take('k', 3, 60_000, now)
    expect([take(0), take(0), take(0)].every((d) => d.allowed)).toBe(true)
    expect(take(0)).toEqual({ allowed: false, retryAfterSeconds: 20 })
    expect(take(10_000)).toEqual({ allowed: false, retryAfterSeconds: 10 })
    expect(take(20_000).allowed).toBe(true)
    expect(take(20_000).allowed).toBe(false)
  })

  it('forgets keys whose budget is full again', () => {
    const store = new MemoryRateLimitStore()
    for (let i = 0; i < 100; i++) store.take(`k${i}`, 10, 60_000, 0)
    expect(store.size).toBe(100)
    store.take('other', 10, 60_000, 120_000)
    expect(store.size).toBe(1)
  })

  it('rate-limit memory stays bounded however many addresses call within one window', () => {
    const store = new MemoryRateLimitStore({ maxKeys: 1000 })
    for (let i = 0; i < 50_000; i++) store.take(`addr${i}`, 10, 60_000, i)
    expect(store.size).toBeLessThanOrEqual(1000)
    // A key used a moment ago keeps its spent budget through the eviction.
    for (let i = 0; i < 10; i++) store.take('busy', 10, 60_000, 50_000)
    for (let i = 0; i < 50; i++) store.take(`late${i}`, 10, 60_000, 50_001)
    expect(store.take('busy', 10, 60_000, 50_002).allowed).toBe(false)
  })
})

describe('rate limits on the API', () => {
  it('share creation is limited per client address with 429 and Retry-After', async () => {
    t = await makeTestApp({ config: { rateLimitPerMin: 3 } })
    for (let i = 0; i < 3; i++) expect((await create(t, '192.0.2.1')).status).toBe(201)
    const limited = await create(t, '192.0.2.1')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('20')
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    // Another address has its own budget.
    expect((await create(t, '192.0.2.2')).status).toBe(201)
    t.clock.advance(20_000)
    expect((await create(t, '192.0.2.1')).status).toBe(201)
  })

  it('opening has a budget separate from creating', async () => {
    t = await makeTestApp({ config: { rateLimitPerMin: 2 } })
    const f = shareFixture({ maxViews: 5 })
    for (let i = 0; i < 2; i++) await create(t, '192.0.2.1')
    expect((await create(t, '192.0.2.1')).status).toBe(429)
    await t.call('/api/share', jsonInit('POST', f.body), '192.0.2.9')
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.1')).status).toBe(
      200,
    )
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.1')).status).toBe(
      200,
    )
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access), '192.0.2.1')).status).toBe(
      429,
    )
  })

  it('X-Forwarded-For is trusted only when configured (TRUST_PROXY)', async () => {
    t = await makeTestApp({ config: { rateLimitPerMin: 1, trustProxy: 0 } })
    expect((await create(t, '10.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(201)
    // A new X-Forwarded-For does not buy a new budget.
    expect((await create(t, '10.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429)
  })

  it('with TRUST_PROXY=1 each forwarded client has its own budget and cannot spoof another', async () => {
    t = await makeTestApp({ config: { rateLimitPerMin: 1, trustProxy: 1 } })
    expect((await create(t, '10.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(201)
    expect((await create(t, '10.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(201)
    expect(
      (await create(t, '10.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.1' })).status,
    ).toBe(429)
  })

  it('counts refusals in /metrics', async () => {
    t = await makeTestApp({ config: { rateLimitPerMin: 1 } })
    await create(t, '192.0.2.1')
    await create(t, '192.0.2.1')
    const metrics = await scrapeMetrics(t)
    expect(metrics).toContain('secretsentry_rate_limited_total{bucket="create"} 1')
  })

  it('RATE_LIMIT_PER_MIN=0 turns the limits off', async () => {
    t = await makeTestApp({ config: { rateLimitPerMin: 0 } })
    const statuses = new Set<number>()
    for (let i = 0; i < 100; i++) statuses.add((await create(t, '192.0.2.1')).status)
    expect([...statuses]).toEqual([201])
  })
})
