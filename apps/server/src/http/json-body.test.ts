/** @module Body limits over a real socket (the Node stream path): declared and streamed sizes, before parsing. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestApp, shareFixture, type TestApp } from '../test/test-app.ts'

let t: TestApp
let server: ServerType
let port: number

beforeAll(async () => {
  t = await makeTestApp({ config: { maxSecretBytes: 4096 } })
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await t.close()
  await t.db.destroy()
})

interface Result {
  status: number
  body: string
  sent: number
}

/** POSTs `chunks()` as a chunked body, stopping as soon as the server answers. */
function post(
  path: string,
  headers: Record<string, string>,
  chunks: () => Buffer | null,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      answered = true
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }))
    })
    req.on('error', (err) => (answered ? undefined : reject(err)))
    const pump = () => {
      while (!answered) {
        const chunk = chunks()
        if (!chunk) return void req.end()
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
    }
    pump()
  })
}

describe('readJsonBody over HTTP', () => {
  it('accepts a normal chunked JSON body', async () => {
    let done = false
    const body = Buffer.from(JSON.stringify(shareFixture().body))
    const res = await post('/api/share', { 'content-type': 'application/json' }, () =>
      done ? null : ((done = true), body),
    )
    expect(res.status).toBe(201)
  })

  it('stops reading a streamed body at the limit with 413', async () => {
    const chunk = Buffer.alloc(16_384, 'A')
    const res = await post('/api/share', { 'content-type': 'application/json' }, () => chunk)
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } })
    // Nowhere near an unbounded read: the client was cut off soon after the limit.
    expect(res.sent).toBeLessThan(20_000_000)
  })

  it('refuses a declared Content-Length over the limit with 413 before reading', async () => {
    let sent = false
    const res = await post(
      '/api/share',
      { 'content-type': 'application/json', 'content-length': String(50_000_000) },
      () => (sent ? Buffer.alloc(65_536, 'A') : ((sent = true), Buffer.from('not json'))),
    )
    expect(res.status).toBe(413)
  })

  it('still answers on the same server afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(res.status).toBe(200)
  })
})
