/** @module Test double of the share API (SPEC §4) behind a mocked fetch: checks access like the server does and records every request. */
import type {
  CreateShareRequest,
  PublicPolicy,
  ShareState,
  ShareStatusResponse,
} from '@secretsentry/contract/types'
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
  createdAt: string
  opens: string[]
}

/** What an ended share leaves, as the server's tombstone: no ciphertext, no verifier. */
interface Receipt {
  share: Omit<StoredShare, 'ciphertext' | 'verifier'>
  state: Exclude<ShareState, 'live'>
  endedAt: string
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
  const receipts = new Map<string, Receipt>()
  const end = (share: StoredShare, state: Receipt['state'], at = new Date().toISOString()) => {
    shares.delete(share.id)
    const { ciphertext: _c, verifier: _v, ...kept } = share
    receipts.set(share.id, { share: kept, state, endedAt: at })
  }
  const statusOf = (
    s: Receipt['share'],
    state: ShareState,
    endedAt: string | null,
  ): ShareStatusResponse => ({
    id: s.id,
    state,
    viewsLeft: state === 'live' ? s.viewsLeft : 0,
    maxViews: s.maxViews,
    ttlSeconds: s.ttlSeconds,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    endedAt,
    failedAttempts: s.failedAttempts,
    opens: s.opens.map((at) => ({ at })),
  })
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
        createdAt: new Date().toISOString(),
        opens: [],
      }
      shares.set(req.id, share)
      return json(201, { id: req.id, expiresAt: share.expiresAt, manageToken: share.manageToken })
    }
    const m = /^\/api\/share\/([^/]+)(\/open|\/status)?$/.exec(url)
    const id = m ? decodeURIComponent(m[1]!) : ''
    const share = shares.get(id)
    const receipt = receipts.get(id)
    if (m && !share && receipt && method === 'GET' && m[2] === '/status') {
      // An ended share answers its manage token only; anyone else gets the unknown-id 404.
      if (bearer !== receipt.share.manageToken) return notFound()
      return json(200, statusOf(receipt.share, receipt.state, receipt.endedAt))
    }
    if (!m || !share) return notFound()

    if (method === 'POST' && m[2] === '/open') {
      const { access } = JSON.parse(body ?? '{}') as { access: string }
      if ((await verifierOf(access)) !== share.verifier) {
        share.failedAttempts++
        const attemptsLeft = Math.max(0, 5 - share.failedAttempts)
        if (attemptsLeft === 0) end(share, 'destroyed')
        return json(403, { error: { code: 'wrong_access', message: 'Wrong access', attemptsLeft } })
      }
      share.viewsLeft--
      share.opens.push(new Date().toISOString())
      if (share.viewsLeft === 0) end(share, 'read')
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
      return json(200, statusOf(share, 'live', null))
    }
    if (method === 'DELETE' && !m[2]) {
      if (bearer !== share.manageToken) {
        return json(401, { error: { code: 'unauthorized', message: 'Unauthorized' } })
      }
      end(share, 'deleted')
      return new Response(null, { status: 204 })
    }
    return notFound()
  })

  vi.stubGlobal('fetch', fetchMock)
  return {
    fetch: fetchMock,
    requests,
    shares,
    receipts,
    /** Ends a share as the server would: it leaves a receipt saying how and when. */
    end(id: string, state: Receipt['state'], at?: string): void {
      const share = shares.get(id)
      if (!share) throw new Error(`no share ${id}`)
      end(share, state, at)
    },
    /** Stores a share directly, as if another browser had created it. */
    put(req: CreateShareRequest): void {
      shares.set(req.id, {
        ...req,
        viewsLeft: req.maxViews,
        failedAttempts: 0,
        expiresAt: new Date(Date.now() + req.ttlSeconds * 1000).toISOString(),
        manageToken: `manage-${req.id}`,
        createdAt: new Date().toISOString(),
        opens: [],
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
  receipts: { email: false, emailDomains: [] },
}
export const policyOverride: { value: Partial<Omit<PublicPolicy, 'viewer'>> } = { value: {} }
export function setFakePolicy(policy: Partial<Omit<PublicPolicy, 'viewer'>>): void {
  policyOverride.value = policy
}
