/** @module Body limits over a real socket (the Node stream path): declared and streamed sizes, before parsing; a refused body is discarded to its end, within a bound. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISCARD_MAX_BYTES } from './drain-body.ts'
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
  headers: http.IncomingHttpHeaders
  /** The client's error (a reset) when no answer came. */
  error?: string
}

/** POSTs `chunks()` (chunked unless a content-length is given), stopping as soon as the server answers. */
function post(
  path: string,
  headers: Record<string, string>,
  chunks: () => Buffer | null,
  agent?: http.Agent,
): Promise<Result> {
  return new Promise((resolve) => {
    let sent = 0
    let answered = false
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers, ...(agent ? { agent } : {}) },
      (res) => {
        answered = true
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, sent, headers: res.headers }),
        )
      },
    )
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) resolve({ status: 0, body: '', sent, headers: {}, error: err.code ?? '?' })
    })
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

/** `count` chunks of 64 KiB of 'A', then the end. */
function chunksOf(count: number): () => Buffer | null {
  const chunk = Buffer.alloc(65_536, 'A')
  let left = count
  return () => (left-- > 0 ? chunk : null)
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

  it('reads an oversized chunked body to its end, keeping none of it, then answers 413 on a connection that stays open', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const res = await post(
        '/api/share',
        { 'content-type': 'application/json' },
        chunksOf(64),
        agent,
      )
      expect(res.status).toBe(413)
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } })
      // The answer waited for the whole upload, so the client read it instead of a reset.
      expect(res.sent).toBe(64 * 65_536)
      expect(res.headers.connection).toBe('keep-alive')
      const next = await new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (r) => {
          r.resume()
          r.on('end', () => resolve({ status: r.statusCode ?? 0, reused: req.reusedSocket }))
        })
        req.on('error', reject)
      })
      expect(next).toEqual({ status: 200, reused: true })
    } finally {
      agent.destroy()
    }
  })

  it('refuses a declared Content-Length over the limit with 413 once the declared bytes are discarded', async () => {
    const res = await post(
      '/api/share',
      { 'content-type': 'application/json', 'content-length': String(64 * 65_536) },
      chunksOf(64),
    )
    expect(res.status).toBe(413)
    expect(res.sent).toBe(64 * 65_536)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } })
  })

  it('an endless body is read no further than DISCARD_MAX_BYTES past the limit, then the connection closes', async () => {
    const chunk = Buffer.alloc(65_536, 'A')
    const res = await post('/api/share', { 'content-type': 'application/json' }, () => chunk)
    // Either the 413 arrives, announcing the close, or the close beats it (a reset).
    if (res.error === undefined) {
      expect(res.status).toBe(413)
      expect(res.headers.connection).toBe('close')
    }
    expect(res.sent).toBeGreaterThan(DISCARD_MAX_BYTES)
    // Allows for what the client and both kernels buffer; an unbounded read would never stop.
    expect(res.sent).toBeLessThan(DISCARD_MAX_BYTES + 32 * 1_048_576)
  })

  it('still answers on the same server afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(res.status).toBe(200)
  })
})
