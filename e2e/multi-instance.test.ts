/**
 * @module Issue 9: two real server processes on one PostgreSQL and one Redis are one deployment.
 * A share made on one opens on the other, the burn is atomic across them, wrong accesses and
 * rate limits are counted once for both, and a stale vault write on the other instance is 409.
 */
import crypto from 'node:crypto'
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShare, fromB64url, prepareOpen } from '@secretsentry/envelope'
import { ClientError, createVaultClient } from '@secretsentry/client/vault'
import { createTextShare, openShare, shareStatus } from './support/api.ts'
import {
  balancer,
  clusterSkipReason,
  randomClientAddress,
  startCluster,
  type Cluster,
} from './support/cluster.ts'
import type { OpenOutcome, ParentMessage, WorkerMessage } from './support/race-worker.ts'
import { REPO_ROOT } from './support/paths.ts'
import type { RunningServer } from './support/server.ts'

const RACE_ROUNDS = 200
/** Opens per worker process; workers alternate between the instances, 25 opens on each. */
const RACE_BATCHES = [13, 12, 13, 12]
const RATE_LIMIT = 10

class RaceWorker {
  private waiting: ((m: WorkerMessage) => void) | undefined
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: WorkerMessage) => {
      const w = this.waiting
      this.waiting = undefined
      w?.(m)
    })
  }
  ask(message: ParentMessage): Promise<WorkerMessage> {
    return new Promise((resolveReply, reject) => {
      const timer = setTimeout(() => reject(new Error('race worker did not answer')), 30_000)
      this.waiting = (m) => {
        clearTimeout(timer)
        resolveReply(m)
      }
      this.child.send(message)
    })
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as {
    viewsLeft?: number
    error?: { code: string; attemptsLeft?: number }
  }
  return { status: res.status, json, retryAfter: res.headers.get('retry-after') }
}

describe.skipIf(clusterSkipReason !== null)('two instances, one PostgreSQL, one Redis', () => {
  let cluster: Cluster
  let a: RunningServer
  let b: RunningServer

  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 })
    ;[a, b] = cluster.servers as [RunningServer, RunningServer]
  })

  afterAll(async () => {
    await cluster?.close()
  })

  it('a share created on one instance opens on the other, both ways', async () => {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const text = `made on ${from.port}`
      const share = await createTextShare(from.origin, text, { maxViews: 2 })
      expect((await shareStatus(to.origin, share.id, share.manageToken))?.viewsLeft).toBe(2)
      const first = await openShare(to.origin, share.fragment)
      expect(first.ok && first.record).toEqual({ kind: 'text', text })
      // The view it spent is gone for the instance that made it too.
      const second = await openShare(from.origin, share.fragment)
      expect(second.ok && second.body.viewsLeft).toBe(0)
      expect((await openShare(to.origin, share.fragment)).status).toBe(404)
    }
  })

  it(`a 1-view share opened 50 times at once, half on each instance, gives exactly one 200 (${RACE_ROUNDS} rounds)`, async () => {
    const script = fileURLToPath(new URL('./support/race-worker.ts', import.meta.url))
    const workers = RACE_BATCHES.map(
      () =>
        new RaceWorker(
          fork(script, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
        ),
    )
    const wins = { a: 0, b: 0 }
    const started = performance.now()
    try {
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const share = await createTextShare((round % 2 === 0 ? a : b).origin, `race ${round}`)
        const { id, access } = await prepareOpen(share.fragment)
        const body = JSON.stringify({ access })
        const target = (i: number) => (i % 2 === 0 ? a : b)
        const armed = await Promise.all(
          workers.map((w, i) =>
            w.ask({
              type: 'arm',
              url: `${target(i).origin}/api/share/${id}/open`,
              body,
              count: RACE_BATCHES[i] ?? 0,
            }),
          ),
        )
        expect(armed.every((m) => m.type === 'armed')).toBe(true)
        const replies = await Promise.all(workers.map((w) => w.ask({ type: 'go' })))
        const outcomes: { instance: 'a' | 'b'; outcome: OpenOutcome }[] = []
        replies.forEach((reply, i) => {
          if (reply.type !== 'done') throw new Error(`race worker failed: ${JSON.stringify(reply)}`)
          const instance = i % 2 === 0 ? 'a' : 'b'
          for (const outcome of reply.outcomes) outcomes.push({ instance, outcome })
        })
        const tally: Record<number, number> = {}
        for (const { outcome } of outcomes) tally[outcome.status] = (tally[outcome.status] ?? 0) + 1
        expect(tally, `round ${round}`).toEqual({ 200: 1, 404: 49 })
        const winner = outcomes.find((o) => o.outcome.status === 200)
        expect(winner?.outcome.viewsLeft).toBe(0)
        expect(
          outcomes
            .filter((o) => o.outcome.status === 404)
            .every((o) => o.outcome.code === 'not_found'),
        ).toBe(true)
        if (winner) wins[winner.instance]++
      }
    } finally {
      for (const w of workers) if (w.child.connected) w.child.send({ type: 'exit' })
    }
    const seconds = (performance.now() - started) / 1000
    console.log(
      `[multi-instance] ${RACE_ROUNDS} rounds × 50 opens in ${seconds.toFixed(1)} s; the one 200 came from A ${wins.a}×, from B ${wins.b}×`,
    )
  })

  it('wrong access values spread over both instances are counted together: the 5th destroys the share', async () => {
    const share = await createTextShare(a.origin, 'guarded')
    const { id, access } = await prepareOpen(share.fragment)
    const wrong = () => crypto.randomBytes(fromB64url(access).length).toString('base64url')
    const left: (number | undefined)[] = []
    for (let i = 0; i < 5; i++) {
      const res = await post(`${(i % 2 === 0 ? a : b).origin}/api/share/${id}/open`, {
        access: wrong(),
      })
      expect(res.status).toBe(403)
      expect(res.json.error?.code).toBe('wrong_access')
      left.push(res.json.error?.attemptsLeft)
    }
    expect(left).toEqual([4, 3, 2, 1, 0])
    // Destroyed for the whole deployment: the right value gets the ordinary 404 on either.
    for (const s of [b, a]) {
      const res = await post(`${s.origin}/api/share/${id}/open`, { access })
      expect(res.status).toBe(404)
      expect(res.json.error?.code).toBe('not_found')
    }
    // Only its receipt is left, and it says how the share ended on the other instance too.
    expect(await shareStatus(b.origin, share.id, share.manageToken)).toMatchObject({
      state: 'destroyed',
      viewsLeft: 0,
    })
  })

  it(`a rate limit of ${RATE_LIMIT} a minute is one budget for the deployment: ${RATE_LIMIT / 2} on each, then 429 on either`, async () => {
    // Limits on, with the caller's address from X-Forwarded-For: a fresh address per run keeps
    // this budget apart from every other run's in the shared Redis.
    const env = { RATE_LIMIT_PER_MIN: String(RATE_LIMIT), TRUST_PROXY: '1' }
    const c = await cluster.addInstance(env)
    const d = await cluster.addInstance(env)
    const address = randomClientAddress()
    const create = async (s: RunningServer, from = address) => {
      const { request } = await createShare(
        { kind: 'text', text: 'limited' },
        { ttlSeconds: 300, maxViews: 1 },
      )
      return post(`${s.origin}/api/share`, request, { 'x-forwarded-for': from })
    }
    const statuses: number[] = []
    for (let i = 0; i < RATE_LIMIT; i++) statuses.push((await create(i % 2 === 0 ? c : d)).status)
    expect(statuses).toEqual(Array(RATE_LIMIT).fill(201))
    for (const s of [c, d]) {
      const limited = await create(s)
      expect(limited.status).toBe(429)
      expect(limited.json.error?.code).toBe('rate_limited')
      const retryAfter = Number(limited.retryAfter)
      expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60).toBe(true)
    }
    // Per caller, not per deployment: another address still has its whole budget.
    expect((await create(d, randomClientAddress())).status).toBe(201)
  })

  it('a vault session from a login on one instance works on the other, where a stale revision gets 409', async () => {
    const lb = balancer([a, b])
    const client = createVaultClient({ origin: lb.origin, fetch: lb.fetch, session: 'cookie' })
    const username = `mi-${crypto.randomBytes(4).toString('hex')}`
    const password = 'correct horse battery staple 9'
    lb.route(a)
    await client.register(username, password)
    const session = await client.login(username, password)
    const meta = { name: 'DB_PASSWORD', description: 'primary', tags: ['prod'], path: '/app' }
    const v1 = await session.create({ meta, value: 'value one' })
    const v2 = await session.update(v1.summary, { value: 'value two' })
    expect(v2.summary.revision).toBeGreaterThan(v1.summary.revision)

    lb.route(b)
    // The cookie and CSRF token A issued are good on B: it reads and writes there.
    expect((await session.read(v2.summary)).value).toBe('value two')
    const stale = await session
      .update(v1.summary, { meta: { ...meta, description: 'stale edit' } })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(stale).toBeInstanceOf(ClientError)
    expect((stale as ClientError).status).toBe(409)
    expect((stale as ClientError).code).toBe('conflict')
    const v3 = await session.update(v2.summary, { value: 'value three' })

    // B checks the CSRF token, not just the cookie: the same cookie without it is refused.
    const cookie = lb.cookie()
    expect(cookie).toBeDefined()
    const forged = await fetch(`${b.origin}/api/secrets/${v3.id}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        cookie: cookie ?? '',
        'if-match': `"${v3.summary.revision}"`,
      },
      body: '{}',
    })
    expect(forged.status).toBe(403)
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('csrf')

    lb.route(a)
    const back = await session.read(v3.id)
    expect(back.value).toBe('value three')
    expect(session.decrypt(back.summary).meta?.description).toBe('primary')
  })
})
