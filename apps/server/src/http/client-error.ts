/** @module Node's own answers to requests it cannot parse (400, 431, 408), with the app's security headers. */
import type { Duplex } from 'node:stream'
import { HSTS, SECURITY_HEADERS } from './security-headers.ts'

const ANSWERS: Record<string, [status: number, reason: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'Chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive'],
}
const BAD_REQUEST: [number, string, string] = [400, 'Bad Request', 'Malformed HTTP request']

/** The raw response, security headers included (HSTS only on a TLS socket, as in the app). */
export function clientErrorResponse(code: string | undefined, encrypted: boolean): string {
  const [status, reason, message] = (code !== undefined && ANSWERS[code]) || BAD_REQUEST
  const errorCode = status === 413 ? 'payload_too_large' : 'invalid_input'
  const body = JSON.stringify({ error: { code: errorCode, message } })
  const headers: (readonly [string, string])[] = [
    ...SECURITY_HEADERS,
    ['cache-control', 'no-store'],
    ...(encrypted ? [['strict-transport-security', HSTS] as const] : []),
    ['content-type', 'application/json; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(body))],
    ['connection', 'close'],
  ]
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return `HTTP/1.1 ${status} ${reason}\r\n${lines}\r\n${body}`
}

/**
 * Security promise: requests Node refuses before the app sees them (a malformed request line or
 * header, headers over the size limit, a request that never finishes) are answered with the same
 * security headers as every app response (SPEC §6), not Node's bare default. As Node does, nothing
 * is written once a response on this connection has started, and the connection then closes.
 * For http.Server's 'clientError' event.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const encrypted = (socket as { encrypted?: boolean }).encrypted === true
    socket.end(clientErrorResponse(err.code, encrypted))
    // end() lets the answer reach a client still sending; one that never closes is cut after 1 s.
    const cut = setTimeout(() => socket.destroy(), 1000)
    cut.unref()
    socket.once('close', () => clearTimeout(cut))
    return
  }
  socket.destroy()
}
