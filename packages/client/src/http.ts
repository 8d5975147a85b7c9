/**
 * @module The HTTP layer every client call goes through: the fetch function is injected (the
 * browser passes one with its no-store / same-origin / no-Referer rules, Node passes its global
 * fetch), so this package needs no DOM and no Node API. Every failure becomes a ClientError.
 */
import { ClientError } from './errors.ts'
import type { ClientErrorCode, ClientErrorDetails } from './errors.ts'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** What the client passes to fetch: always a method, plain headers and a string body or null. */
export interface HttpRequest {
  method: Method
  headers: Record<string, string>
  body: string | null
}

/** The part of a fetch Response the client reads (the browser's and Node's both fit). */
export interface HttpResponse {
  readonly status: number
  readonly ok: boolean
  readonly statusText: string
  readonly headers: { get(name: string): string | null }
  json(): Promise<unknown>
}

/** A fetch-compatible function: `globalThis.fetch` fits, or a wrapper adding request options. */
export type FetchLike = (url: string, init: HttpRequest) => Promise<HttpResponse>

export interface ConnectionOptions {
  /**
   * Where requests go, e.g. `https://secrets.example.com` (no trailing slash). `''` sends
   * relative paths, for a page served by the server itself.
   */
  origin: string
  fetch: FetchLike
}

export function normalizeOrigin(origin: unknown, field = 'origin'): string {
  if (typeof origin !== 'string')
    throw new ClientError(0, 'bad_input', `${field} must be a string`, { field })
  if (origin === '') return ''
  const m = /^(https?):\/\/([^/?#@\s]+)\/?$/i.exec(origin.trim())
  if (!m) {
    throw new ClientError(
      0,
      'bad_input',
      `${field} must be an http(s) origin like https://secrets.example.com, without a path`,
      { field },
    )
  }
  return `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}`
}

/** Seconds to wait from a 429's Retry-After (delta-seconds or an HTTP date). */
export function retryAfter(res: HttpResponse, now = Date.now()): number | undefined {
  const raw = res.headers.get('retry-after')
  if (raw === null) return undefined
  const seconds = Number(raw)
  if (raw.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

function codeForStatus(status: number): ClientErrorCode {
  if (status === 413) return 'payload_too_large'
  if (status === 429) return 'rate_limited'
  if (status === 404) return 'not_found'
  if (status === 401) return 'unauthenticated'
  if (status >= 500) return 'internal'
  return 'bad_response'
}

/** The API's `{error:{code,message,field?,attemptsLeft?}}` (or just the status) as a ClientError. */
async function toClientError(res: HttpResponse): Promise<ClientError> {
  const details: ClientErrorDetails = {}
  const wait = retryAfter(res)
  if (wait !== undefined) details.retryAfterSeconds = wait
  let body: unknown
  try {
    body = await res.json()
  } catch {
    // A proxy's HTML error page, say: judge by the status alone.
    return new ClientError(res.status, codeForStatus(res.status), res.statusText, details)
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error
  if (!err || typeof err['code'] !== 'string') {
    return new ClientError(res.status, codeForStatus(res.status), res.statusText, details)
  }
  if (typeof err['field'] === 'string') details.field = err['field']
  if (typeof err['attemptsLeft'] === 'number') details.attemptsLeft = err['attemptsLeft']
  const message = typeof err['message'] === 'string' ? err['message'] : res.statusText
  return new ClientError(res.status, err['code'] as ClientErrorCode, message, details)
}

/** A successful answer's JSON body (nothing for 204); anything unreadable is `bad_response`. */
export async function readJson<T>(res: HttpResponse): Promise<T> {
  if (res.status === 204) return undefined as T
  try {
    return (await res.json()) as T
  } catch {
    throw new ClientError(res.status, 'bad_response', 'The server sent an answer that is not JSON')
  }
}

export interface Connection {
  readonly origin: string
  /** One JSON request; throws ClientError for no answer (`network`) and for any non-2xx. */
  send(
    method: Method,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpResponse>
  /** send() and the answer's JSON. */
  call<T>(
    method: Method,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<T>
}

export function connect(options: ConnectionOptions): Connection {
  if (typeof options?.fetch !== 'function') {
    throw new ClientError(0, 'bad_input', 'fetch must be a function', { field: 'fetch' })
  }
  const origin = normalizeOrigin(options.origin)
  const fetchFn = options.fetch
  async function send(
    method: Method,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    Object.assign(headers, opts.headers)
    let res: HttpResponse
    try {
      res = await fetchFn(`${origin}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
      })
    } catch {
      throw new ClientError(0, 'network', 'Could not reach the server')
    }
    if (!res.ok) throw await toClientError(res)
    return res
  }
  return {
    origin,
    send,
    call: async <T>(
      method: Method,
      path: string,
      opts?: { body?: unknown; headers?: Record<string, string> },
    ) => readJson<T>(await send(method, path, opts)),
  }
}
