/** @module Reading a JSON request body: media type first, then the size limit while reading, then parsing. */
import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { ApiError } from '../errors.ts'

// No `connection: close`: drainUnreadBody (drain-body.ts) reads the rest of the body before this
// answer goes out, so the client has finished sending and reads it, and the connection stays usable.
const tooLarge = (maxBytes: number) =>
  new ApiError(413, 'payload_too_large', `Request body is larger than ${maxBytes} bytes`)

/** application/json, with or without parameters, any case (RFC 9110 §8.3.1). */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase()
  return essence === 'application/json'
}

/**
 * Reads and parses the body. The size limit holds before any parsing and whatever the headers
 * claim: a declared Content-Length above the limit is refused without keeping a byte, and the
 * bytes actually received are counted too (a chunked body has no length; a client may lie about
 * it). Nothing past the limit is ever buffered.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  if (!isJson(c.req.header('content-type'))) {
    throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json')
  }
  const declared = c.req.header('content-length')
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared.trim()))
      throw new ApiError(400, 'invalid_input', 'Content-Length is not a number')
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes)
  }
  const bytes = await readCapped(c, maxBytes)
  if (bytes.length === 0) throw new ApiError(400, 'invalid_input', 'Request body is empty')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ApiError(400, 'invalid_input', 'Request body is not valid UTF-8')
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Never echo the parser's message: it quotes the body.
    throw new ApiError(400, 'invalid_input', 'Request body is not valid JSON')
  }
}

function readCapped(c: Context, maxBytes: number): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  // Under @hono/node-server, read the Node stream directly: building a web stream costs more
  // than the rest of a small request.
  if (incoming && typeof incoming.on === 'function' && !incoming.readableDidRead) {
    return readIncoming(incoming, maxBytes)
  }
  return readWebStream(c.req.raw.body, maxBytes)
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      incoming.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        cleanup()
        // drainUnreadBody reads and discards the rest before the 413 is sent.
        incoming.pause()
        reject(tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    }
    const onError = () => {
      cleanup()
      reject(new ApiError(400, 'invalid_input', 'Request body could not be read'))
    }
    const onClose = () => {
      if (!incoming.readableEnded) onError()
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
    incoming.on('close', onClose)
  })
}

async function readWebStream(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw tooLarge(maxBytes)
      }
      chunks.push(value)
    }
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(400, 'invalid_input', 'Request body could not be read')
  }
  return Buffer.concat(chunks, size)
}
