/** @module Sessions (SPEC §5): random tokens stored hashed, a __Host- cookie with a CSRF token for browsers, bearer tokens for scripts. */
import crypto from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { VAULT_LIMITS } from '@secretsentry/contract/limits'
import type { Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import { ApiError } from '../errors.ts'
import { constantTimeEqual, sha256 } from '../share/share.service.ts'
import * as q from './session.queries.ts'

/** `__Host-`: only over HTTPS (or localhost), for this host only, Path=/ (RFC 6265bis §4.1.3.2). */
export const SESSION_COOKIE = '__Host-ss_session'
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600 * 1000
/** last_seen_at is written at most this often per session: idle expiry need not be exact to the second. */
const TOUCH_EVERY_MS = 60_000

export interface Session {
  userId: Buffer
  tokenHash: Buffer
  via: 'cookie' | 'bearer'
  csrfToken: string
}

export type SessionEnv = { Variables: { session: Session } }

export interface SessionDeps {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  idleMs: number
}

export const newSessionToken = (): Buffer => crypto.randomBytes(VAULT_LIMITS.sessionTokenBytes)

/** Derived, not stored: HMAC-SHA256(key = session token, "secretsentry/v1/csrf"). */
export function csrfTokenFor(token: Uint8Array): string {
  return crypto.createHmac('sha256', token).update('secretsentry/v1/csrf').digest('base64url')
}

export function sessionCookie(token: Uint8Array): string {
  return `${SESSION_COOKIE}=${Buffer.from(token).toString('base64url')}; Path=/; HttpOnly; Secure; SameSite=Strict`
}

export const CLEARED_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`

export const unauthenticated = (): ApiError =>
  new ApiError(401, 'unauthenticated', 'Log in first: no valid session', {
    headers: { 'www-authenticate': 'Bearer realm="secretsentry"' },
  })

const csrfRefused = (why: string) => new ApiError(403, 'csrf', why)

const TOKEN_TEXT = /^[A-Za-z0-9_-]{43}$/
const BEARER = /^Bearer +(\S+)$/i
const SAFE_METHODS = new Set(['GET', 'HEAD'])

function presentedToken(c: Context): { token: Buffer; via: Session['via'] } | undefined {
  const authorization = c.req.header('authorization')
  if (authorization !== undefined) {
    const text = BEARER.exec(authorization.trim())?.[1]
    // A malformed Authorization header is not silently replaced by the cookie.
    if (!text || !TOKEN_TEXT.test(text)) throw unauthenticated()
    return { token: Buffer.from(text, 'base64url'), via: 'bearer' }
  }
  const cookie = getCookie(c, SESSION_COOKIE)
  if (cookie === undefined || !TOKEN_TEXT.test(cookie)) return undefined
  return { token: Buffer.from(cookie, 'base64url'), via: 'cookie' }
}

/**
 * Security promise (CSRF): a state-changing request is refused when its Origin header names
 * another site, whatever authenticates it. Browsers send Origin on every cross-site POST.
 */
export function sameOrigin(): MiddlewareHandler {
  return async function sameOrigin(c, next) {
    const origin = c.req.header('origin')
    if (origin !== undefined && !SAFE_METHODS.has(c.req.method)) {
      let host: string | undefined
      try {
        host = new URL(origin).host
      } catch {
        host = undefined
      }
      const own = c.req.header('host') ?? new URL(c.req.url).host
      if (host !== own) throw csrfRefused('Cross-origin request refused')
    }
    return next()
  }
}

/**
 * Puts the caller's session in `c.var.session`, or answers 401. Sessions die 7 days after login
 * and after SESSION_IDLE_HOURS without use. Security promise (CSRF): a cookie-authenticated
 * request other than GET/HEAD must carry X-CSRF-Token = HMAC(token, ...), which a page on
 * another site cannot read or compute; bearer requests carry no ambient credential, so need none.
 */
export function requireSession(deps: SessionDeps): MiddlewareHandler<SessionEnv> {
  return async function requireSession(c, next) {
    const presented = presentedToken(c)
    if (!presented) throw unauthenticated()
    const tokenHash = sha256(presented.token)
    const row = await q.findSession(deps.db, tokenHash)
    const now = deps.clock()
    // Security promise: a token works only the way it was issued. A cookie session's token sent
    // as a bearer would skip the CSRF check, and a script's token is no browser login.
    if (
      !row ||
      row.kind !== presented.via ||
      row.expires_at <= now ||
      row.last_seen_at + deps.idleMs <= now
    ) {
      throw unauthenticated()
    }
    const csrfToken = csrfTokenFor(presented.token)
    if (presented.via === 'cookie' && !SAFE_METHODS.has(c.req.method)) {
      const sent = c.req.header('x-csrf-token') ?? ''
      if (!constantTimeEqual(Buffer.from(sent), Buffer.from(csrfToken))) {
        throw csrfRefused('Missing or wrong X-CSRF-Token header')
      }
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) {
      await deps.queue.run((trx) => q.touchSession(trx, tokenHash, now))
    }
    c.set('session', { userId: row.user_id, tokenHash, via: presented.via, csrfToken })
    return next()
  }
}
