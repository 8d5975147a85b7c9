/** @module The security headers every response carries (SPEC §6), errors and static files included. */
import type { Context, MiddlewareHandler } from 'hono'
import { isHttps } from './client-address.ts'

/** No inline script or style, no eval, nothing from other origins; the built app needs nothing more. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  // No workers: a worker's script cannot carry integrity, so the vault's Argon2id (the master
  // password) runs on the page in SRI-checked code, and nothing else needs a thread.
  "worker-src 'none'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Features the app never uses; the clipboard (copy buttons) keeps its same-origin default. */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'payment=()',
  'usb=()',
  'interest-cohort=()',
].join(', ')

export const HSTS = 'max-age=63072000; includeSubDomains'

/** On every answer, the app's and Node's own (see client-error.ts): the one list of them. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['content-security-policy', CONTENT_SECURITY_POLICY],
  ['referrer-policy', 'no-referrer'],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['permissions-policy', PERMISSIONS_POLICY],
]

/** Paths whose answers must never be stored: the API (tokens, ciphertext) and the share page. */
export function isNoStorePath(path: string): boolean {
  return path === '/s' || path.startsWith('/s/') || path === '/api' || path.startsWith('/api/')
}

// Kept on the request's context rather than in a WeakMap keyed by the request: each WeakMap
// entry is an ephemeron that every young-generation GC has to trace, thousands a second.
declare module 'hono' {
  interface ContextVariableMap {
    /** The headers of an answer built by `jsonAnswer`; set before the routes run. */
    answerHeaders: Record<string, string>
    /** The answer `jsonAnswer` built with every header already in place. */
    completeAnswer: Response
  }
}

/**
 * Runs outermost (inside the request metrics), after everything else, so it also covers 404s and
 * error responses. HSTS only when the request came over TLS: over plain HTTP the header is
 * ignored at best. `requestId` names the request in its `x-request-id` header.
 */
export function securityHeaders(options: {
  trustProxy: number
  requestId: (c: Context) => string | undefined
}): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    const https = isHttps(c, options.trustProxy)
    const requestId = options.requestId(c)
    c.set('answerHeaders', jsonAnswerHeaders(requestId, https))
    await next()
    if (c.res === c.get('completeAnswer')) return
    const headers = c.res.headers
    for (const [name, value] of SECURITY_HEADERS) headers.set(name, value)
    if (isNoStorePath(c.req.path) || !headers.has('cache-control'))
      headers.set('cache-control', 'no-store')
    if (https) headers.set('strict-transport-security', HSTS)
    if (requestId !== undefined) headers.set('x-request-id', requestId)
  }
}

/**
 * Every header of a JSON answer, the security headers included (it has no cache-control of its
 * own), in one object literal: a fixed shape made in one allocation. Spreading the list into a
 * record and adding to it moved the object through a shape transition per key, every request.
 * Written out rather than copied from a template (`{ ...TEMPLATE, 'x-request-id': id }`), which
 * measured 2% more instructions per burn and 3.5% per create. `app.test.ts` holds these answers
 * to the same headers as every other answer's, so the two lists cannot drift apart unseen.
 */
function jsonAnswerHeaders(requestId: string | undefined, https: boolean): Record<string, string> {
  const record: Record<string, string> =
    requestId === undefined
      ? { 'content-type': 'application/json', ...SECURITY_RECORD, 'cache-control': 'no-store' }
      : {
          'content-type': 'application/json',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
          'permissions-policy': PERMISSIONS_POLICY,
          'cache-control': 'no-store',
          'x-request-id': requestId,
        }
  if (https) record['strict-transport-security'] = HSTS
  return record
}

const SECURITY_RECORD: Readonly<Record<string, string>> = Object.fromEntries(SECURITY_HEADERS)

/**
 * A JSON answer whose headers, the security headers included, are written in one plain record.
 * Filling a Headers object afterwards (validating each value character by character, then
 * sorting the list to write it) cost 8-9% of the instructions of a share create or open; the hot
 * routes answer with this instead. Without the middleware (nothing prepared) it is an ordinary answer
 * that the middleware, wherever it runs, completes as usual.
 */
export function jsonAnswer(c: Context, json: string, status: 200 | 201 = 200): Response {
  const record = c.get('answerHeaders')
  if (!record) return c.body(json, status, { 'Content-Type': 'application/json' })
  const res = new Response(json, { status, headers: record })
  c.set('completeAnswer', res)
  return res
}
