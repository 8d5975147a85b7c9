/** @module Test double of the share API (SPEC §4) behind a mocked fetch: checks access like the server does and records every request. */
import type { PublicPolicy } from '@secretsentry/contract/types'
import type { CreateShareRequest } from '@secretsentry/contract/types'
import { vi } from 'vitest'

export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | null
}

interface StoredShare extends CreateShareRequest {
  viewsLeft: number
  failedAttempts: number
  expiresAt: string
  manageToken: string
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

const notFound = (): Response => json(404, { error: { code: 'not_found', message: 'Not found' } })

function b64url(bytes: ArrayBuffer): string {
  let s = ''
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

async function verifierOf(access: string): Promise<string> {
  const raw = Uint8Array.from(atob(access.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
    c.charCodeAt(0),
  )
  return b64url(await crypto.subtle.digest('SHA-256', raw))
}

/** Installs a fetch mock that behaves like the server for the share routes. */
export function installFakeShareApi() {
  policyOverride.value = {}
  const shares = new Map<string, StoredShare>()
  const requests: RecordedRequest[] = []
  /** Answers the next request with this response instead (429, 413, 500…). */
  let override: (() => Response) | null = null

  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input)
    const method = init.method ?? 'GET'
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    )
    const body = typeof init.body === 'string' ? init.body : null
    // The instance policy every page reads on mount: answered, not recorded among the API calls.
    if (method === 'GET' && url === '/api/policy')
      return new Response(
        JSON.stringify({ ...POLICY_DEFAULTS, ...policyOverride.value, viewer: null }),
        {
          status: 200,
          headers: { 'content-type': 'application/json' },
        },
      )
    requests.push({ method, url, headers, body })
    if (override) {
      const res = override()
      override = null
      return res
    }
    const bearer = headers['authorization']?.replace(/^Bearer /, '')

    if (method === 'POST' && url === '/api/share') {
      const req = JSON.parse(body ?? '{}') as CreateShareRequest
      const share: StoredShare = {
        ...req,
        viewsLeft: req.maxViews,
        failedAttempts: 0,
        expiresAt: new Date(Date.now() + req.ttlSeconds * 1000).toISOString(),
        manageToken: `manage-${req.id}`,
      }
      shares.set(req.id, share)
      return json(201, { id: req.id, expiresAt: share.expiresAt, manageToken: share.manageToken })
    }
    const m = /^\/api\/share\/([^/]+)(\/open|\/status)?$/.exec(url)
    const share = m ? shares.get(decodeURIComponent(m[1]!)) : undefined
    if (!m || !share) return notFound()

    if (method === 'POST' && m[2] === '/open') {
      const { access } = JSON.parse(body ?? '{}') as { access: string }
      if ((await verifierOf(access)) !== share.verifier) {
        share.failedAttempts++
        const attemptsLeft = Math.max(0, 5 - share.failedAttempts)
        if (attemptsLeft === 0) shares.delete(share.id)
        return json(403, { error: { code: 'wrong_access', message: 'Wrong access', attemptsLeft } })
      }
      share.viewsLeft--
      if (share.viewsLeft === 0) shares.delete(share.id)
      return json(200, {
        ciphertext: share.ciphertext,
        viewsLeft: share.viewsLeft,
        expiresAt: share.expiresAt,
        ttlSeconds: share.ttlSeconds,
        maxViews: share.maxViews,
      })
    }
    if (method === 'GET' && m[2] === '/status') {
      if (bearer !== share.manageToken) {
        return json(401, { error: { code: 'unauthorized', message: 'Unauthorized' } })
      }
      return json(200, {
        id: share.id,
        viewsLeft: share.viewsLeft,
        maxViews: share.maxViews,
        ttlSeconds: share.ttlSeconds,
        createdAt: new Date().toISOString(),
        expiresAt: share.expiresAt,
        failedAttempts: share.failedAttempts,
        opens: [],
      })
    }
    if (method === 'DELETE' && !m[2]) {
      if (bearer !== share.manageToken) {
        return json(401, { error: { code: 'unauthorized', message: 'Unauthorized' } })
      }
      shares.delete(share.id)
      return new Response(null, { status: 204 })
    }
    return notFound()
  })

  vi.stubGlobal('fetch', fetchMock)
  return {
    fetch: fetchMock,
    requests,
    shares,
    /** Stores a share directly, as if another browser had created it. */
    put(req: CreateShareRequest): void {
      shares.set(req.id, {
        ...req,
        viewsLeft: req.maxViews,
        failedAttempts: 0,
        expiresAt: new Date(Date.now() + req.ttlSeconds * 1000).toISOString(),
        manageToken: `manage-${req.id}`,
      })
    },
    respondOnce(make: () => Response): void {
      override = make
    },
    json,
  }
}

/** What GET /api/policy answers in tests: today's defaults, changed with `setFakePolicy`. */
export const POLICY_DEFAULTS: Omit<PublicPolicy, 'viewer'> = {
  registration: 'open',
  anonymousShares: true,
  maxShareBytes: 1_048_576,
  maxExpirySeconds: 30 * 86400,
}
export const policyOverride: { value: Partial<Omit<PublicPolicy, 'viewer'>> } = { value: {} }
export function setFakePolicy(policy: Partial<Omit<PublicPolicy, 'viewer'>>): void {
  policyOverride.value = policy
}
