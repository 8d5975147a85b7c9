/** @module The server's one error type and its mapping to JSON `{error: {code, message}}` (SPEC §4). */
import type { ErrorBody, ErrorCode } from '@secretsentry/contract/types'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export interface ApiErrorOptions {
  field?: string
  attemptsLeft?: number
  /** Extra response headers, e.g. Retry-After on 429. */
  headers?: Record<string, string>
}

/** An expected refusal: thrown by handlers, turned into a JSON response by `errorResponse`. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly field: string | undefined
  readonly attemptsLeft: number | undefined
  readonly headers: Record<string, string>
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    // Refusals are expected and frequent (every 404); a stack trace would be wasted work.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = limit
    this.field = options.field
    this.attemptsLeft = options.attemptsLeft
    this.headers = options.headers ?? {}
  }
}

/** One message for unknown, expired and used-up shares, so none can be told apart (SPEC §4). */
export const SHARE_NOT_FOUND_MESSAGE = 'This share does not exist, has expired or has been used up'

export const shareNotFound = (): ApiError => new ApiError(404, 'not_found', SHARE_NOT_FOUND_MESSAGE)

export function errorBody(err: ApiError): ErrorBody {
  const error: ErrorBody['error'] = { code: err.code, message: err.message }
  if (err.field !== undefined) error.field = err.field
  if (err.attemptsLeft !== undefined) error.attemptsLeft = err.attemptsLeft
  return { error }
}

export function errorResponse(err: ApiError): Response {
  return new Response(JSON.stringify(errorBody(err)), {
    status: err.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...err.headers },
  })
}
