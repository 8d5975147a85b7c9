/** @module Reading and discarding a request body nobody read (413, 415, 401, 429...) before the answer goes out. */
import type { IncomingMessage } from 'node:http'
import type { MiddlewareHandler } from 'hono'

/**
 * How much of an unread body is read and thrown away before the answer is sent. Covers any body
 * up to 100 MiB past the largest limit. Beyond it the connection is closed instead.
 */
export const DISCARD_MAX_BYTES = 128 * 1_048_576

/** Reads `incoming` to its end, keeping nothing; false if it went past `maxBytes` or broke. */
export function discardRest(incoming: IncomingMessage, maxBytes: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (incoming.readableEnded) return resolve(true)
    if (incoming.destroyed) return resolve(false)
    let discarded = 0
    const finish = (ended: boolean) => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onBroken)
      incoming.off('close', onBroken)
      resolve(ended)
    }
    const onData = (chunk: Buffer) => {
      discarded += chunk.length
      if (discarded > maxBytes) {
        incoming.pause()
        finish(false)
      }
    }
    const onEnd = () => finish(true)
    const onBroken = () => finish(incoming.readableEnded)
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onBroken)
    incoming.on('close', onBroken)
    incoming.resume()
  })
}

/**
 * Security-neutral, reliability promise: an answer given without reading the body (a 413 over the
 * limit, a 401, a 429) reaches the client. Sent while the client is still uploading, and followed
 * by closing the socket with the upload unread, it was lost to a TCP reset in most clients
 * (EPIPE/ECONNRESET in Node http, undici and curl). So the rest of the body is read first and
 * discarded (memory stays flat), and the connection stays usable. A stalled sender is cut by
 * Node's requestTimeout; past `maxBytes` the answer says `connection: close` and Node closes.
 * Under @hono/node-server only (app.request() has no socket); not for GET and HEAD.
 */
export function drainUnreadBody(maxBytes = DISCARD_MAX_BYTES): MiddlewareHandler {
  return async function drainUnreadBody(c, next) {
    await next()
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    if (!incoming || typeof incoming.resume !== 'function' || incoming.readableEnded) return
    if (!(await discardRest(incoming, maxBytes))) c.res.headers.set('connection', 'close')
  }
}
