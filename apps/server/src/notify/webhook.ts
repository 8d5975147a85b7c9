/**
 * @module Webhook delivery as the Standard Webhooks specification says
 * (https://www.standardwebhooks.com/, "Signature scheme"): headers webhook-id,
 * webhook-timestamp and webhook-signature = "v1," + base64(HMAC-SHA256(secret, id.timestamp.body)).
 */
import crypto from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { resolveWebhookTarget, WebhookUrlError, type Lookup } from './ssrf.ts'

/** Standard Webhooks secrets are "whsec_" + base64 of the key bytes. */
export const SECRET_PREFIX = 'whsec_'
const SECRET_BYTES = 32
/** Shortest key accepted from a user (the spec recommends 24 to 64 bytes). */
export const SECRET_MIN_BYTES = 24
export const SECRET_MAX_BYTES = 64

export function newWebhookSecret(): Buffer {
  return crypto.randomBytes(SECRET_BYTES)
}

export function formatWebhookSecret(key: Uint8Array): string {
  return `${SECRET_PREFIX}${Buffer.from(key).toString('base64')}`
}

/** The key bytes of "whsec_<base64>", or an error naming what is wrong. */
export function parseWebhookSecret(text: string): Buffer {
  if (!text.startsWith(SECRET_PREFIX)) throw new Error(`must start with ${SECRET_PREFIX}`)
  const b64 = text.slice(SECRET_PREFIX.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0)
    throw new Error(`must be ${SECRET_PREFIX} followed by standard base64`)
  const key = Buffer.from(b64, 'base64')
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES)
    throw new Error(`must hold ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes, got ${key.length}`)
  return key
}

/** "v1,<base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`>" (timestamp in seconds). */
export function signWebhook(
  key: Uint8Array,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = crypto
    .createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64')
  return `v1,${mac}`
}

export interface WebhookRequest {
  url: string
  key: Uint8Array
  /** The event id: the same on every retry, so receivers can de-duplicate. */
  id: string
  body: string
  /** Seconds since the epoch, signed with the body. */
  timestampSeconds: number
  allowPrivate: boolean
  timeoutMs: number
  lookup?: Lookup
}

export type DeliveryOutcome =
  { ok: true; status: number } | { ok: false; error: string; status?: number }

export const USER_AGENT = 'SecretSentry-Webhooks/1'

/**
 * One POST. The response body is never read or stored (it is discarded unread), redirects are
 * not followed (a 3xx is a failure: following one would bypass the address check), and the whole
 * exchange is bounded by `timeoutMs`.
 */
export async function sendWebhook(r: WebhookRequest): Promise<DeliveryOutcome> {
  let target
  try {
    target = await resolveWebhookTarget(r.url, {
      allowPrivate: r.allowPrivate,
      ...(r.lookup ? { lookup: r.lookup } : {}),
    })
  } catch (err) {
    if (err instanceof WebhookUrlError) return { ok: false, error: `refused: ${err.message}` }
    throw err
  }
  // The connection goes to the address that was checked, whatever DNS says a moment later.
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ])
    else callback(null, target.address, target.family)
  }
  const body = Buffer.from(r.body)
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': USER_AGENT,
    'webhook-id': r.id,
    'webhook-timestamp': String(r.timestampSeconds),
    'webhook-signature': signWebhook(r.key, r.id, r.timestampSeconds, r.body),
  }
  const transport = target.url.protocol === 'https:' ? https : http
  return new Promise<DeliveryOutcome>((resolve) => {
    let settled = false
    const done = (outcome: DeliveryOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const req = transport.request(
      target.url,
      { method: 'POST', headers, lookup: pinned, agent: false },
      (res) => {
        const status = res.statusCode ?? 0
        // Unread: a receiver's answer is none of our business beyond its status.
        res.destroy()
        if (status >= 200 && status < 300) done({ ok: true, status })
        else if (status >= 300 && status < 400)
          done({ ok: false, status, error: `HTTP ${status} (redirects are not followed)` })
        else done({ ok: false, status, error: `HTTP ${status}` })
      },
    )
    const timer = setTimeout(() => {
      done({ ok: false, error: `no answer within ${Math.round(r.timeoutMs / 1000)} s` })
      req.destroy()
    }, r.timeoutMs)
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({ ok: false, error: describeNetworkError(err) })
    })
    req.end(body)
  })
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
      return 'connection reset'
    case 'ETIMEDOUT':
      return 'connection timed out'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    default:
      // TLS errors carry codes such as CERT_HAS_EXPIRED; the message could quote the server.
      return err.code ? `network error ${err.code}` : 'network error'
  }
}
