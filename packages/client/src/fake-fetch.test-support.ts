/** @module Test support: a fake fetch that records every request and answers from a route table, no DOM or Node needed. */
import type { FetchLike, HttpRequest, HttpResponse } from './http.ts'

export interface Recorded extends HttpRequest {
  url: string
}

export type Route = (req: Recorded, body: unknown) => HttpResponse | Promise<HttpResponse>

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: `HTTP ${status}`,
    headers: { get: (name) => lower[name.toLowerCase()] ?? null },
    json: async () => {
      if (body === undefined) throw new SyntaxError('no body')
      return typeof body === 'string' ? JSON.parse(body) : JSON.parse(JSON.stringify(body))
    },
  }
}

export const errorResponse = (
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponse =>
  jsonResponse(status, { error: { code, message: `${code} message`, ...extra } }, headers)

/**
 * Routes are keyed "METHOD /path" (the query string is part of the path); an unknown route
 * answers 404 not_found, so a test sees a request it did not expect.
 */
export function fakeFetch(routes: Record<string, Route> = {}) {
  const requests: Recorded[] = []
  const table: Record<string, Route> = { ...routes }
  const fetch: FetchLike = async (url, init) => {
    const rec: Recorded = { url, ...init, headers: { ...init.headers } }
    requests.push(rec)
    const path = url.replace(/^https?:\/\/[^/]+/, '')
    const route = table[`${init.method} ${path}`]
    if (!route) return errorResponse(404, 'not_found')
    return route(rec, init.body === null ? undefined : JSON.parse(init.body))
  }
  return {
    fetch,
    requests,
    route(key: string, handler: Route) {
      table[key] = handler
    },
    /** Request bodies as text, to search for anything that must never be sent. */
    sent: () =>
      requests.map((r) => `${r.url}\n${JSON.stringify(r.headers)}\n${r.body ?? ''}`).join('\n'),
  }
}
