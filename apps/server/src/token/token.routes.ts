/**
 * @module Service token routes (issue 11): the owner's (/api/tokens, a logged-in session) and the
 * holder's (/api/token, `Authorization: Token <id>.<authKey>`). The holder never sends the token
 * text or its secret; the server compares SHA-256 of the authKey with the stored verifier.
 */
import crypto from 'node:crypto'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type {
  TokenSecretsResponse,
  TokenSecretWithValue,
  TokenSelfResponse,
  TokensResponse,
} from '@secretsentry/contract/types'
import type { ClientInfo } from '../audit/account-audit.ts'
import { ApiError } from '../errors.ts'
import type { RateLimitStore } from '../http/rate-limit.ts'
import { readJsonBody } from '../http/json-body.ts'
import { canonical, invalid, isCanonicalB64url, parseQuery, parseWith } from '../http/validate.ts'
import { contract } from '../http/contract.ts'
import type { SessionEnv } from '../session/session.ts'
import { writeSpender, type WriteLimitOptions } from '../vault/vault.api.ts'
import {
  conflict,
  etag,
  noVersion,
  notFound,
  paramId,
  quotaExceeded,
  readNewSecret,
  readSecretUpdate,
} from '../vault/vault.routes.ts'
import * as vault from '../vault/vault.service.ts'
import * as vq from '../vault/vault.queries.ts'
import * as q from './token.queries.ts'
import * as tokens from './token.service.ts'
import type { AuthedToken } from './token.service.ts'

export type TokenEnv = { Variables: { token: AuthedToken } }

export interface TokenRouteOptions {
  deps: vault.VaultDeps
  maxSecretBytes: number
  client: (c: Context) => ClientInfo
  /** The caller's rate-limit key (its address or IPv6 /64). */
  addressKey: (c: Context) => string
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
  /** The owner's writes spend the session's vault write budget (see vault.api.ts). */
  writeLimit: MiddlewareHandler<SessionEnv>
  /** The token's writes spend its own budget and the account's. */
  tokenWrites: WriteLimitOptions
  store: RateLimitStore
  /** Failed token authentications per address a minute (RATE_LIMIT_PER_MIN); 0: no limit. */
  failedAuthPerMin: number
  onLimited: (bucket: string) => void
}

/** 256 KiB: 500 grants of ~150 characters each, and the rest of the body. */
const CREATE_BODY_BYTES = 256 * 1024
const META_BODY_BYTES = 8 * 1024
const VERIFIER_PREFIX = Buffer.from('secretsentry/v1/token/verifier\0', 'utf8')
/** `Token <22-character id>.<43-character authKey>`: the id and authKey, never the text. */
const TOKEN_AUTH = /^Token +([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/i
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const REALM = { 'www-authenticate': 'Token realm="secretsentry"' }
const refusals = {
  unauthenticated: () =>
    new ApiError(401, 'unauthenticated', 'Unknown or wrong service token', { headers: REALM }),
  token_revoked: () =>
    new ApiError(401, 'token_revoked', 'This service token was revoked by its owner', {
      headers: REALM,
    }),
  token_expired: () =>
    new ApiError(401, 'token_expired', 'This service token has expired', { headers: REALM }),
}

/** keyring SPEC §11.2: SHA-256("secretsentry/v1/token/verifier\0" || authKey). */
export function tokenVerifier(authKey: Buffer): Buffer {
  return crypto.createHash('sha256').update(VERIFIER_PREFIX).update(authKey).digest()
}

/** The presented id and authKey; undefined for a header that is not exactly a token credential. */
function presented(c: Context): { id: Buffer; authKey: Buffer } | undefined {
  const m = TOKEN_AUTH.exec(c.req.header('authorization')?.trim() ?? '')
  if (!m) return undefined
  const [, id, key] = m as unknown as [string, string, string]
  // One spelling per value (SPEC §1): spare bits of the last character must be zero.
  if (!isCanonicalB64url(id) || !isCanonicalB64url(key)) return undefined
  return { id: Buffer.from(id, 'base64url'), authKey: Buffer.from(key, 'base64url') }
}

export function tokenRoutes(o: TokenRouteOptions): Hono {
  const { deps } = o
  const owner = (c: Context<SessionEnv>) => ({
    userId: c.var.session.userId,
    client: o.client(c),
  })
  const spend = writeSpender(o.tokenWrites)

  /**
   * Security promise (failed token authentications are bounded like logins): each failure from
   * an address spends one of RATE_LIMIT_PER_MIN; past it the address gets 429 and nothing is
   * written to any audit trail, so a flood of wrong tokens neither costs unbounded work nor
   * buries an owner's trail. (A token's 256-bit secret is not guessable; the bound is for load.)
   */
  async function refuse(
    c: Context,
    code: keyof typeof refusals,
    token?: { row: q.TokenRow; detail: string },
  ): Promise<never> {
    if (o.failedAuthPerMin > 0) {
      const key = `token-auth-failed:${o.addressKey(c)}`
      const decision = await o.store.take(key, o.failedAuthPerMin, 60_000, deps.clock())
      if (!decision.allowed) {
        o.onLimited('token-auth-failed')
        throw new ApiError(429, 'rate_limited', 'Too many failed token requests; try again later', {
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        })
      }
    }
    if (token) await tokens.recordDenied(deps, token.row, o.client(c), token.detail)
    throw refusals[code]()
  }

  const tokenAuth: MiddlewareHandler<TokenEnv> = async function tokenAuth(c, next) {
    const credential = presented(c)
    if (!credential) return refuse(c, 'unauthenticated')
    const row = await q.findTokenForAuth(deps.db, credential.id)
    if (!row) return refuse(c, 'unauthenticated')
    const { disabled_at: disabledAt, ...token } = row
    if (!crypto.timingSafeEqual(tokenVerifier(credential.authKey), token.verifier)) {
      // A wrong key for a real token id is a refused access on its owner's trail: someone
      // knows the id (it is shown in lists) but not the secret.
      return refuse(c, 'unauthenticated', { row: token, detail: 'refused: wrong key' })
    }
    const now = deps.clock()
    if (token.revoked_at !== null) {
      return refuse(c, 'token_revoked', { row: token, detail: 'refused: the token is revoked' })
    }
    if (token.expires_at !== null && token.expires_at <= now) {
      return refuse(c, 'token_expired', { row: token, detail: 'refused: the token has expired' })
    }
    if (disabledAt !== null) {
      throw new ApiError(
        403,
        'account_disabled',
        'The account this token belongs to is disabled by an administrator',
      )
    }
    c.set('token', { row: token, client: o.client(c) })
    return next()
  }

  const tokenWriteLimit: MiddlewareHandler<TokenEnv> = async function tokenWriteLimit(c, next) {
    if (READ_METHODS.has(c.req.method)) return next()
    const { row } = c.var.token
    await spend(
      'vault-write-session',
      `token-${row.id.toString('hex')}`,
      o.tokenWrites.perSession,
      'this token',
    )
    await spend(
      'vault-write-account',
      row.user_id.toString('hex'),
      o.tokenWrites.perAccount,
      'this account',
    )
    return next()
  }

  /** Security promise: a read-only token writes nothing; the refusal is on the owner's trail. */
  async function requireReadWrite(c: Context<TokenEnv>): Promise<void> {
    const { row, client } = c.var.token
    if (row.read_write) return
    await tokens.recordDenied(deps, row, client, 'write refused: the token is read-only')
    throw new ApiError(403, 'read_only', 'This service token is read-only: it cannot write')
  }

  const tokenCaller = (auth: AuthedToken): vault.Caller => ({
    userId: auth.row.user_id,
    client: auth.client,
    token: { id: auth.row.id, inScope: tokens.scopeOf(auth.row) },
  })

  /** The owner's own secret id goes on the trail; another account's is not this owner's to see. */
  async function deniedWrite(auth: AuthedToken, detail: string, secretId: Buffer | null) {
    const secret = secretId ? await vq.findSecret(deps.db, secretId) : undefined
    const own = secret?.user_id.equals(auth.row.user_id) ? secretId : null
    await tokens.recordDenied(deps, auth.row, auth.client, detail, own)
  }

  const ownerRoutes = new Hono<SessionEnv>()
    // '/tokens/*' also matches '/tokens' itself.
    .use('/tokens/*', o.sameOrigin, o.session, o.writeLimit)
    .post('/tokens', async (c) => {
      const body = parseWith(
        (await contract()).createTokenRequest,
        await readJsonBody(c, CREATE_BODY_BYTES),
      )
      const outcome = await tokens.createToken(deps, owner(c), {
        id: canonical('id', body.id),
        name: body.name,
        verifier: canonical('verifier', body.verifier),
        ownerWrappedKey: canonical('ownerWrappedKey', body.ownerWrappedKey),
        tokenMeta: canonical('tokenMeta', body.tokenMeta),
        grants: body.grants.map((g, i) => ({
          folderId: canonical(`grants.${i}.folderId`, g.folderId),
          role: g.role,
          wrappedKey: canonical(`grants.${i}.wrappedKey`, g.wrappedKey),
        })),
        includeSubfolders: body.includeSubfolders,
        readWrite: body.readWrite,
        stage: body.stage,
        expiresInSeconds: body.expiresInSeconds,
      })
      if (outcome.kind === 'no_folder') {
        throw new ApiError(404, 'not_found', `${outcome.field}: no such folder`, {
          field: outcome.field,
        })
      }
      if (outcome.kind === 'conflict') throw conflict(outcome)
      return c.json(outcome.token, 201)
    })
    .get('/tokens', async (c) => {
      const response: TokensResponse = {
        tokens: await tokens.listTokens(deps, c.var.session.userId),
      }
      return c.json(response, 200)
    })
    .delete('/tokens/:id', async (c) => {
      const outcome = await tokens.revokeToken(deps, owner(c), paramId(c, 'id'))
      if (outcome.kind === 'not_found') {
        throw new ApiError(404, 'not_found', 'No such token', { field: 'id' })
      }
      return c.body(null, 204)
    })
    .post('/tokens/:id/grants', async (c) => {
      const id = paramId(c, 'id')
      const body = parseWith(
        (await contract()).addGrantsRequest,
        await readJsonBody(c, CREATE_BODY_BYTES),
      )
      const outcome = await tokens.addGrants(
        deps,
        owner(c),
        id,
        body.grants.map((g, i) => ({
          folderId: canonical(`grants.${i}.folderId`, g.folderId),
          wrappedKey: canonical(`grants.${i}.wrappedKey`, g.wrappedKey),
        })),
      )
      if (outcome.kind === 'not_found') {
        throw new ApiError(404, 'not_found', 'No such token', { field: 'id' })
      }
      if (outcome.kind === 'no_folder') {
        throw new ApiError(404, 'not_found', `${outcome.field}: no such folder`, {
          field: outcome.field,
        })
      }
      if (outcome.kind === 'conflict') throw conflict(outcome)
      return c.json(outcome.token, 200)
    })
    .put('/tokens/:id/meta', async (c) => {
      const id = paramId(c, 'id')
      const body = parseWith(
        (await contract()).updateTokenMetaRequest,
        await readJsonBody(c, META_BODY_BYTES),
      )
      const outcome = await tokens.updateTokenMeta(
        deps,
        owner(c),
        id,
        canonical('tokenMeta', body.tokenMeta),
      )
      if (outcome.kind === 'not_found') {
        throw new ApiError(404, 'not_found', 'No such token', { field: 'id' })
      }
      if (outcome.kind === 'conflict') throw conflict(outcome)
      return c.json(outcome.token, 200)
    })

  const holderRoutes = new Hono<TokenEnv>()
    // '/token/*' also matches '/token' itself (and not '/tokens').
    .use('/token/*', tokenAuth, tokenWriteLimit)
    .get('/token', async (c) => {
      const response: TokenSelfResponse = await tokens.tokenSelf(deps, c.var.token)
      return c.json(response, 200)
    })
    .get('/token/secrets', async (c) => {
      const query = parseQuery(c, (await contract()).tokenSecretsQuery)
      const response: TokenSecretsResponse = {
        secrets: await tokens.tokenSecrets(deps, c.var.token, query.values !== 'false'),
      }
      return c.json(response, 200)
    })
    .get('/token/secrets/:id', async (c) => {
      const id = paramId(c, 'id')
      const query = parseQuery(c, (await contract()).secretQuery)
      if (query.version !== undefined && query.stage !== undefined) {
        throw invalid('stage', 'stage: give either version or stage, not both')
      }
      const selector: tokens.ValueSelector =
        query.version !== undefined
          ? { version: Number(query.version) }
          : { stage: query.stage ?? 'current' }
      const outcome = await tokens.tokenSecret(deps, c.var.token, id, selector)
      if (outcome.kind === 'not_found') throw notFound()
      if (outcome.kind === 'stage_refused') {
        throw new ApiError(
          404,
          'not_found',
          'This service token reads current versions only (it was made with stage current)',
          { field: 'version' in selector ? 'version' : 'stage' },
        )
      }
      if (outcome.kind === 'no_version') throw noVersion()
      const response: TokenSecretWithValue = outcome.secret
      c.header('etag', etag(response.revision))
      return c.json(response, 200)
    })
    .post('/token/secrets', async (c) => {
      await requireReadWrite(c)
      const auth = c.var.token
      const outcome = await vault.createSecret(
        deps,
        tokenCaller(auth),
        await readNewSecret(c, o.maxSecretBytes),
      )
      if (outcome.kind === 'not_found') {
        await deniedWrite(auth, "write refused: the folder is not one of the token's", null)
        throw new ApiError(404, 'not_found', 'No such folder', { field: 'folderId' })
      }
      if (outcome.kind === 'conflict') throw conflict(outcome)
      if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
      await tokens.touch(deps, auth)
      c.header('etag', etag(outcome.summary.revision))
      return c.json(tokens.summaryToTokenSecret(outcome.summary), 201)
    })
    .put('/token/secrets/:id', async (c) => {
      const id = paramId(c, 'id')
      await requireReadWrite(c)
      const auth = c.var.token
      const update = await readSecretUpdate(c, o.maxSecretBytes)
      const outcome = await vault.updateSecret(deps, tokenCaller(auth), id, update)
      if (outcome.kind === 'not_found') {
        await deniedWrite(auth, "write refused: no such secret in the token's folders", id)
        throw notFound()
      }
      if (outcome.kind === 'conflict') throw conflict(outcome)
      if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
      await tokens.touch(deps, auth)
      c.header('etag', etag(outcome.summary.revision))
      return c.json(tokens.summaryToTokenSecret(outcome.summary), 200)
    })

  return new Hono().route('/', ownerRoutes).route('/', holderRoutes)
}
