/**
 * @module Fetch calls to the account and vault API (vault design §2). Same origin, JSON, the
 * session in an HttpOnly cookie the page cannot read, and the CSRF token on every request that
 * changes something.
 */
import type { CreateShareRequest, CreateShareResponse } from '@secretsentry/contract/types'
import { readJson, request } from '../../shared/api/share.api.ts'
import type {
  AccountResponse,
  AuditPage,
  AuditQuery,
  ChangePasswordRequest,
  CreateSecretRequest,
  Folder,
  PreloginResponse,
  RegisterRequest,
  SecretSummary,
  SecretWithValue,
  SessionResponse,
  UpdateSecretRequest,
  VaultShare,
} from './vault.types.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

let csrfToken: string | null = null

/** Set from the login, register and account answers; cleared at logout. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** An answer body with its ETag (the secret's revision, for If-Match). */
export interface WithRevision<T> {
  body: T
  etag: string | null
}

/**
 * Security promise (design §2): every cookie-authenticated request other than GET/HEAD carries
 * X-CSRF-Token; together with the SameSite=Strict cookie, another site cannot act as the user.
 */
async function send(
  method: Method,
  path: string,
  opts: { body?: unknown; ifMatch?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {}
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken
  if (opts.ifMatch !== undefined) headers['if-match'] = opts.ifMatch
  return request(method, path, { body: opts.body, headers })
}

async function call<T>(
  method: Method,
  path: string,
  opts: { body?: unknown; ifMatch?: string } = {},
): Promise<T> {
  return readJson<T>(await send(method, path, opts))
}

async function withEtag<T>(res: Response): Promise<WithRevision<T>> {
  return { etag: res.headers.get('etag'), body: await readJson<T>(res) }
}

const secretPath = (id: string): string => `/api/secrets/${encodeURIComponent(id)}`

/** `"<revision>"`, the entity tag the server gives a secret. */
export const revisionTag = (revision: number): string => `"${revision}"`

export const vaultApi = {
  prelogin: (username: string) =>
    call<PreloginResponse>('POST', '/api/prelogin', { body: { username } }),
  register: (body: RegisterRequest) => call<SessionResponse>('POST', '/api/register', { body }),
  login: (username: string, authKey: string) =>
    call<SessionResponse>('POST', '/api/login', { body: { username, authKey } }),
  logout: () => call<void>('POST', '/api/logout'),
  account: () => call<AccountResponse>('GET', '/api/account'),
  changePassword: (body: ChangePasswordRequest) =>
    call<Pick<AccountResponse, 'account'>>('POST', '/api/account/password', { body }),

  folders: () => call<{ folders: Folder[] }>('GET', '/api/folders'),

  listSecrets: (deleted = false) =>
    call<{ secrets: SecretSummary[] }>(
      'GET',
      deleted ? '/api/secrets?deleted=true' : '/api/secrets',
    ),
  createSecret: (body: CreateSecretRequest) =>
    call<SecretSummary>('POST', '/api/secrets', { body }),
  /** Fetches one version's sealed value (the current one by default); the server audits the read. */
  getSecret: async (id: string, version?: number) =>
    withEtag<SecretWithValue>(
      await send(
        'GET',
        version === undefined ? secretPath(id) : `${secretPath(id)}?version=${version}`,
      ),
    ),
  /** A stale `revision` gives 409 conflict: someone else saved in between. */
  updateSecret: async (id: string, revision: number, body: UpdateSecretRequest) =>
    withEtag<SecretSummary>(
      await send('PUT', secretPath(id), { body, ifMatch: revisionTag(revision) }),
    ),
  deleteSecret: (id: string) =>
    call<{ deletedAt: string; purgeAt: string }>('DELETE', secretPath(id)),
  purgeSecret: (id: string) => call<void>('DELETE', `${secretPath(id)}?purge=true`),
  restoreSecret: (id: string) => call<SecretSummary>('POST', `${secretPath(id)}/restore`),

  shareSecret: (id: string, body: CreateShareRequest) =>
    call<CreateShareResponse>('POST', `${secretPath(id)}/share`, { body }),
  shares: (id: string) => call<{ shares: VaultShare[] }>('GET', `${secretPath(id)}/shares`),
  revokeShare: (id: string, shareId: string) =>
    call<void>('DELETE', `${secretPath(id)}/shares/${encodeURIComponent(shareId)}`),

  audit: (q: AuditQuery = {}) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(q))
      if (v !== undefined && v !== '') params.set(k, String(v))
    const qs = params.toString()
    return call<AuditPage>('GET', qs ? `/api/audit?${qs}` : '/api/audit')
  },
}
