/** @module Request validation shared by every route: contract schemas, canonical base64url, 400s that name the field. */
import type { Context } from 'hono'
import { b64urlLength } from '@secretsentry/contract/limits'
import { B64URL } from '@secretsentry/contract/schemas'
import type { z } from 'zod'
import { ApiError } from '../errors.ts'
import { isoTime } from '../iso-time.ts'

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

/** What a contract id schema (`b64urlBytes(bytes)`) accepts: base64url of exactly that many bytes' length. */
export function isB64urlOfBytes(text: string, bytes: number): boolean {
  return text.length === b64urlLength(bytes) && B64URL.test(text)
}

export const b64urlBytes = (text: string): Buffer => Buffer.from(text, 'base64url')

/** Decoded size of unpadded base64url text of a valid length. */
export const decodedLength = (text: string): number => Math.floor((text.length * 3) / 4)

export function invalid(field: string | undefined, message: string): ApiError {
  return new ApiError(400, 'invalid_input', message, field ? { field } : {})
}

/** Validates against a contract schema; the first issue names the field (SPEC §4: which field, why). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  if (!issue) throw invalid(undefined, 'Invalid request body')
  const fromPath = issue.path.map(String).join('.')
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined
  const field = [fromPath, unknownKey].filter(Boolean).join('.')
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    throw invalid(undefined, 'Request body must be a JSON object')
  }
  throw invalid(field || undefined, field ? `${field}: ${issue.message}` : issue.message)
}

/** Decodes base64url that must be canonical (one spelling per value); 400 naming `field` otherwise. */
export function canonical(field: string, text: string): Buffer {
  if (!isCanonicalB64url(text))
    throw invalid(field, `${field}: must be canonical base64url without padding`)
  return b64urlBytes(text)
}

/** The query string as a plain object, validated like a body; a repeated parameter is refused. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const all = c.req.queries()
  const single: Record<string, string> = {}
  for (const [name, values] of Object.entries(all)) {
    if (values.length !== 1) throw invalid(name, `${name}: must be given once`)
    single[name] = values[0] as string
  }
  return parseWith(schema, single)
}

export const iso = isoTime
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))
