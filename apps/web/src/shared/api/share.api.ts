/**
 * @module Fetch calls to the share API (SPEC §4): same origin, JSON, one error type the pages turn
 * into words. The request transport here is the vault client's too, so both keep the same rules.
 */
import type {
  CreateShareRequest,
  CreateShareResponse,
  ErrorCode,
  OpenShareResponse,
  ShareStatusResponse,
} from '@secretsentry/contract/types'

/** `network`: no HTTP answer at all; `bad_response`: an answer that is not the API's JSON. */
export type ApiErrorCode = ErrorCode | 'network' | 'bad_response'

export interface ApiErrorDetails {
  field?: string
  attemptsLeft?: number
  retryAfterSeconds?: number
}

export class ApiError extends Error {
  readonly status: number
  readonly code: ApiErrorCode
  readonly details: ApiErrorDetails

  constructor(status: number, code: ApiErrorCode, message: string, details: ApiErrorDetails = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

/** Seconds to wait from a 429's Retry-After (delta-seconds or an HTTP date). */
export function retryAfter(res: Response): number | undefined {
  const raw = res.headers.get('retry-after')
  if (raw === null) return undefined
  const seconds = Number(raw)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

function codeForStatus(status: number): ApiErrorCode {
  if (status === 413) return 'payload_too_large'
  if (status === 429) return 'rate_limited'
  if (status === 404) return 'not_found'
  if (status >= 500) return 'internal'
  return 'bad_response'
}

/** The API's `{error:{code,message}}` (or just the status) as an ApiError. */
async function toApiError(res: Response): Promise<ApiError> {
  const details: ApiErrorDetails = {}
  const wait = retryAfter(res)
  if (wait !== undefined) details.retryAfterSeconds = wait
  let body: unknown
  try {
    body = await res.json()
  } catch {
    // A proxy's HTML error page, say: judge by the status alone.
    return new ApiError(res.status, codeForStatus(res.status), res.statusText, details)
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error
  if (!err || typeof err['code'] !== 'string') {
    return new ApiError(res.status, codeForStatus(res.status), res.statusText, details)
  }
  if (typeof err['field'] === 'string') details.field = err['field']
  if (typeof err['attemptsLeft'] === 'number') details.attemptsLeft = err['attemptsLeft']
  const message = typeof err['message'] === 'string' ? err['message'] : res.statusText
  return new ApiError(res.status, err['code'] as ErrorCode, message, details)
}

/**
 * One JSON request to this origin, the transport the share and vault clients both use: answers
 * holding secrets are never cached, no Referer is sent, and every failure is thrown as an
 * ApiError. Callers add their own headers (bearer token, CSRF token, If-Match).
 */
export async function request(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  Object.assign(headers, opts.headers)
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
      cache: 'no-store',
      credentials: 'same-origin',
      referrerPolicy: 'no-referrer',
    })
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server')
  }
  if (!res.ok) throw await toApiError(res)
  return res
}

/** A successful answer's JSON body (nothing for 204); anything unreadable is `bad_response`. */
export async function readJson<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T
  try {
    return (await res.json()) as T
  } catch {
    throw new ApiError(
      res.status,
      'bad_response',
      'The server sent an answer this page cannot read',
    )
  }
}

async function call<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { body?: unknown; bearer?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {}
  if (opts.bearer !== undefined) headers['authorization'] = `Bearer ${opts.bearer}`
  return readJson<T>(await request(method, path, { body: opts.body, headers }))
}

const sharePath = (id: string): string => `/api/share/${encodeURIComponent(id)}`

/** Stores the ciphertext; the body holds nothing the server could decrypt with. */
export function postShare(body: CreateShareRequest): Promise<CreateShareResponse> {
  return call('POST', '/api/share', { body })
}

/** Consumes one view. */
export function openShare(id: string, access: string): Promise<OpenShareResponse> {
  return call('POST', `${sharePath(id)}/open`, { body: { access } })
}

export function getShareStatus(id: string, manageToken: string): Promise<ShareStatusResponse> {
  return call('GET', `${sharePath(id)}/status`, { bearer: manageToken })
}

/** `token` is the manage token or the recipient's access value. */
export function deleteShare(id: string, token: string): Promise<void> {
  return call('DELETE', sharePath(id), { bearer: token })
}
