/**
 * @module The instance policy (`GET /api/policy`) and the administrators' API, over the same
 * browser transport as the share and vault clients. Failures become the shared ClientError.
 */
import type { PublicPolicy } from '@secretsentry/contract/types'
import { ClientError, browserFetch } from './share.api.ts'

export interface ApiOptions {
  body?: unknown
  /** The cookie session's X-CSRF-Token, required by the server on every write. */
  csrfToken?: string
}

/** One JSON request to this origin; a non-2xx answer throws its `{error}` as a ClientError. */
export async function apiCall<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  opts: ApiOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (opts.csrfToken && method !== 'GET') headers['x-csrf-token'] = opts.csrfToken
  let res
  try {
    res = await browserFetch(path, {
      method,
      headers,
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
    })
  } catch {
    throw new ClientError(0, 'network', 'Could not reach the server')
  }
  if (res.status === 204) return undefined as T
  let json: unknown
  try {
    json = await res.json()
  } catch {
    throw new ClientError(res.status, 'bad_response', res.statusText)
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; field?: string } } | null)
      ?.error
    throw new ClientError(
      res.status,
      (err?.code ?? 'bad_response') as ClientError['code'],
      err?.message ?? res.statusText,
      err?.field ? { field: err.field } : {},
    )
  }
  return json as T
}

export const fetchPolicy = (): Promise<PublicPolicy> => apiCall<PublicPolicy>('GET', '/api/policy')
