/** @module Node's own answers to requests it cannot parse (400, 431) carry the app's security headers, over a raw socket to startServer. */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { startServer, type RunningServer } from '../server.ts'
import { clientErrorResponse } from './client-error.ts'
import { CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY } from './security-headers.ts'

let running: RunningServer
let dir: string

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-client-error-'))
  running = await startServer(testConfig({ dataDir: dir, port: 0, host: '127.0.0.1' }), {
    logger: createLogger({ level: 'silent' }),
    announce: () => {},
  })
  await running.ready
})
afterAll(async () => {
  await running.stop('test end')
  fs.rmSync(dir, { recursive: true, force: true })
})

/**
 * Writes each of `raws` once the answer to the one before has started arriving, and returns
 * everything the server sent until it closed the connection.
 */
function exchange(...raws: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(running.port, '127.0.0.1')
    let received = ''
    const pending = [...raws]
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      received += d
      const next = pending.shift()
      if (next !== undefined) socket.write(next)
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(received))
    socket.write(pending.shift() ?? '')
  })
}

interface RawResponse {
  status: number
  headers: Map<string, string>
  body: string
}

function parse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n')
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) }
}

function expectAppHeaders(res: RawResponse) {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
  expect(res.headers.get('permissions-policy')).toBe(PERMISSIONS_POLICY)
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('x-frame-options')).toBe('DENY')
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin')
  expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin')
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(res.headers.get('connection')).toBe('close')
  expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.body))
}

describe("Node's own error answers", () => {
  it('a malformed request: 400 with the security headers and a JSON error', async () => {
    const res = parse(await exchange('GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'))
    expect(res.status).toBe(400)
    expectAppHeaders(res)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_input' } })
  })

  it('headers over the size limit: 431 with the security headers', async () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`
    const res = parse(await exchange(big))
    expect(res.status).toBe(431)
    expectAppHeaders(res)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_input' } })
  })

  it('a malformed request after a good one on the same connection: the 400 follows the 200', async () => {
    const text = await exchange(
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
    )
    const [first = '', second = ''] = text.split(/(?=HTTP\/1\.1 )/)
    expect(parse(first).status).toBe(200)
    const res = parse(second)
    expect(res.status).toBe(400)
    expectAppHeaders(res)
  })

  it('a request that never finishes: 408; over TLS the answer carries HSTS too', () => {
    const plain = parse(clientErrorResponse('ERR_HTTP_REQUEST_TIMEOUT', false))
    expect(plain.status).toBe(408)
    expectAppHeaders(plain)
    expect(plain.headers.has('strict-transport-security')).toBe(false)
    const tls = parse(clientErrorResponse('HPE_INVALID_METHOD', true))
    expect(tls.status).toBe(400)
    expectAppHeaders(tls)
    expect(tls.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/)
  })

  it('the server still answers afterwards', async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200)
  })
})
