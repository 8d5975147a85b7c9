/** @module One load phase against a local server: how an `amount` run is timed and counted. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLoad } from './load.ts'

let server: http.Server
let origin = ''
const paths: string[] = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    paths.push(req.url ?? '')
    req.resume()
    req.on('end', () => res.end('{"ok":true}'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('runLoad', () => {
  it('times an amount run to its last answer, not to autocannon’s next whole second', async () => {
    paths.length = 0
    let next = 0
    const seen: number[] = []
    const figures = await runLoad(
      'amount',
      { origin, connections: 4, amount: 200 },
      {
        method: 'POST',
        nextPath: () => `/item/${next++}`,
        nextBody: () => Buffer.from('{}'),
        onResponse: (status) => seen.push(status),
      },
    )
    expect(figures.total).toBe(200)
    expect(figures.ok).toBe(200)
    // 200 local answers take milliseconds; autocannon alone reports its 1 s sample tick.
    expect(figures.seconds).toBeGreaterThan(0)
    expect(figures.seconds).toBeLessThan(0.9)
    expect(figures.reqPerSec).toBeCloseTo(200 / figures.seconds, 6)
    expect(figures.okPerSec).toBeCloseTo(200 / figures.seconds, 6)
    // The caller's own callback still sees every answer, and every request had its own path.
    expect(seen).toHaveLength(200)
    expect(new Set(paths).size).toBe(200)
  })
})
