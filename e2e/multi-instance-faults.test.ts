/**
 * @module Issue 9, faults: two real server processes on one PostgreSQL and one Redis, each
 * reached through a relay the test stops and starts. PostgreSQL away, idle or under load: 503
 * at once (never a hang, never a 500), every 201 kept, not ready, back by itself. Redis away: not ready, logins refused (fail
 * closed), shares served on per-instance budgets, back by itself. kill -9 of one instance under
 * create load: every acknowledged share opens on the other.
 */
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShare, prepareOpen } from '@secretsentry/envelope'
import { ClientError, createVaultClient, type VaultClient } from '@secretsentry/client/vault'
import {
  balancer,
  clusterSkipReason,
  fetchAs,
  randomClientAddress,
  shareClientAs,
  startCluster,
  type Cluster,
} from './support/cluster.ts'
import type { TcpRelay } from './support/relay.ts'
import type { RunningServer } from './support/server.ts'

/** Creates and opens a minute per address: small, so the fallback budgets can be counted. */
const RATE_LIMIT = 4
/** A request during an outage must be answered within this (the database is refused at once). */
const ANSWER_WITHIN_MS = 3000
const OUTAGE_MS = 3000
const RECOVERY_TIMEOUT_MS = 15_000
const LOAD_CONCURRENCY = 30
const KILL_AFTER_MS = 1000
const LOAD_MS = 2500
const PASSWORD = 'correct horse battery staple 9'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const STACK_TRACE = /\n\s+at |\bat .+\.(ts|js):\d+/

interface Answer {
  status: number
  ms: number
  body: string
  retryAfter: string | null
}

/** One request from a fresh caller, timed; a hang shows as status 0 after 10 s, not a stuck test. */
async function timed(url: string, body?: unknown): Promise<Answer> {
  const started = performance.now()
  try {
    const res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': randomClientAddress() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    return {
      status: res.status,
      ms: performance.now() - started,
      body: text,
      retryAfter: res.headers.get('retry-after'),
    }
  } catch (e) {
    return { status: 0, ms: performance.now() - started, body: String(e), retryAfter: null }
  }
}

async function newShareRequest(text: string) {
  const { request } = await createShare({ kind: 'text', text }, { ttlSeconds: 600, maxViews: 1 })
  return request
}

const readyz = (s: RunningServer) => timed(`${s.origin}/readyz`).then((r) => r.status)

/** Waits until every instance answers /readyz with `status`; resolves with the milliseconds it took. */
async function allReadyz(servers: RunningServer[], status: number): Promise<number> {
  const started = performance.now()
  await expect
    .poll(async () => Promise.all(servers.map(readyz)), {
      timeout: RECOVERY_TIMEOUT_MS,
      interval: 50,
    })
    .toEqual(servers.map(() => status))
  return performance.now() - started
}

function vaultClient(s: RunningServer): VaultClient {
  return createVaultClient({ origin: s.origin, fetch: fetchAs(), session: 'bearer' })
}

async function loginError(s: RunningServer, username: string): Promise<ClientError> {
  const e = await vaultClient(s)
    .login(username, PASSWORD)
    .then(
      () => undefined,
      (err: unknown) => err,
    )
  if (!(e instanceof ClientError)) throw new Error(`login did not fail: ${String(e)}`)
  return e
}

describe.skipIf(clusterSkipReason !== null)('faults of a two-instance deployment', () => {
  let cluster: Cluster
  let a: RunningServer
  let b: RunningServer
  let pgRelay: TcpRelay
  let redisRelay: TcpRelay

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 2,
      relays: true,
      env: { RATE_LIMIT_PER_MIN: String(RATE_LIMIT), TRUST_PROXY: '1' },
    })
    ;[a, b] = cluster.servers as [RunningServer, RunningServer]
    if (!cluster.pg || !cluster.redis) throw new Error('no relays')
    pgRelay = cluster.pg
    redisRelay = cluster.redis
  })

  afterAll(async () => {
    await cluster?.close()
  })

  it('PostgreSQL away: API answers 503 at once and /readyz 503; all recovers by itself', async () => {
    const before = await shareClientAs(a.origin).create(
      { kind: 'text', text: 'made before the outage' },
      { ttlSeconds: 600, maxViews: 1 },
    )
    const { id, access } = await prepareOpen(before.fragment)

    await pgRelay.stop()
    const outage = performance.now()
    const answers: { what: string; answer: Answer }[] = []
    while (performance.now() - outage < OUTAGE_MS) {
      for (const s of [a, b]) {
        const [create, open, ready, live] = await Promise.all([
          newShareRequest('during the outage').then((r) => timed(`${s.origin}/api/share`, r)),
          timed(`${s.origin}/api/share/${id}/open`, { access }),
          timed(`${s.origin}/readyz`),
          timed(`${s.origin}/healthz`),
        ])
        answers.push(
          { what: 'create', answer: create },
          { what: 'open', answer: open },
          { what: 'readyz', answer: ready },
          { what: 'healthz', answer: live },
        )
      }
      await sleep(200)
    }
    await pgRelay.start()
    const back = performance.now()

    const summary = answers.map(({ what, answer }) => `${what} ${answer.status}`)
    const expected = (what: string) => (what === 'healthz' ? 200 : 503)
    expect(summary).toEqual(answers.map(({ what }) => `${what} ${expected(what)}`))
    for (const { what, answer } of answers) {
      expect(answer.ms, `${what} took ${answer.ms} ms`).toBeLessThan(ANSWER_WITHIN_MS)
      expect(answer.body).not.toMatch(STACK_TRACE)
      if (what === 'create' || what === 'open') {
        expect(JSON.parse(answer.body)).toEqual({
          error: { code: 'internal', message: 'The database is unavailable; try again' },
        })
      }
    }
    const slowest = Math.max(...answers.map((x) => x.answer.ms))

    const recoveryMs = await allReadyz([a, b], 200)
    const after = await shareClientAs(a.origin).create(
      { kind: 'text', text: 'made after the outage' },
      { ttlSeconds: 600, maxViews: 1 },
    )
    expect((await shareClientAs(b.origin).open(after.link)).record).toEqual({
      kind: 'text',
      text: 'made after the outage',
    })
    // The outage spent none of the earlier share's views.
    expect((await shareClientAs(b.origin).open(before.link)).record).toEqual({
      kind: 'text',
      text: 'made before the outage',
    })
    console.log(
      `[multi-instance-faults] PostgreSQL away ${((back - outage) / 1000).toFixed(1)} s: ${answers.length} answers, slowest ${slowest.toFixed(0)} ms; ready again ${recoveryMs.toFixed(0)} ms after its return`,
    )
  })

  it('PostgreSQL cut in the middle of a create load: each answer is 201 or a quick 503, and 201s return by themselves', async () => {
    const answers: { answer: Answer; id: string; sent: number; at: number }[] = []
    let running = true
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const request = await newShareRequest(`load across the cut ${w}-${i}`)
        const sent = performance.now()
        const answer = await timed(`${((w + i) % 2 === 0 ? a : b).origin}/api/share`, request)
        answers.push({ answer, id: request.id, sent, at: performance.now() })
      }
    }
    const load = Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)))
    await sleep(500)
    await pgRelay.stop()
    const cut = performance.now()
    await sleep(1500)
    await pgRelay.start()
    const back = performance.now()
    // Back without anyone's help: creates on both instances succeed again.
    await expect
      .poll(
        () => {
          const recent = answers.filter((x) => x.at > back).slice(-10)
          return recent.length === 10 && recent.every((x) => x.answer.status === 201)
        },
        { timeout: RECOVERY_TIMEOUT_MS, interval: 50 },
      )
      .toBe(true)
    running = false
    await load

    const statuses = new Set(answers.map((x) => x.answer.status))
    expect([...statuses].sort()).toEqual([201, 503])
    for (const { answer } of answers) {
      expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS)
      expect(answer.body).not.toMatch(STACK_TRACE)
    }
    const duringCut = answers.filter((x) => x.sent > cut && x.at < back)
    expect(duringCut.length).toBeGreaterThan(0)
    expect(duringCut.every((x) => x.answer.status === 503)).toBe(true)
    // A 201 is a promise: every share acknowledged, even just before the cut, is there after it.
    const acknowledged = answers.filter((x) => x.answer.status === 201)
    const lost: string[] = []
    for (const { answer, id } of acknowledged) {
      const { manageToken } = JSON.parse(answer.body) as { manageToken: string }
      const status = await shareClientAs(b.origin)
        .status(id, manageToken)
        .catch((e: unknown) => e)
      if (!(status && typeof status === 'object' && 'viewsLeft' in status)) lost.push(id)
    }
    expect(lost).toEqual([])
    const refused = answers.length - acknowledged.length
    console.log(
      `[multi-instance-faults] PostgreSQL cut under load: ${acknowledged.length} creates 201 (all there afterwards), ${refused} answered 503, slowest ${Math.max(...answers.map((x) => x.answer.ms)).toFixed(0)} ms; creating again ${(performance.now() - back).toFixed(0)} ms after its return`,
    )
  })

  it('Redis away: /readyz 503, logins 503 (fail closed), shares on per-instance budgets; all recovers by itself', async () => {
    const username = `faults-${crypto.randomBytes(4).toString('hex')}`
    const lb = balancer([a, b], { forwardedFor: randomClientAddress() })
    const owner = createVaultClient({ origin: lb.origin, fetch: lb.fetch, session: 'bearer' })
    const session = await owner.register(username, PASSWORD)

    await redisRelay.stop()
    const outage = performance.now()
    const notReadyMs = await allReadyz([a, b], 503)

    // Fails closed: a password guess whose budget cannot be checked is not let through.
    for (const s of [a, b]) {
      const refused = await loginError(s, username)
      expect(refused.status).toBe(503)
      expect(refused.message).toMatch(/^Logins are paused while the rate limiter is unreachable/)
      expect(refused.details.retryAfterSeconds).toBe(5)
    }
    // A session opened on A before the outage keeps working, here on B.
    lb.route(b)
    const secret = await session.create({
      meta: { name: 'DURING_OUTAGE', description: '', tags: [], path: '' },
      value: 'written while Redis was away',
    })
    expect((await session.read(secret.id)).value).toBe('written while Redis was away')

    // Shares keep working: create on one, open on the other.
    const share = await shareClientAs(a.origin).create(
      { kind: 'text', text: 'shared while Redis was away' },
      { ttlSeconds: 600, maxViews: 1 },
    )
    expect((await shareClientAs(b.origin).open(share.link)).record).toEqual({
      kind: 'text',
      text: 'shared while Redis was away',
    })
    // Their limits fall back to each instance's memory: still enforced, once per instance.
    const caller = randomClientAddress()
    for (const s of [a, b]) {
      const statuses: number[] = []
      for (let i = 0; i <= RATE_LIMIT; i++) {
        const res = await fetch(`${s.origin}/api/share`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': caller },
          body: JSON.stringify(await newShareRequest('fallback budget')),
        })
        await res.arrayBuffer()
        statuses.push(res.status)
      }
      expect(statuses, s.origin).toEqual([...Array<number>(RATE_LIMIT).fill(201), 429])
    }

    await redisRelay.start()
    const back = performance.now()
    const recoveryMs = await allReadyz([a, b], 200)
    const relogged = await vaultClient(b).login(username, PASSWORD)
    expect((await relogged.read(secret.id)).value).toBe('written while Redis was away')
    // One budget for both again.
    const next = randomClientAddress()
    const shared: number[] = []
    for (const s of [a, b, a, b, a, b]) {
      const res = await fetch(`${s.origin}/api/share`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': next },
        body: JSON.stringify(await newShareRequest('shared budget')),
      })
      await res.arrayBuffer()
      shared.push(res.status)
    }
    expect(shared).toEqual([...Array<number>(RATE_LIMIT).fill(201), 429, 429])
    console.log(
      `[multi-instance-faults] Redis away ${((back - outage) / 1000).toFixed(1)} s: not ready after ${notReadyMs.toFixed(0)} ms; ready again ${recoveryMs.toFixed(0)} ms after its return`,
    )
  })

  it('kill -9 of one instance during a create load on both: every share answered 201 opens on the other', async () => {
    const acknowledged: { share: { link: string }; text: string; on: 'a' | 'b' }[] = []
    const failures: { on: 'a' | 'b'; error: string }[] = []
    let killed: Promise<number | string | null> | undefined
    const stopAt = performance.now() + LOAD_MS
    const timer = setTimeout(() => (killed = a.crash()), KILL_AFTER_MS)
    let n = 0
    const worker = async (w: number) => {
      for (let i = 0; performance.now() < stopAt; i++) {
        // Half the workers' requests go to A until it is gone; then all to B, as a balancer would.
        const on = (w + i) % 2 === 0 && !killed ? 'a' : 'b'
        const text = `load ${n++}`
        try {
          const share = await shareClientAs((on === 'a' ? a : b).origin).create(
            { kind: 'text', text },
            { ttlSeconds: 600, maxViews: 1 },
          )
          acknowledged.push({ share, text, on })
        } catch (e) {
          failures.push({ on, error: e instanceof ClientError ? e.code : String(e) })
        }
      }
    }
    await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, (_, w) => worker(w)))
    clearTimeout(timer)
    expect(await killed).toBe('SIGKILL')

    const onA = acknowledged.filter((x) => x.on === 'a').length
    const onB = acknowledged.length - onA
    expect(onA).toBeGreaterThan(0)
    expect(onB).toBeGreaterThan(0)
    // B never noticed: only requests to the killed process failed, and only as cut connections.
    expect(failures.filter((f) => f.on === 'b')).toEqual([])
    expect(failures.every((f) => f.error === 'network')).toBe(true)

    const started = performance.now()
    const missing: string[] = []
    const queue = [...acknowledged]
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let x = queue.pop(); x; x = queue.pop()) {
          const opened = await shareClientAs(b.origin)
            .open(x.share.link)
            .catch((e: unknown) => e)
          if (opened instanceof Error || (opened as { record: unknown }).record === undefined) {
            missing.push(`${x.text}: ${String(opened)}`)
          } else {
            expect((opened as { record: unknown }).record).toEqual({ kind: 'text', text: x.text })
          }
        }
      }),
    )
    expect(missing).toEqual([])
    console.log(
      `[multi-instance-faults] kill -9 under load: ${acknowledged.length} creates answered 201 (A ${onA}, B ${onB}), ${failures.length} cut off on A; all opened on B in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  })
})
