/** @module The share API of SPEC §4: create, open (burns a view), status and delete. */
import crypto from 'node:crypto'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { SHARE_LIMITS, receiptEmailAllowed } from '@secretsentry/contract/limits'
import { createShareRequest, openShareRequest, shareId } from '@secretsentry/contract/schemas'
import type {
  CreateShareRequest,
  CreateShareResponse,
  OpenShareResponse,
  ShareStatusResponse,
} from '@secretsentry/contract/types'
import { agentOf } from '../audit/account-audit.ts'
import { ApiError, shareNotFound } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import { jsonAnswer } from '../http/security-headers.ts'
import {
  b64urlBytes,
  canonical,
  decodedLength,
  invalid,
  isCanonicalB64url,
  iso,
  parseWith,
} from '../http/validate.ts'
import type { Metrics } from '../metrics.ts'
import type { PolicyStore } from '../admin/policy.ts'
import { SESSION_COOKIE, type Session, type SessionEnv } from '../session/session.ts'
import { getCookie } from 'hono/cookie'
import {
  createShare,
  deleteShareWithToken,
  openShare,
  sha256,
  shareStatus,
  type NewShare,
  type ShareDeps,
} from './share.service.ts'
import type { ReceiptRequest } from './tombstone.ts'

export interface ShareRouteOptions {
  deps: ShareDeps
  metrics: Metrics
  maxSecretBytes: number
  /** The instance policy: anonymous creation, largest share, longest expiry. */
  policy: PolicyStore
  /** The account session check, for instances that allow shares from logged-in accounts only. */
  session: MiddlewareHandler<SessionEnv>
  /** Keyed hash of the caller's address, for audit rows. */
  clientHash: (c: Context) => string
  /** Receipts: whether mail can be sent, and whether an account has a channel to send to. */
  receipts: Pick<ReceiptRules, 'emailAvailable' | 'hasChannel'>
  limits: { create: MiddlewareHandler; open: MiddlewareHandler; manage: MiddlewareHandler }
}

/** JSON overhead allowed around the base64url ciphertext (field names, other fields, whitespace). */
const JSON_SLACK_BYTES = 4096
const SMALL_BODY_BYTES = 4096

function paramId(c: Context): Buffer {
  const raw = c.req.param('id')
  if (!shareId.safeParse(raw).success || raw === undefined) {
    throw invalid('id', `id: must be ${SHARE_LIMITS.idBytes} bytes of base64url`)
  }
  return canonical('id', raw)
}

const BEARER = /^Bearer +([A-Za-z0-9_-]{43})$/i

/** The bearer token as bytes; 401 when missing or malformed (RFC 6750 §3). */
function bearerToken(c: Context): Buffer {
  const match = BEARER.exec(c.req.header('authorization')?.trim() ?? '')
  if (!match?.[1] || !isCanonicalB64url(match[1])) throw unauthorized()
  return b64urlBytes(match[1])
}

const unauthorized = () =>
  new ApiError(401, 'unauthorized', 'Missing or wrong token', {
    headers: { 'www-authenticate': 'Bearer realm="secretsentry"' },
  })

/**
 * Manage tokens come from a pool filled by one CSPRNG call per 128 tokens: a call per token
 * costs a syscall each. Each token is copied out and its bytes in the pool zeroed.
 */
const TOKEN_POOL = Buffer.alloc(SHARE_LIMITS.manageTokenBytes * 128)
let tokenOffset = TOKEN_POOL.length
function randomToken(): Buffer {
  if (tokenOffset >= TOKEN_POOL.length) {
    crypto.randomFillSync(TOKEN_POOL)
    tokenOffset = 0
  }
  const end = tokenOffset + SHARE_LIMITS.manageTokenBytes
  const token = Buffer.from(TOKEN_POOL.subarray(tokenOffset, end))
  TOKEN_POOL.fill(0, tokenOffset, end)
  tokenOffset = end
  return token
}

/** The instance policy's caps on a share, on top of the protocol's limits. */
export interface ShareCaps {
  maxBytes: number
  maxExpirySeconds: number
}

/** What a share's creator may ask a receipt by (issue 12). */
export interface ReceiptRules {
  /** This server sends mail (SMTP_URL and MAIL_FROM). */
  emailAvailable: boolean
  /** The instance policy's receipt domains; empty: any. */
  emailDomains: readonly string[]
  /** The caller's account, for a receipt to its channels; throws 401 without a valid session. */
  account(c: Context): Promise<Buffer>
  /** Whether the account has a channel this server can deliver to. */
  hasChannel(userId: Buffer): Promise<boolean>
}

/**
 * The receipt request of a create body, checked before anything is written.
 * Security promise (instance policy): a receipt is mailed only by a server that sends mail, and
 * only to a domain the policy allows (400 naming receipt.email otherwise); a receipt to an
 * account's channels only for that account's own valid session.
 */
async function readReceipt(
  c: Context,
  request: CreateShareRequest['receipt'],
  rules: ReceiptRules,
): Promise<ReceiptRequest | undefined> {
  if (request === undefined) return undefined
  const label = request.label ?? null
  if (request.to === 'email') {
    if (!rules.emailAvailable)
      throw new ApiError(
        409,
        'conflict',
        'receipt.to: this server sends no mail (its administrator has not set SMTP_URL); no receipts by email',
        { field: 'receipt.to' },
      )
    if (!receiptEmailAllowed(request.email, rules.emailDomains))
      throw invalid(
        'receipt.email',
        `receipt.email: this instance mails receipts only to addresses at ${rules.emailDomains.join(', ')}`,
      )
    return { email: request.email, label }
  }
  const userId = await rules.account(c)
  if (!(await rules.hasChannel(userId)))
    throw invalid(
      'receipt.to',
      'receipt.to: this account has no webhook or alert email to send a receipt to; set one in the account settings',
    )
  return { userId, label }
}

/**
 * Reads and checks a `POST /api/share` body (also the body of `POST /api/secrets/:id/share`) and
 * draws its manage token: 32 random bytes, shown once; only their SHA-256 is stored.
 * Security promise (instance policy): no share larger than `caps.maxBytes` or living longer than
 * `caps.maxExpirySeconds` is stored, whoever asks (413 / 400 naming the field).
 */
export async function readCreateShare(
  c: Context,
  maxSecretBytes: number,
  caps: ShareCaps,
  receipts: ReceiptRules,
): Promise<{ share: NewShare; manageToken: Buffer }> {
  const maxBody = Math.ceil((maxSecretBytes * 4) / 3) + JSON_SLACK_BYTES
  const body = parseWith(createShareRequest, await readJsonBody(c, maxBody))
  const id = canonical('id', body.id)
  const verifier = canonical('verifier', body.verifier)
  if (!isCanonicalB64url(body.ciphertext))
    throw invalid('ciphertext', 'ciphertext: must be canonical base64url')
  const maxBytes = Math.min(maxSecretBytes, caps.maxBytes)
  if (decodedLength(body.ciphertext) > maxBytes) {
    throw new ApiError(413, 'payload_too_large', `ciphertext: larger than ${maxBytes} bytes`, {
      field: 'ciphertext',
    })
  }
  if (body.ttlSeconds > caps.maxExpirySeconds) {
    throw invalid(
      'ttlSeconds',
      `ttlSeconds: this instance allows at most ${caps.maxExpirySeconds} seconds`,
    )
  }
  const receipt = await readReceipt(c, body.receipt, receipts)
  const manageToken = randomToken()
  const share: NewShare = {
    id,
    verifier,
    ciphertext: b64urlBytes(body.ciphertext),
    ttlSeconds: body.ttlSeconds,
    maxViews: body.maxViews,
    manageTokenHash: sha256(manageToken),
    ...(receipt ? { receipt } : {}),
  }
  return { share, manageToken }
}

export const shareIdTaken = (): ApiError =>
  new ApiError(409, 'conflict', 'A share with this id exists', { field: 'id' })

export function createdShare(
  share: NewShare,
  expiresAt: number,
  manageToken: Buffer,
): CreateShareResponse {
  return {
    id: share.id.toString('base64url'),
    expiresAt: iso(expiresAt),
    manageToken: manageToken.toString('base64url'),
  }
}

export function shareRoutes(options: ShareRouteOptions): Hono<SessionEnv> {
  const { deps, metrics, limits, maxSecretBytes } = options

  /**
   * Security promise (instance policy): with anonymous shares off, a share is created only under
   * a valid account session (a cookie with its CSRF token, or a bearer token); checked before the
   * body is read, so a refused caller uploads nothing.
   */
  const policyGate: MiddlewareHandler<SessionEnv> = async function sharePolicy(c, next) {
    const policy = await options.policy.current()
    if (policy.anonymousShares) return next()
    if (c.req.header('authorization') === undefined && getCookie(c, SESSION_COOKIE) === undefined)
      throw new ApiError(
        401,
        'login_required',
        'This instance accepts shares only from logged-in accounts; log in first',
      )
    return options.session(c, next)
  }

  return new Hono<SessionEnv>()
    .post('/share', limits.create, policyGate, async (c) => {
      const policy = await options.policy.current()
      const { share, manageToken } = await readCreateShare(
        c,
        maxSecretBytes,
        { maxBytes: policy.maxShareBytes, maxExpirySeconds: policy.maxExpirySeconds },
        {
          ...options.receipts,
          emailDomains: policy.receiptEmailDomains,
          // With anonymous shares on, the session was not checked yet: a receipt to the account
          // needs one (cookie with its CSRF token, or bearer), whatever the policy.
          account: async (c) => {
            const known = c.get('session') as Session | undefined
            if (known) return known.userId
            await options.session(c, async () => {})
            return c.var.session.userId
          },
        },
      )
      const outcome = await createShare(deps, share, options.clientHash(c))
      if (outcome.kind === 'conflict') throw shareIdTaken()
      metrics.sharesCreated.inc()
      return jsonAnswer(c, JSON.stringify(createdShare(share, outcome.expiresAt, manageToken)), 201)
    })
    .post('/share/:id/open', limits.open, async (c) => {
      const id = paramId(c)
      const body = parseWith(openShareRequest, await readJsonBody(c, SMALL_BODY_BYTES))
      const access = canonical('access', body.access)
      const outcome = await openShare(
        deps,
        id,
        access,
        options.clientHash(c),
        agentOf(c.req.header('user-agent')),
      )
      switch (outcome.kind) {
        case 'not_found':
          if (outcome.expired) metrics.sharesExpired.inc({ where: 'open' })
          throw shareNotFound()
        case 'wrong_access':
          if (outcome.destroyed) metrics.sharesDestroyed.inc({ reason: 'failed_attempts' })
          throw new ApiError(403, 'wrong_access', 'Wrong passphrase or link', {
            attemptsLeft: outcome.attemptsLeft,
          })
        case 'opened': {
          metrics.sharesOpened.inc()
          const { view } = outcome
          const response: OpenShareResponse = {
            ciphertext: view.ciphertext.toString('base64url'),
            viewsLeft: view.views_left,
            expiresAt: iso(view.expires_at),
            ttlSeconds: view.ttl_seconds,
            maxViews: view.max_views,
          }
          return jsonAnswer(c, openedJson(response))
        }
      }
    })
    .get('/share/:id/status', limits.manage, async (c) => {
      const id = paramId(c)
      const token = bearerToken(c)
      const outcome = await shareStatus(deps, id, token)
      if (outcome.kind === 'not_found') throw shareNotFound()
      if (outcome.kind === 'unauthorized') throw unauthorized()
      const response: ShareStatusResponse = {
        id: c.req.param('id'),
        state: outcome.state,
        viewsLeft: outcome.viewsLeft,
        maxViews: outcome.maxViews,
        ttlSeconds: outcome.ttlSeconds,
        createdAt: iso(outcome.createdAt),
        expiresAt: iso(outcome.expiresAt),
        endedAt: outcome.endedAt === null ? null : iso(outcome.endedAt),
        failedAttempts: outcome.failedAttempts,
        opens: outcome.opens.map((at) => ({ at: iso(at) })),
      }
      return c.json(response, 200)
    })
    .delete('/share/:id', limits.manage, async (c) => {
      const id = paramId(c)
      const token = bearerToken(c)
      const outcome = await deleteShareWithToken(deps, id, token, options.clientHash(c))
      if (outcome.kind === 'not_found') throw shareNotFound()
      if (outcome.kind === 'unauthorized') {
        if (outcome.destroyed) metrics.sharesDestroyed.inc({ reason: 'failed_attempts' })
        throw unauthorized()
      }
      metrics.sharesDestroyed.inc({ reason: 'deleted' })
      return c.body(null, 204)
    })
}

/**
 * The open answer's JSON text, written out: JSON.stringify would scan each character of the
 * ciphertext for escapes (about 6% of an open's instructions), and none of these values can need
 * one: base64url, an ISO date and integers.
 */
export function openedJson(r: OpenShareResponse): string {
  return `{"ciphertext":"${r.ciphertext}","viewsLeft":${r.viewsLeft},"expiresAt":"${r.expiresAt}","ttlSeconds":${r.ttlSeconds},"maxViews":${r.maxViews}}`
}
