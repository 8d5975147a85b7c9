/** @module The share API of SPEC §4: create, open (burns a view), status and delete. */
import crypto from 'node:crypto'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { z } from 'zod'
import { SHARE_LIMITS } from '@secretsentry/contract/limits'
import { createShareRequest, openShareRequest, shareId } from '@secretsentry/contract'
import type {
  CreateShareResponse,
  OpenShareResponse,
  ShareStatusResponse,
} from '@secretsentry/contract/types'
import { ApiError, shareNotFound } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { Metrics } from '../metrics.ts'
import {
  createShare,
  deleteShareWithToken,
  openShare,
  sha256,
  shareStatus,
  type ShareDeps,
} from './share.service.ts'

export interface ShareRouteOptions {
  deps: ShareDeps
  metrics: Metrics
  maxSecretBytes: number
  /** Keyed hash of the caller's address, for audit rows. */
  clientHash: (c: Context) => string
  limits: { create: MiddlewareHandler; open: MiddlewareHandler; manage: MiddlewareHandler }
}

/** JSON overhead allowed around the base64url ciphertext (field names, other fields, whitespace). */
const JSON_SLACK_BYTES = 4096
const SMALL_BODY_BYTES = 4096

const B64URL_VALUES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Canonical unpadded base64url: a length that encodes whole bytes and zero spare bits in the
 * last character, so every value has exactly one spelling (one id, one verifier).
 */
export function isCanonicalB64url(text: string): boolean {
  const rest = text.length % 4
  if (rest === 1) return false
  if (rest === 0) return true
  const last = B64URL_VALUES.indexOf(text.charAt(text.length - 1))
  if (last < 0) return false
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

const b64urlBytes = (text: string): Buffer => Buffer.from(text, 'base64url')

/** Decoded size of unpadded base64url text of a valid length. */
const decodedLength = (text: string): number => Math.floor((text.length * 3) / 4)

function invalid(field: string | undefined, message: string): ApiError {
  return new ApiError(400, 'invalid_input', message, field ? { field } : {})
}

/** Validates against a contract schema; the first issue names the field (SPEC §4: which field, why). */
function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  if (!issue) throw invalid(undefined, 'Invalid request body')
  const fromPath = issue.path.map(String).join('.')
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined
  const field = fromPath || unknownKey
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    throw invalid(undefined, 'Request body must be a JSON object')
  }
  throw invalid(field, field ? `${field}: ${issue.message}` : issue.message)
}

function canonical(field: string, text: string): Buffer {
  if (!isCanonicalB64url(text))
    throw invalid(field, `${field}: must be canonical base64url without padding`)
  return b64urlBytes(text)
}

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

const iso = (ms: number) => new Date(ms).toISOString()

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

export function shareRoutes(options: ShareRouteOptions): Hono {
  const { deps, metrics, limits, maxSecretBytes } = options
  const maxCreateBody = Math.ceil((maxSecretBytes * 4) / 3) + JSON_SLACK_BYTES

  return new Hono()
    .post('/share', limits.create, async (c) => {
      const body = parseWith(createShareRequest, await readJsonBody(c, maxCreateBody))
      const id = canonical('id', body.id)
      const verifier = canonical('verifier', body.verifier)
      if (!isCanonicalB64url(body.ciphertext))
        throw invalid('ciphertext', 'ciphertext: must be canonical base64url')
      if (decodedLength(body.ciphertext) > maxSecretBytes) {
        throw new ApiError(
          413,
          'payload_too_large',
          `ciphertext: larger than ${maxSecretBytes} bytes`,
          {
            field: 'ciphertext',
          },
        )
      }
      // 32 random bytes, shown once; only its SHA-256 is stored.
      const manageToken = randomToken()
      const outcome = await createShare(
        deps,
        {
          id,
          verifier,
          ciphertext: b64urlBytes(body.ciphertext),
          ttlSeconds: body.ttlSeconds,
          maxViews: body.maxViews,
          manageTokenHash: sha256(manageToken),
        },
        options.clientHash(c),
      )
      if (outcome.kind === 'conflict') {
        throw new ApiError(409, 'conflict', 'A share with this id exists', { field: 'id' })
      }
      metrics.sharesCreated.inc()
      const response: CreateShareResponse = {
        id: body.id,
        expiresAt: iso(outcome.expiresAt),
        manageToken: manageToken.toString('base64url'),
      }
      return c.json(response, 201)
    })
    .post('/share/:id/open', limits.open, async (c) => {
      const id = paramId(c)
      const body = parseWith(openShareRequest, await readJsonBody(c, SMALL_BODY_BYTES))
      const access = canonical('access', body.access)
      const outcome = await openShare(deps, id, access, options.clientHash(c))
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
          return c.json(response, 200)
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
        viewsLeft: outcome.viewsLeft,
        maxViews: outcome.maxViews,
        ttlSeconds: outcome.ttlSeconds,
        createdAt: iso(outcome.createdAt),
        expiresAt: iso(outcome.expiresAt),
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
