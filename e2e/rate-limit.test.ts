/** @module SPEC §6 rate limits against the real server: creating past the per-address budget gets 429 with Retry-After; pages stay reachable. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShare } from '@secretsentry/envelope'
import { startServer, type RunningServer } from './support/server.ts'

const BUDGET = 5

let server: RunningServer

beforeAll(async () => {
  server = await startServer({ env: { RATE_LIMIT_PER_MIN: String(BUDGET) } })
})

afterAll(async () => {
  await server?.cleanup()
})

async function create(): Promise<Response> {
  const { request } = await createShare(
    { kind: 'text', text: 'limited' },
    { ttlSeconds: 300, maxViews: 1 },
  )
  return fetch(`${server.origin}/api/share`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  })
}

describe('rate limits', () => {
  it(`allows ${BUDGET} creates a minute per address, then answers 429 with Retry-After`, async () => {
    const statuses: number[] = []
    let limited: Response | undefined
    for (let i = 0; i < BUDGET + 3; i++) {
      const res = await create()
      statuses.push(res.status)
      if (res.status === 429 && !limited) limited = res
      else await res.arrayBuffer()
    }
    expect(statuses.slice(0, BUDGET)).toEqual(Array(BUDGET).fill(201))
    expect(statuses.slice(BUDGET)).toEqual([429, 429, 429])
    const retryAfter = Number(limited?.headers.get('retry-after'))
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60).toBe(true)
    const body = (await limited?.json()) as { error: { code: string } }
    expect(body.error.code).toBe('rate_limited')
  })

  it('the pages themselves are not limited', async () => {
    for (let i = 0; i < BUDGET * 2; i++) {
      const res = await fetch(`${server.origin}/s`)
      await res.arrayBuffer()
      expect(res.status).toBe(200)
    }
  })
})
