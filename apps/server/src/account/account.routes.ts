/** @module The account API (SPEC §5): prelogin, register, login, logout, account, password change. */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import {
  loginRequest,
  passwordChangeRequest,
  preloginRequest,
  registerRequest,
} from '@secretsentry/contract'
import type {
  AccountResponse,
  LoginResponse,
  PasswordChangeResponse,
  PreloginResponse,
  SessionKind,
} from '@secretsentry/contract/types'
import type { ClientInfo } from '../audit/account-audit.ts'
import { ApiError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { RateLimitStore } from '../http/rate-limit.ts'
import { canonical, iso, parseWith } from '../http/validate.ts'
import type { Logger } from '../logger.ts'
import {
  CLEARED_SESSION_COOKIE,
  csrfTokenFor,
  sessionCookie,
  unauthenticated,
  type SessionEnv,
} from '../session/session.ts'
import { toAccount } from '../vault/shapes.ts'
import { findUserById } from './account.queries.ts'
import * as accounts from './account.service.ts'

export interface AccountRouteOptions {
  deps: accounts.AccountDeps
  client: (c: Context) => ClientInfo
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
  limits: {
    prelogin: MiddlewareHandler
    login: MiddlewareHandler
    register: MiddlewareHandler
    /** Password changes per address: each costs a scrypt, like a login. */
    password: MiddlewareHandler
  }
  /** Login (and password change) attempts per minute per account; 0 = off. */
  loginPerAccountPerMin: number
  store: RateLimitStore
  onLimited: (bucket: string) => void
  logger: Logger
}

/** Account bodies hold keys and at most 16 KiB of sealed folder metadata. */
const ACCOUNT_BODY_BYTES = 64 * 1024

const invalidCredentials = (status: 401 | 403) =>
  new ApiError(status, 'invalid_credentials', 'Wrong username or password')

function respondWithSession(
  c: Context,
  started: accounts.StartedSession,
  kind: SessionKind,
  status: 200 | 201,
) {
  const body: LoginResponse = {
    account: toAccount(started.user),
    csrfToken: csrfTokenFor(started.token),
    expiresAt: iso(started.expiresAt),
  }
  // A bearer token goes to the script that asked; a browser gets it only as an HttpOnly cookie.
  if (kind === 'bearer') body.token = started.token.toString('base64url')
  else c.header('set-cookie', sessionCookie(started.token))
  return c.json(body, status)
}

export function accountRoutes(o: AccountRouteOptions): Hono<SessionEnv> {
  const { deps } = o

  /** Per account name, known or not (so the limit itself reveals nothing), after the per-address limit. */
  const limitAccount = async (key: string) => {
    if (o.loginPerAccountPerMin <= 0) return
    const decision = await o.store.take(key, o.loginPerAccountPerMin, 60_000, deps.clock())
    if (decision.allowed) return
    o.onLimited('login-account')
    throw new ApiError(429, 'rate_limited', 'Too many attempts for this account; try again later', {
      headers: { 'retry-after': String(decision.retryAfterSeconds) },
    })
  }

  return new Hono<SessionEnv>()
    .post('/prelogin', o.sameOrigin, o.limits.prelogin, async (c) => {
      const body = parseWith(preloginRequest, await readJsonBody(c, ACCOUNT_BODY_BYTES))
      const answer = await accounts.prelogin(deps, body.username)
      const response: PreloginResponse = {
        kdf: answer.kdf,
        salt: answer.salt.toString('base64url'),
      }
      return c.json(response, 200)
    })
    .post('/register', o.sameOrigin, o.limits.register, async (c) => {
      const body = parseWith(registerRequest, await readJsonBody(c, ACCOUNT_BODY_BYTES))
      const outcome = await accounts.register(
        deps,
        {
          username: body.username,
          kdf: body.kdf,
          salt: canonical('salt', body.salt),
          authKey: canonical('authKey', body.authKey),
          wrappedUserKey: canonical('wrappedUserKey', body.wrappedUserKey),
          folder: {
            id: canonical('folder.id', body.folder.id),
            wrappedKey: canonical('folder.wrappedKey', body.folder.wrappedKey),
            meta: canonical('folder.meta', body.folder.meta),
          },
        },
        o.client(c),
      )
      if (outcome.kind === 'username_taken') {
        throw new ApiError(409, 'username_taken', 'This username is taken', { field: 'username' })
      }
      if (outcome.kind === 'folder_conflict') {
        throw new ApiError(409, 'conflict', 'A folder with this id exists', { field: 'folder.id' })
      }
      return respondWithSession(c, outcome, body.session ?? 'cookie', 201)
    })
    .post('/login', o.sameOrigin, o.limits.login, async (c) => {
      const body = parseWith(loginRequest, await readJsonBody(c, ACCOUNT_BODY_BYTES))
      await limitAccount(`login-account:${body.username}`)
      const outcome = await accounts.login(
        deps,
        body.username,
        canonical('authKey', body.authKey),
        o.client(c),
        (err) =>
          o.logger.error('login audit failed', {
            error: err instanceof Error ? err.name : 'unknown',
          }),
      )
      if (outcome.kind === 'invalid') throw invalidCredentials(401)
      return respondWithSession(c, outcome, body.session ?? 'cookie', 200)
    })
    .post('/logout', o.sameOrigin, o.session, async (c) => {
      const { userId, tokenHash } = c.var.session
      await accounts.logout(deps, userId, tokenHash, o.client(c))
      c.header('set-cookie', CLEARED_SESSION_COOKIE)
      return c.body(null, 204)
    })
    .get('/account', o.session, async (c) => {
      const user = await findUserById(deps.db, c.var.session.userId)
      if (!user) throw unauthenticated()
      const response: AccountResponse = {
        account: toAccount(user),
        csrfToken: c.var.session.csrfToken,
      }
      return c.json(response, 200)
    })
    .post('/account/password', o.sameOrigin, o.limits.password, o.session, async (c) => {
      const body = parseWith(passwordChangeRequest, await readJsonBody(c, ACCOUNT_BODY_BYTES))
      const { userId, tokenHash } = c.var.session
      // Security promise: limited like login (per address, then per account), since each try
      // costs a scrypt on the thread pool and a wrong current authKey is a password guess.
      await limitAccount(`password-account:${userId.toString('hex')}`)
      const outcome = await accounts.changePassword(
        deps,
        userId,
        tokenHash,
        {
          authKey: canonical('authKey', body.authKey),
          newAuthKey: canonical('newAuthKey', body.newAuthKey),
          newSalt: canonical('newSalt', body.newSalt),
          newKdf: body.newKdf,
          newWrappedUserKey: canonical('newWrappedUserKey', body.newWrappedUserKey),
        },
        o.client(c),
      )
      if (outcome.kind === 'gone') throw unauthenticated()
      // 403, not 401: the session is fine, only the current password was wrong.
      if (outcome.kind === 'invalid') throw invalidCredentials(403)
      const response: PasswordChangeResponse = { account: toAccount(outcome.user) }
      return c.json(response, 200)
    })
}
