/**
 * @module Test double of the account and vault API (vault design §2) behind a mocked fetch: one
 * account, cookie-style session with the CSRF check, check-and-set on PUT, and a record of every
 * request. It stores what the client sends as opaque strings, like the real server.
 */
import { createAccount, KDF_MINIMUMS } from '@secretsentry/keyring'
import { POLICY_DEFAULTS, policyOverride } from './fake-share-api.ts'
import type { KdfParams, NewAccount } from '@secretsentry/keyring'
import type {
  AuditEntry,
  CreateSecretRequest,
  CreateTokenRequest,
  Folder,
  MoveSecretRequest,
  SecretSummary,
  TokenInfoResponse,
  UpdateSecretRequest,
} from '@secretsentry/contract/types'
import { vi } from 'vitest'

export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | null
}

interface StoredSecret {
  summary: SecretSummary
  values: Map<number, { wrappedKey: string; ciphertext: string; createdAt: string }>
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

const error = (status: number, code: string, message = code): Response =>
  json(status, { error: { code, message } })

/** The cheapest KDF the client accepts, so tests derive in a fraction of a second. */
export const TEST_KDF: KdfParams = { algorithm: 'argon2id', ...KDF_MINIMUMS }

export interface FakeVault {
  fetch: ReturnType<typeof vi.fn>
  /** Whether the account is an administrator (GET /api/policy's viewer). */
  admin: boolean
  requests: RecordedRequest[]
  account: NewAccount
  username: string
  password: string
  csrfToken: string
  secrets: Map<string, StoredSecret>
  /** Whether a session cookie is set (login/register set it, logout clears it). */
  session: { active: boolean }
  /** Replaces the next prelogin answer (a downgrade, say). */
  preloginOverride: { kdf: KdfParams; salt: string } | null
  /** Bumps a secret's revision as if another browser had saved it. */
  touch(id: string): void
  /** Moves every version of a secret `days` into the past, as time passing would. */
  age(id: string, days: number): void
  /** What GET /api/audit answers (one page, newest first). */
  audit: AuditEntry[]
  /** The folder rows, first the account's first folder; opaque like the server's. */
  folders: Folder[]
  /** Service tokens as GET /api/tokens lists them (the server's rows: verifier never shown). */
  tokens: TokenInfoResponse[]
  /** Answers the next POST /api/secrets/:id/share with this refusal instead of creating it. */
  shareRefusal: { status: number; code: string; message: string; field?: string } | null
}

/** An account made with the real keyring (at the minimum KDF unless told) and a fetch mock serving it. */
export async function installFakeVaultApi(
  username = 'alice',
  password = 'correct horse battery staple',
  kdf: KdfParams = TEST_KDF,
): Promise<FakeVault> {
  const account = await createAccount(password, kdf)
  const now = () => new Date().toISOString()
  const createdAt = now()
  const accountBody = () => ({
    userId: 'AAAAAAAAAAAAAAAAAAAAAA',
    username,
    kdf: account.kdf,
    salt: account.salt,
    wrappedUserKey: account.wrappedUserKey,
    createdAt,
  })
  const csrfToken = 'csrf-token-of-this-session'
  policyOverride.value = {}
  const requests: RecordedRequest[] = []
  const secrets = new Map<string, StoredSecret>()
  const session = { active: false }

  const fake: FakeVault = {
    fetch: vi.fn(),
    admin: false,
    requests,
    account,
    username,
    password,
    csrfToken,
    secrets,
    session,
    preloginOverride: null,
    audit: [],
    tokens: [],
    shareRefusal: null,
    folders: [
      {
        id: account.folder.id,
        parentId: null,
        revision: 1,
        wrappedKey: account.folder.wrappedKey,
        meta: account.folder.meta,
        createdAt,
      },
    ],
    touch(id) {
      const s = secrets.get(id)
      if (s) s.summary = { ...s.summary, revision: s.summary.revision + 1, updatedAt: now() }
    },
    age(id, days) {
      const s = secrets.get(id)
      const back = (iso: string) => new Date(Date.parse(iso) - days * 86_400_000).toISOString()
      if (s)
        s.summary = {
          ...s.summary,
          versions: s.summary.versions.map((v) => ({ ...v, createdAt: back(v.createdAt) })),
        }
    },
  }

  const login = () => {
    session.active = true
    return {
      account: accountBody(),
      csrfToken,
      expiresAt: new Date(Date.now() + 86400e3).toISOString(),
    }
  }

  fake.fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
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
        JSON.stringify({
          ...POLICY_DEFAULTS,
          ...policyOverride.value,
          viewer: session.active ? { username, admin: fake.admin, csrfToken } : null,
        }),
        {
          status: 200,
          headers: { 'content-type': 'application/json' },
        },
      )
    requests.push({ method, url, headers, body })
    const data = (body ? JSON.parse(body) : {}) as Record<string, unknown>
    const path = url.split('?')[0] ?? url
    const query = new URLSearchParams(url.split('?')[1] ?? '')

    if (method === 'POST' && path === '/api/prelogin') {
      return json(200, fake.preloginOverride ?? { kdf: account.kdf, salt: account.salt })
    }
    if (method === 'POST' && path === '/api/login') {
      if (data['username'] !== username || data['authKey'] !== account.authKey)
        return error(401, 'invalid_credentials', 'Invalid username or password')
      return json(200, login())
    }
    if (method === 'POST' && path === '/api/register') {
      if (data['username'] === username) return error(409, 'username_taken', 'Username taken')
      return error(400, 'invalid_input', 'This fake serves one account only')
    }
    if (!session.active) return error(401, 'unauthenticated', 'Log in first')
    if (method !== 'GET' && headers['x-csrf-token'] !== csrfToken) return error(403, 'csrf')

    if (method === 'GET' && path === '/api/account')
      return json(200, { account: accountBody(), csrfToken })
    if (method === 'POST' && path === '/api/logout') {
      session.active = false
      return new Response(null, { status: 204 })
    }
    if (method === 'GET' && path === '/api/audit')
      return json(200, { events: fake.audit, next: null })
    if (method === 'GET' && path === '/api/folders') return json(200, { folders: fake.folders })
    if (method === 'POST' && path === '/api/folders') {
      const req = data as { id: string; wrappedKey: string; meta: string; parentId?: string | null }
      const folder: Folder = {
        id: req.id,
        parentId: req.parentId ?? null,
        revision: 1,
        wrappedKey: req.wrappedKey,
        meta: req.meta,
        createdAt: now(),
      }
      fake.folders.push(folder)
      return json(201, folder)
    }
    const fm = /^\/api\/folders\/([^/]+)$/.exec(path)
    const folder = fm ? fake.folders.find((f) => f.id === decodeURIComponent(fm[1]!)) : undefined
    if (fm) {
      if (!folder) return error(404, 'not_found')
      if (headers['if-match'] !== undefined && headers['if-match'] !== `"${folder.revision}"`)
        return error(409, 'conflict', 'The folder changed meanwhile')
      if (method === 'PUT') {
        const req = data as { parentId: string | null; meta: string }
        Object.assign(folder, {
          parentId: req.parentId,
          meta: req.meta,
          revision: folder.revision + 1,
        })
        return json(200, folder)
      }
      if (method === 'DELETE') {
        const used =
          fake.folders.some((f) => f.parentId === folder.id) ||
          [...secrets.values()].some((x) => x.summary.folderId === folder.id)
        if (used) return error(409, 'conflict', 'The folder is not empty: it holds 1 secret(s)')
        fake.folders.splice(fake.folders.indexOf(folder), 1)
        return new Response(null, { status: 204 })
      }
    }
    if (path === '/api/tokens' && method === 'GET') return json(200, { tokens: fake.tokens })
    if (path === '/api/tokens' && method === 'POST') {
      const req = data as unknown as CreateTokenRequest
      const live = (t: TokenInfoResponse) =>
        t.revokedAt === null && (t.expiresAt === null || Date.parse(t.expiresAt) > Date.now())
      if (fake.tokens.some((t) => t.name === req.name && live(t)))
        return json(409, {
          error: {
            code: 'conflict',
            message: 'name: a live token of this account has this name',
            field: 'name',
          },
        })
      const root = req.grants.find((g) => g.role === 'root')!
      const info: TokenInfoResponse = {
        id: req.id,
        name: req.name,
        rootFolderId: root.folderId,
        includeSubfolders: req.includeSubfolders,
        readWrite: req.readWrite,
        stage: req.stage,
        createdAt: now(),
        expiresAt:
          req.expiresInSeconds === null
            ? null
            : new Date(Date.now() + req.expiresInSeconds * 1000).toISOString(),
        revokedAt: null,
        lastUsedAt: null,
        lastUsedClient: null,
        grants: req.grants.length,
        ownerWrappedKey: req.ownerWrappedKey,
        tokenMeta: req.tokenMeta,
      }
      fake.tokens.push(info)
      return json(201, info)
    }
    const tm = /^\/api\/tokens\/([^/]+)(\/grants)?$/.exec(path)
    const tok = tm ? fake.tokens.find((t) => t.id === decodeURIComponent(tm[1]!)) : undefined
    if (tm && !tok) return error(404, 'not_found', 'No such token')
    if (tm && tok && !tm[2] && method === 'DELETE') {
      tok.revokedAt ??= now()
      return new Response(null, { status: 204 })
    }
    if (tm && tok && tm[2] && method === 'POST') {
      tok.grants += (data['grants'] as unknown[]).length
      return json(200, tok)
    }
    const keys = /^\/api\/secrets\/([^/]+)\/keys$/.exec(path)
    const keyed = keys ? secrets.get(decodeURIComponent(keys[1]!)) : undefined
    if (keys && keyed && method === 'GET') {
      return json(200, {
        revision: keyed.summary.revision,
        folderId: keyed.summary.folderId,
        versions: [...keyed.values].map(([version, v]) => ({ version, wrappedKey: v.wrappedKey })),
      })
    }
    const mv = /^\/api\/secrets\/([^/]+)\/move$/.exec(path)
    const moving = mv ? secrets.get(decodeURIComponent(mv[1]!)) : undefined
    if (mv && moving && method === 'POST') {
      if (headers['if-match'] !== `"${moving.summary.revision}"`)
        return error(409, 'conflict', 'The secret changed meanwhile')
      const req = data as unknown as MoveSecretRequest
      for (const v of req.versions) {
        const old = moving.values.get(v.version)
        if (old) moving.values.set(v.version, { ...old, wrappedKey: v.wrappedKey })
      }
      moving.summary = {
        ...moving.summary,
        folderId: req.folderId,
        revision: moving.summary.revision + 1,
        meta: req.meta,
        updatedAt: now(),
      }
      return json(200, moving.summary)
    }
    if (path === '/api/secrets') {
      if (method === 'GET') {
        const deleted = query.get('deleted') === 'true'
        return json(200, {
          secrets: [...secrets.values()]
            .map((s) => s.summary)
            .filter((s) => (s.deletedAt !== null) === deleted),
        })
      }
      if (method === 'POST') {
        const req = data as unknown as CreateSecretRequest
        const at = now()
        const summary: SecretSummary = {
          id: req.id,
          folderId: req.folderId,
          revision: 1,
          meta: { revision: 1, ciphertext: req.meta.ciphertext },
          versions: [
            {
              version: 1,
              size: req.value.ciphertext.length,
              createdAt: at,
              restoredFrom: null,
              stages: ['current'],
            },
          ],
          rotationDays: req.rotationDays ?? null,
          createdAt: at,
          updatedAt: at,
          deletedAt: null,
          purgeAt: null,
        }
        secrets.set(req.id, {
          summary,
          values: new Map([[1, { ...req.value, createdAt: at }]]),
        })
        return json(201, summary)
      }
    }
    const sh = /^\/api\/secrets\/([^/]+)\/shares$/.exec(path)
    if (sh && method === 'GET' && secrets.has(decodeURIComponent(sh[1]!))) {
      return json(200, { shares: [] })
    }
    const sp = /^\/api\/secrets\/([^/]+)\/share$/.exec(path)
    if (sp && method === 'POST') {
      if (!secrets.has(decodeURIComponent(sp[1]!))) return error(404, 'not_found')
      const refusal = fake.shareRefusal
      if (refusal) {
        fake.shareRefusal = null
        const { status, ...err } = refusal
        return json(status, { error: err })
      }
      const expiresAt = new Date(Date.now() + Number(data['ttlSeconds']) * 1000).toISOString()
      return json(201, { id: data['id'], expiresAt, manageToken: 'M'.repeat(43) })
    }
    const rs = /^\/api\/secrets\/([^/]+)\/restore$/.exec(path)
    const gone = rs ? secrets.get(decodeURIComponent(rs[1]!)) : undefined
    if (rs && method === 'POST') {
      if (!gone) return error(404, 'not_found')
      if (gone.summary.deletedAt === null) return error(409, 'conflict', 'Not deleted')
      gone.summary = {
        ...gone.summary,
        deletedAt: null,
        purgeAt: null,
        revision: gone.summary.revision + 1,
      }
      return json(200, gone.summary)
    }
    const purge = /^\/api\/secrets\/([^/]+)$/.exec(path)
    if (purge && method === 'DELETE' && query.get('purge') === 'true') {
      const id = decodeURIComponent(purge[1]!)
      if (!secrets.get(id)?.summary.deletedAt) return error(409, 'conflict', 'Delete it first')
      secrets.delete(id)
      return new Response(null, { status: 204 })
    }
    const m = /^\/api\/secrets\/([^/]+)$/.exec(path)
    const stored = m ? secrets.get(decodeURIComponent(m[1]!)) : undefined
    if (m && stored && stored.summary.deletedAt === null) {
      const s = stored.summary
      const etag = { etag: `"${s.revision}"` }
      if (method === 'GET') {
        const version = Number(
          query.get('version') ?? s.versions.find((v) => v.stages.includes('current'))?.version,
        )
        const value = stored.values.get(version)
        if (!value) return error(404, 'not_found')
        return json(200, { ...s, value: { version, ...value } }, etag)
      }
      if (method === 'PUT') {
        if (headers['if-match'] !== undefined && headers['if-match'] !== `"${s.revision}"`)
          return error(409, 'conflict', 'The secret changed since you read it')
        const req = data as UpdateSecretRequest
        const at = now()
        let versions = s.versions
        let meta = s.meta
        if (req.meta) {
          if (req.meta.revision !== s.meta.revision + 1) return error(409, 'conflict')
          meta = { revision: req.meta.revision, ciphertext: req.meta.ciphertext }
        }
        if (req.value) {
          const latest = Math.max(...versions.map((v) => v.version))
          if (req.value.version !== latest + 1) return error(409, 'conflict')
          const stage = req.value.stage ?? 'current'
          // A label sits on at most one version: current → previous, or the old pending dropped.
          versions = versions.map((v) => {
            if (stage === 'pending')
              return { ...v, stages: v.stages.filter((x) => x !== 'pending') }
            const kept = v.stages.filter((x) => x === 'pending')
            return {
              ...v,
              stages: v.stages.includes('current') ? [...kept, 'previous' as const] : kept,
            }
          })
          versions = [
            ...versions,
            {
              version: req.value.version,
              size: req.value.ciphertext.length,
              createdAt: at,
              restoredFrom: req.value.restoredFrom ?? null,
              stages: [stage],
            },
          ]
          stored.values.set(req.value.version, {
            wrappedKey: req.value.wrappedKey,
            ciphertext: req.value.ciphertext,
            createdAt: at,
          })
        }
        stored.summary = {
          ...s,
          revision: s.revision + 1,
          meta,
          versions,
          updatedAt: at,
          rotationDays: req.rotationDays === undefined ? s.rotationDays : req.rotationDays,
        }
        return json(200, stored.summary, { etag: `"${s.revision + 1}"` })
      }
      if (method === 'DELETE') {
        const at = now()
        const purgeAt = new Date(Date.now() + 7 * 86400e3).toISOString()
        stored.summary = { ...s, deletedAt: at, purgeAt }
        return json(200, { deletedAt: at, purgeAt })
      }
    }
    return error(404, 'not_found', 'Not found')
  })
  vi.stubGlobal('fetch', fake.fetch)
  return fake
}
