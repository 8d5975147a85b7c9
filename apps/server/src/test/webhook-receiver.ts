/** @module Test helper: a real HTTP webhook receiver on 127.0.0.1 that records what it gets. */
import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  headers: http.IncomingHttpHeaders
  body: string
}

export interface Receiver {
  url: string
  port: number
  received: Received[]
  /** Status the next requests get. */
  status: number
  close(): Promise<void>
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = []
  const r = { status: 204 }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() })
      res.writeHead(r.status, { location: 'http://127.0.0.1:1/elsewhere' })
      res.end('receiver body that must not be stored')
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    port: bound,
    received,
    get status() {
      return r.status
    },
    set status(s: number) {
      r.status = s
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The Standard Webhooks check (https://www.standardwebhooks.com/, "Verifying webhooks") written
 * from the specification, independently of the server's signing code.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const id = headers['webhook-id'] as string
  const ts = headers['webhook-timestamp'] as string
  const expected = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest()
  return (headers['webhook-signature'] as string).split(' ').some((s) => {
    const [version, value] = s.split(',')
    if (version !== 'v1' || !value) return false
    const got = Buffer.from(value, 'base64')
    return got.length === expected.length && crypto.timingSafeEqual(got, expected)
  })
}
