/**
 * @module Shared rate limits on Redis (REDIS_URL): the same GCRA answers as the memory store,
 * one budget across instances, atomic under concurrency, and the failure directions while Redis
 * is away (login refused, the rest per instance), with recovery by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { testConfig } from '../config.ts'
import { startServer } from '../server.ts'
import { prng } from '../test/prng.ts'
import {
  jsonInit,
  makeTestApp,
  scrapeMetrics,
  shareFixture,
  type TestApp,
} from '../test/test-app.ts'
import { errorOf, rand, registerBody } from '../test/vault-fixtures.ts'
import {
  MemoryRateLimitStore,
  STORE_DOWN_RETRY_AFTER_SECONDS,
  type RateDecision,
} from './rate-limit.ts'
import { RedisRateLimitStore } from './redis-rate-limit.ts'

const REDIS_URL = process.env.TEST_REDIS_URL
const REDIS_SERVER = '/usr/bin/redis-server'
const redisSkip = REDIS_URL ? null : 'TEST_REDIS_URL is not set'
const serverSkip = fs.existsSync(REDIS_SERVER) ? null : `${REDIS_SERVER} not found`
if (redisSkip) console.warn(`SKIPPED: ${redisSkip}; the shared Redis rate-limit tests need a Redis`)
if (serverSkip) console.warn(`SKIPPED: ${serverSkip}; the Redis outage tests start their own`)

/** Every run gets its own keys, so reruns and parallel suites never share budgets. */
const runPrefix = () => `secretsentry-test:${crypto.randomUUID()}:`

const stores: RedisRateLimitStore[] = []
const apps: TestApp[] = []
async function store(url: string, prefix: string): Promise<RedisRateLimitStore> {
  const s = await RedisRateLimitStore.connect(url, { prefix })
  stores.push(s)
  return s
}
async function app(shared: RedisRateLimitStore, config = {}): Promise<TestApp> {
  const t = await makeTestApp({
    config: { rateLimitPerMin: 60, loginRateLimitPerMin: 10, ...config },
    sharedRateLimitStore: shared,
  })
  apps.push(t)
  return t
}
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.close()
    await t.db.destroy()
  }
  for (const s of stores.splice(0)) await s.close()
})

const create = (t: TestApp, address = '192.0.2.1') =>
  t.call('/api/share', jsonInit('POST', shareFixture().body), address)
const login = (t: TestApp, username: string, address = '192.0.2.1') =>
  t.call('/api/login', jsonInit('POST', { username, authKey: rand(32) }), address)

interface Step {
  key: string
  limit: number
  windowMs: number
  now: number
}

/** A scripted sequence: bursts, fractional intervals (60000/7), hour windows, time moving on. */
function script(seed: number, length: number): Step[] {
  const random = prng(seed).next
  const budgets = [
    { limit: 3, windowMs: 60_000 },
    { limit: 7, windowMs: 60_000 },
    { limit: 100, windowMs: 3_600_000 },
    { limit: 1, windowMs: 1_000 },
  ]
  let now = Date.UTC(2026, 0, 1)
  const steps: Step[] = []
  for (let i = 0; i < length; i++) {
    const budget = budgets[Math.floor(random() * budgets.length)] as (typeof budgets)[number]
    // Mostly bursts at one instant, sometimes a few seconds, now and then a fraction of a ms.
    const r = random()
    now += r < 0.5 ? 0 : r < 0.9 ? Math.floor(random() * 9000) : random()
    steps.push({ key: `bucket:k${budgets.indexOf(budget)}`, ...budget, now })
  }
  return steps
}

describe.skipIf(redisSkip)('RedisRateLimitStore', () => {
  const url = REDIS_URL as string

  it('answers a scripted sequence exactly as MemoryRateLimitStore does (allow/deny and Retry-After)', async () => {
    const redis = await store(url, runPrefix())
    const memory = new MemoryRateLimitStore()
    const steps = script(9, 400)
    const fromMemory: RateDecision[] = steps.map((s) =>
      memory.take(s.key, s.limit, s.windowMs, s.now),
    )
    const fromRedis: RateDecision[] = []
    for (const s of steps) fromRedis.push(await redis.take(s.key, s.limit, s.windowMs, s.now))
    expect(fromRedis).toEqual(fromMemory)
    // The script exercised both answers, with waits of more than one second.
    expect(fromMemory.filter((d) => d.allowed).length).toBeGreaterThan(50)
    expect(fromMemory.filter((d) => d.retryAfterSeconds > 1).length).toBeGreaterThan(50)
  })

  it('the memory store’s own example holds on Redis too', async () => {
    const redis = await store(url, runPrefix())
    const take = (now: number) => redis.take('k', 3, 60_000, now)
    for (let i = 0; i < 3; i++) expect((await take(0)).allowed).toBe(true)
    expect(await take(0)).toEqual({ allowed: false, retryAfterSeconds: 20 })
    expect(await take(10_000)).toEqual({ allowed: false, retryAfterSeconds: 10 })
    expect((await take(20_000)).allowed).toBe(true)
    expect((await take(20_000)).allowed).toBe(false)
  })

  it('keys carry the prefix and expire once the budget is full again', async () => {
    const prefix = runPrefix()
    const redis = await store(url, prefix)
    const now = Date.now()
    await redis.take('bucket:a', 2, 60_000, now)
    const { Redis } = await import('ioredis')
    const raw = new Redis(url)
    try {
      const ttl = await raw.pttl(`${prefix}bucket:a`)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(30_000)
    } finally {
      raw.disconnect()
    }
  })

  it('is atomic: 60 concurrent takes over two connections allow exactly the limit', async () => {
    const prefix = runPrefix()
    const [a, b] = [await store(url, prefix), await store(url, prefix)]
    const now = Date.UTC(2026, 0, 1)
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take('race:k', 20, 60_000, now)),
    )
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20)
  })

  it('two app instances on one Redis spend one budget: the limit is reached half on each', async () => {
    const prefix = runPrefix()
    const one = await app(await store(url, prefix), { rateLimitPerMin: 4 })
    const two = await app(await store(url, prefix), { rateLimitPerMin: 4 })
    expect((await create(one)).status).toBe(201)
    expect((await create(two)).status).toBe(201)
    expect((await create(one)).status).toBe(201)
    expect((await create(two)).status).toBe(201)
    const refused = await create(one)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('15')
    expect((await create(two)).status).toBe(429)
    // Per instance, each would still have had two left.
  })

  it('login attempts per account are counted across instances', async () => {
    const prefix = runPrefix()
    const one = await app(await store(url, prefix), { loginRateLimitPerMin: 4 })
    const two = await app(await store(url, prefix), { loginRateLimitPerMin: 4 })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      statuses.push((await login(one, 'nobody', '203.0.113.5')).status)
      statuses.push((await login(two, 'nobody', '203.0.113.5')).status)
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
  })

  it('/readyz is 200 while Redis answers', async () => {
    const t = await app(await store(url, runPrefix()))
    expect((await t.call('/readyz')).status).toBe(200)
  })
})

/** A Redis of our own, so the tests can take it away and bring it back. */
class OwnRedis {
  #child: ChildProcess | undefined
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-redis-'))
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  async start() {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: this.dir, stdio: 'ignore' },
    )
    this.#child = child
    for (let tries = 0; !(await accepts(this.port)); tries++) {
      if (tries > 200) throw new Error(`redis-server did not listen on ${this.port}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async kill() {
    const child = this.#child
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  pause(paused: boolean) {
    this.#child?.kill(paused ? 'SIGSTOP' : 'SIGCONT')
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe.skipIf(serverSkip)('while Redis is away', () => {
  let redis: OwnRedis
  beforeAll(async () => {
    redis = new OwnRedis(await freePort())
    await redis.start()
  })
  afterAll(async () => {
    redis.pause(false)
    await redis.kill()
    fs.rmSync(redis.dir, { recursive: true, force: true })
  })

  it('login is refused (503, Retry-After), share create falls back to a per-instance budget, /readyz 503; all recover by themselves', async () => {
    const shared = await store(redis.url, runPrefix())
    const t = await app(shared, { rateLimitPerMin: 3 })
    const body = registerBody('rita')
    expect((await t.call('/api/register', jsonInit('POST', body))).status).toBe(201)
    expect((await login(t, 'rita')).status).toBe(401)
    const changePassword = () => t.call('/api/account/password', jsonInit('POST', {}))
    expect((await changePassword()).status).toBe(401)

    await redis.kill()
    await expect.poll(() => shared.available()).toBe(false)
    const refused = await login(t, 'rita')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe(String(STORE_DOWN_RETRY_AFTER_SECONDS))
    expect(await errorOf(refused)).toMatchObject({ code: 'internal' })
    // Password changes are refused the same way, before their session is even looked at.
    expect((await changePassword()).status).toBe(503)
    // Sharing goes on, limited per instance: 3 a minute from one address, then 429.
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await create(t, '192.0.2.50')).status)
    expect(statuses).toEqual([201, 201, 201, 429])
    expect((await t.call('/readyz')).status).toBe(503)
    const metrics = await scrapeMetrics(t)
    expect(metrics).toContain(
      'secretsentry_rate_limit_store_failures_total{bucket="login",outcome="refused"} 1',
    )
    expect(metrics).toContain(
      'secretsentry_rate_limit_store_failures_total{bucket="create",outcome="fallback"} 4',
    )

    await redis.start()
    await expect.poll(async () => (await t.call('/readyz')).status, { timeout: 10_000 }).toBe(200)
    expect((await login(t, 'rita')).status).toBe(401)
    // Back on the shared budget (the new Redis is empty): this address may create again.
    expect((await create(t, '192.0.2.50')).status).toBe(201)
  })

  it('a stalled Redis (not answering) refuses a login within the command timeout instead of hanging', async () => {
    const shared = await store(redis.url, runPrefix())
    const t = await app(shared)
    redis.pause(true)
    try {
      expect((await login(t, 'sam')).status).toBe(503)
      expect((await create(t)).status).toBe(201)
    } finally {
      redis.pause(false)
    }
    await expect.poll(async () => (await login(t, 'sam')).status, { timeout: 10_000 }).toBe(401)
  })
})

describe('REDIS_URL at start-up', () => {
  it('an unreachable Redis is a start-up error naming REDIS_URL, without a password or a stack', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-redis-start-'))
    try {
      const config = testConfig({ dataDir, port: 0, redisUrl: 'redis://:hunter2@127.0.0.1:1' })
      const failure = await startServer(config, { announce: () => {} }).then(
        () => new Error('started'),
        (err: unknown) => err as Error,
      )
      expect(failure.message).toBe('REDIS_URL: cannot reach redis://127.0.0.1:1 (ECONNREFUSED)')
      // Nothing was created before the check.
      expect(fs.readdirSync(dataDir)).toEqual([])
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it.skipIf(redisSkip)(
    'a reachable Redis: the server starts, is ready, and stops cleanly',
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-redis-start-'))
      try {
        const config = testConfig({ dataDir, port: 0, redisUrl: REDIS_URL as string })
        const running = await startServer(config, { announce: () => {} })
        await running.ready
        expect((await fetch(`${running.url}/readyz`)).status).toBe(200)
        await running.stop()
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true })
      }
    },
  )
})
