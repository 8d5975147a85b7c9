/** @module The security headers every response carries (SPEC §6), errors and static files included. */
import type { MiddlewareHandler } from 'hono'
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

/**
 * Runs outermost, after everything else, so it also covers 404s and error responses.
 * HSTS only when the request came over TLS: over plain HTTP the header is ignored at best.
 */
export function securityHeaders(options: { trustProxy: number }): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next()
    const headers = c.res.headers
    for (const [name, value] of SECURITY_HEADERS) headers.set(name, value)
    if (isNoStorePath(c.req.path) || !headers.has('cache-control'))
      headers.set('cache-control', 'no-store')
    if (isHttps(c, options.trustProxy)) headers.set('strict-transport-security', HSTS)
  }
}
