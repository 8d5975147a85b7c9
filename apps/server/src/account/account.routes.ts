/** @module The account API (SPEC §5): prelogin, register, login, logout, account, password change. */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type {
  AccountResponse,
  LoginResponse,
  PasswordChangeResponse,
  PreloginResponse,
} from '@secretsentry/contract/types'
import type { ClientInfo } from '../audit/account-audit.ts'
import { ApiError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { RateLimitStore } from '../http/rate-limit.ts'
import { canonical, iso, parseWith } from '../http/validate.ts'
import { contract } from '../http/contract.ts'
import type { Logger } from '../logger.ts'
import {
  CLEARED_SESSION_COOKIE,
  csrfTokenFor,
  sessionCookie,
  unauthenticated,
  type SessionEnv,
} from '../session/session.ts'
import { toAccount } from '../vault/shapes.ts'
import type { PolicyStore } from '../admin/policy.ts'
import { sha256 } from '../share/share.service.ts'
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
  /** Login (and password change) attempts per minute per account and address; 0 = off. */
  loginPerAccountPerMin: number
  /** The caller's rate-limit key (an address, or an IPv6 /64) and a keyed hash of it to store. */
  address: (c: Context) => { key: string; hash: string }
  store: RateLimitStore
  onLimited: (bucket: string) => void
  logger: Logger
  /** The instance policy: registration open, by invite, or closed. */
  policy: PolicyStore
}

/** Account bodies hold keys and at most 16 KiB of sealed folder metadata. */
const ACCOUNT_BODY_BYTES = 64 * 1024

/** Attempts an hour on one account from addresses it has not logged in from, per LOGIN_RATE_LIMIT_PER_MIN. */
export const UNFAMILIAR_PER_HOUR_FACTOR = 10

const invalidCredentials = (status: 401 | 403) =>
  new ApiError(status, 'invalid_credentials', 'Wrong username or password')

function respondWithSession(c: Context, started: accounts.StartedSession, status: 200 | 201) {
  const body: LoginResponse = {
    account: toAccount(started.user),
    csrfToken: csrfTokenFor(started.token),
    expiresAt: iso(started.expiresAt),
  }
  // A bearer token goes to the script that asked; a browser gets it only as an HttpOnly cookie.
  if (started.sessionKind === 'bearer') body.token = started.token.toString('base64url')
  else c.header('set-cookie', sessionCookie(started.token))
  return c.json(body, status)
}

export function accountRoutes(o: AccountRouteOptions): Hono<SessionEnv> {
  const { deps } = o

  const spend = async (key: string, limit: number, windowMs: number, message: string) => {
    const decision = await o.store.take(key, limit, windowMs, deps.clock())
    if (decision.allowed) return
    o.onLimited(key.slice(0, key.indexOf(':')))
    throw new ApiError(429, 'rate_limited', message, {
      headers: { 'retry-after': String(decision.retryAfterSeconds) },
    })
  }

  /**
   * Security promise (brute force is bounded, yet a stranger cannot lock the owner out): every
   * login or password-change attempt is charged, before its scrypt, to
   * - its address (the `login`/`password` middleware, RATE_LIMIT_PER_MIN), which bounds the CPU
   *   one address can burn;
   * - the account at that address (LOGIN_RATE_LIMIT_PER_MIN a minute), which bounds guesses
   *   from one address, and which nobody elsewhere can spend;
   * - unless the account logged in from that address within 30 days, the account as a whole
   *   (UNFAMILIAR_PER_HOUR_FACTOR x LOGIN_RATE_LIMIT_PER_MIN an hour), which bounds guessing
   *   spread over many addresses. Keyed by name, known or not, so the limit reveals nothing.
   * A right key from an unfamiliar address is refused like a wrong one once that budget is
   * spent: answering it 200 where wrong keys get 429 would tell a spread-out attacker which
   * guess was right, and the bound across addresses would bound nothing. So nobody at another
   * address can lock the owner out of an address they used before (someone behind the same
   * address can: it is one client to us); from a new address the owner waits like anyone else.
   */
  const limitAttempt = async (
    c: Context,
    kind: 'login' | 'password',
    account: string,
    familiar: (addressHash: string) => Promise<boolean>,
  ) => {
    const perMin = o.loginPerAccountPerMin
    if (perMin <= 0) return
    const address = o.address(c)
    await spend(
      `${kind}-account-address:${address.key} ${account}`,
      perMin,
      60_000,
      'Too many attempts for this account from your address; try again later',
    )
    if (await familiar(address.hash)) return
    await spend(
      `${kind}-account:${account}`,
      perMin * UNFAMILIAR_PER_HOUR_FACTOR,
      3_600_000,
      'Too many attempts for this account; try again later, or from an address you logged in from before',
    )
  }

  return new Hono<SessionEnv>()
    .post('/prelogin', o.sameOrigin, o.limits.prelogin, async (c) => {
      const body = parseWith(
        (await contract()).preloginRequest,
        await readJsonBody(c, ACCOUNT_BODY_BYTES),
      )
      const answer = await accounts.prelogin(deps, body.username)
      const response: PreloginResponse = {
        kdf: answer.kdf,
        salt: answer.salt.toString('base64url'),
      }
      return c.json(response, 200)
    })
    .post('/register', o.sameOrigin, o.limits.register, async (c) => {
      const body = parseWith(
        (await contract()).registerRequest,
        await readJsonBody(c, ACCOUNT_BODY_BYTES),
      )
      // Security promise (instance policy): closed registration creates no account; invite-only
      // creates one per valid invite, spent in the account's own transaction (consumeInvite).
      const { registration } = await o.policy.current()
      if (registration === 'closed')
        throw new ApiError(403, 'registration_closed', 'This instance does not accept new accounts')
      let inviteHash: Buffer | undefined
      if (registration === 'invite') {
        if (body.invite === undefined)
          throw new ApiError(403, 'invite_invalid', 'Registration here needs an invite link', {
            field: 'invite',
          })
        inviteHash = sha256(canonical('invite', body.invite))
      }
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
          session: body.session ?? 'cookie',
          ...(inviteHash ? { inviteHash } : {}),
        },
        o.client(c),
        o.address(c).hash,
      )
      if (outcome.kind === 'invite_invalid') {
        throw new ApiError(
          403,
          'invite_invalid',
          'This invite is unknown, expired, revoked or used already; ask for a new one',
          { field: 'invite' },
        )
      }
      if (outcome.kind === 'username_taken') {
        throw new ApiError(409, 'username_taken', 'This username is taken', { field: 'username' })
      }
      if (outcome.kind === 'folder_conflict') {
        throw new ApiError(409, 'conflict', 'A folder with this id exists', { field: 'folder.id' })
      }
      return respondWithSession(c, outcome, 201)
    })
    .post('/login', o.sameOrigin, o.limits.login, async (c) => {
      const body = parseWith(
        (await contract()).loginRequest,
        await readJsonBody(c, ACCOUNT_BODY_BYTES),
      )
      await limitAttempt(c, 'login', body.username, (hash) =>
        accounts.loggedInFrom(deps, { username: body.username }, hash),
      )
      const outcome = await accounts.login(
        deps,
        body.username,
        canonical('authKey', body.authKey),
        body.session ?? 'cookie',
        o.client(c),
        o.address(c).hash,
        (err) =>
          o.logger.error('login audit failed', {
            error: err instanceof Error ? err.name : 'unknown',
          }),
      )
      if (outcome.kind === 'invalid') throw invalidCredentials(401)
      if (outcome.kind === 'disabled')
        throw new ApiError(
          403,
          'account_disabled',
          'This account has been disabled by an administrator of this instance',
        )
      return respondWithSession(c, outcome, 200)
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
      const body = parseWith(
        (await contract()).passwordChangeRequest,
        await readJsonBody(c, ACCOUNT_BODY_BYTES),
      )
      const { userId, tokenHash } = c.var.session
      // Security promise: limited like login (see limitAttempt), since each try costs a scrypt
      // on the thread pool and a wrong current authKey is a password guess.
      await limitAttempt(c, 'password', userId.toString('hex'), (hash) =>
        accounts.loggedInFrom(deps, { userId }, hash),
      )
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
