/** @module Registration, prelogin, login, logout and password change (SPEC §5) as write operations returning outcomes. */
import crypto from 'node:crypto'
import { VAULT_LIMITS } from '@secretsentry/contract/limits'
import type { KdfParams, SessionKind } from '@secretsentry/contract/types'
import type { AccountAudit, ClientInfo } from '../audit/account-audit.ts'
import type { Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import { sha256 } from '../share/share.service.ts'
import * as sessions from '../session/session.queries.ts'
import { SESSION_ABSOLUTE_MS, newSessionToken } from '../session/session.ts'
import { findFolder, insertFolder } from '../vault/vault.queries.ts'
import { dummyAuthHash, hashAuthKey, verifyAuthKey, type ScryptCost } from './auth-hash.ts'
import { consumeInvite, lockedAccount, releaseInvite } from '../admin/admin.queries.ts'
import * as q from './account.queries.ts'

export interface AccountDeps {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  audit: AccountAudit
  scryptCost: ScryptCost
  /** HMAC key of the made-up prelogin salts; stable across restarts (derived from the audit key). */
  preloginKey: Uint8Array
  /** After the new-client alert's audit row, in the same transaction: notify the account's channels. */
  onNewClient?: (trx: Db, userId: Buffer, client: ClientInfo['agent'], at: number) => Promise<void>
}

/** Detail of the audit `alert` written for a log-in from a new client (the Activity page words it). */
export const NEW_CLIENT_DETAIL = 'login from a new client'

/** How long a client an account logged in from stays known: after a year unused it is new again. */
export const LOGIN_CLIENT_MEMORY_MS = 365 * 86_400_000

export interface StartedSession {
  user: q.UserRow
  token: Buffer
  expiresAt: number
  sessionKind: SessionKind
}

const KDF_DEFAULTS: KdfParams = { ...VAULT_LIMITS.kdfDefaults }

/**
 * Security promise (no account enumeration): an unknown name gets a salt that is stable per
 * name and looks random (HMAC under a server key) and the default KDF, the same shape a real
 * account gets, after the same work: one lookup and one HMAC on both branches.
 */
export async function prelogin(
  deps: AccountDeps,
  username: string,
): Promise<{ kdf: KdfParams; salt: Buffer }> {
  const user = await q.findUserByName(deps.db, username)
  const fakeSalt = crypto
    .createHmac('sha256', deps.preloginKey)
    .update(`prelogin-salt\0${username}`)
    .digest()
    .subarray(0, VAULT_LIMITS.saltBytes)
  return user
    ? { kdf: JSON.parse(user.kdf) as KdfParams, salt: user.salt }
    : { kdf: KDF_DEFAULTS, salt: fakeSalt }
}

async function startSession(trx: Db, userId: Buffer, now: number, kind: SessionKind) {
  const token = newSessionToken()
  const expiresAt = now + SESSION_ABSOLUTE_MS
  await sessions.insertSession(trx, {
    token_hash: sha256(token),
    user_id: userId,
    now,
    expires_at: expiresAt,
    kind,
  })
  return { token, expiresAt, sessionKind: kind }
}

export interface Registration {
  username: string
  kdf: KdfParams
  salt: Buffer
  authKey: Buffer
  wrappedUserKey: Buffer
  folder: { id: Buffer; wrappedKey: Buffer; meta: Buffer }
  /** How the session's token is handed out, and so the only way it will be accepted. */
  session: SessionKind
  /** SHA-256 of the invite token, when registration needs one: spent in the same transaction. */
  inviteHash?: Buffer
}

export type RegisterOutcome =
  | ({ kind: 'created' } & StartedSession)
  | { kind: 'username_taken' }
  | { kind: 'folder_conflict' }
  | { kind: 'invite_invalid' }

/** Creates the account, its first folder and a session in one transaction. */
export async function register(
  deps: AccountDeps,
  r: Registration,
  client: ClientInfo,
  addressHash: string,
): Promise<RegisterOutcome> {
  const authHash = await hashAuthKey(r.authKey, deps.scryptCost)
  return deps.queue.run(async (trx): Promise<RegisterOutcome> => {
    const now = deps.clock()
    // Checked before any insert: an op returns its refusal and must leave nothing behind.
    if (await q.findUserByName(trx, r.username)) return { kind: 'username_taken' }
    if (await findFolder(trx, r.folder.id)) return { kind: 'folder_conflict' }
    if (r.inviteHash && !(await consumeInvite(trx, r.inviteHash, r.username, now)))
      return { kind: 'invite_invalid' }
    const user: q.UserRow = {
      id: crypto.randomBytes(VAULT_LIMITS.idBytes),
      username: r.username,
      auth_hash: authHash,
      kdf: JSON.stringify(r.kdf),
      salt: r.salt,
      wrapped_user_key: r.wrappedUserKey,
      created_at: now,
      updated_at: now,
      disabled_at: null,
      last_login_at: now,
      admin: 0,
    }
    if (!(await q.insertUser(trx, user))) {
      // Another instance took the name meanwhile: the invite was not used after all.
      if (r.inviteHash) await releaseInvite(trx, r.inviteHash)
      return { kind: 'username_taken' }
    }
    await insertFolder(trx, {
      id: r.folder.id,
      user_id: user.id,
      parent_id: null,
      revision: 1,
      wrapped_key: r.folder.wrappedKey,
      meta: r.folder.meta,
      created_at: now,
    })
    const session = await startSession(trx, user.id, now, r.session)
    await q.recordLoginAddress(trx, user.id, addressHash, now)
    // Registering is the account's first log-in: its client is known from here on, no alert.
    await q.recordLoginClient(trx, user.id, client.agent, addressHash, now)
    await deps.audit.record(trx, {
      userId: user.id,
      event: 'login.ok',
      result: 'ok',
      actor: 'user',
      client,
      at: now,
      detail: 'registered',
    })
    return { kind: 'created', user, ...session }
  })
}

export type LoginOutcome =
  ({ kind: 'ok' } & StartedSession) | { kind: 'invalid' } | { kind: 'disabled' }

/**
 * Security promise (no enumeration by timing): an unknown name is checked against a dummy
 * hash of the same cost, and its refusal is the wrong-key refusal. The failed-login audit row
 * is queued without waiting, so a known name's 401 does not wait for a commit either.
 */
export async function login(
  deps: AccountDeps,
  username: string,
  authKey: Buffer,
  kind: SessionKind,
  client: ClientInfo,
  addressHash: string,
  onAuditError: (err: unknown) => void,
): Promise<LoginOutcome> {
  const user = await q.findUserByName(deps.db, username)
  const matches = await verifyAuthKey(authKey, user?.auth_hash ?? dummyHash(deps.scryptCost))
  if (!user || !matches) {
    if (user) {
      deps.queue
        .run((trx) =>
          deps.audit.record(trx, {
            userId: user.id,
            event: 'login.failed',
            result: 'failed',
            actor: 'anonymous',
            client,
            at: deps.clock(),
          }),
        )
        .catch(onAuditError)
    }
    return { kind: 'invalid' }
  }
  // Told only to whoever knows the password: anyone else gets the wrong-key refusal above.
  if (user.disabled_at !== null) {
    deps.queue
      .run((trx) =>
        deps.audit.record(trx, {
          userId: user.id,
          event: 'login.failed',
          result: 'denied',
          actor: 'user',
          client,
          at: deps.clock(),
          detail: 'account disabled',
        }),
      )
      .catch(onAuditError)
    return { kind: 'disabled' }
  }
  return deps.queue.run(async (trx): Promise<LoginOutcome> => {
    const now = deps.clock()
    // Under the row lock a disable also takes (admin.service.ts): no session of a disabled account.
    const locked = await lockedAccount(trx, user.id)
    if (!locked || locked.disabled_at !== null) return { kind: 'disabled' }
    const session = await startSession(trx, user.id, now, kind)
    await q.recordLoginAddress(trx, user.id, addressHash, now)
    await q.recordLogin(trx, user.id, now)
    await deps.audit.record(trx, {
      userId: user.id,
      event: 'login.ok',
      result: 'ok',
      actor: 'user',
      client,
      at: now,
    })
    // A client this account never logged in from: told to the owner, in this transaction. Not
    // for the first log-in after registering (setting up the CLI after signing up in a browser
    // is no news; registering sets last_login_at to created_at, any log-in moves it on), nor for
    // an account with no known client at all (made before clients were remembered), which
    // learns its first one silently.
    const firstSinceRegistering =
      user.last_login_at !== null && Number(user.last_login_at) === Number(user.created_at)
    const seen = await q.recordLoginClient(trx, user.id, client.agent, addressHash, now)
    if (seen === 'new' && !firstSinceRegistering) {
      await deps.audit.record(trx, {
        userId: user.id,
        event: 'alert',
        result: 'ok',
        actor: 'system',
        client,
        at: now,
        detail: NEW_CLIENT_DETAIL,
      })
      await deps.onNewClient?.(trx, user.id, client.agent, now)
    }
    return { kind: 'ok', user, ...session }
  })
}

/** How long an address an account logged in from stays its own to the login limits. */
export const LOGIN_ADDRESS_TRUST_MS = 30 * 86_400_000
const NO_USER_ID = Buffer.alloc(VAULT_LIMITS.idBytes)

/**
 * True when the account (`username`, or `userId` once known) logged in from this hashed address
 * within LOGIN_ADDRESS_TRUST_MS. An unknown name runs the same lookup on an id no account has,
 * so the answer's timing does not tell known names from unknown ones.
 */
export async function loggedInFrom(
  deps: AccountDeps,
  account: { username: string } | { userId: Buffer },
  addressHash: string,
): Promise<boolean> {
  const userId =
    'userId' in account
      ? account.userId
      : ((await q.findUserByName(deps.db, account.username))?.id ?? NO_USER_ID)
  return q.loggedInFrom(deps.db, userId, addressHash, deps.clock() - LOGIN_ADDRESS_TRUST_MS)
}

let dummy: { cost: ScryptCost; hash: string } | undefined
function dummyHash(cost: ScryptCost): string {
  if (dummy?.cost !== cost) dummy = { cost, hash: dummyAuthHash(cost) }
  return dummy.hash
}

export function logout(
  deps: AccountDeps,
  userId: Buffer,
  tokenHash: Buffer,
  client: ClientInfo,
): Promise<void> {
  return deps.queue.run(async (trx) => {
    await sessions.deleteSession(trx, tokenHash)
    await deps.audit.record(trx, {
      userId,
      event: 'logout',
      result: 'ok',
      actor: 'user',
      client,
      at: deps.clock(),
    })
  })
}

export interface PasswordChange {
  authKey: Buffer
  newAuthKey: Buffer
  newSalt: Buffer
  newKdf: KdfParams
  newWrappedUserKey: Buffer
}

export type PasswordOutcome =
  { kind: 'ok'; user: q.UserRow } | { kind: 'invalid' } | { kind: 'gone' }

/**
 * Re-wraps userKey under the new password's kek (nothing else is re-encrypted) and ends every
 * other session of the account: whoever knew the old password is logged out.
 */
export async function changePassword(
  deps: AccountDeps,
  userId: Buffer,
  keepSession: Buffer,
  change: PasswordChange,
  client: ClientInfo,
): Promise<PasswordOutcome> {
  const user = await q.findUserById(deps.db, userId)
  if (!user) return { kind: 'gone' }
  if (!(await verifyAuthKey(change.authKey, user.auth_hash))) {
    await deps.queue.run((trx) =>
      deps.audit.record(trx, {
        userId,
        event: 'password.changed',
        result: 'failed',
        actor: 'user',
        client,
        at: deps.clock(),
        detail: 'wrong current password',
      }),
    )
    return { kind: 'invalid' }
  }
  const authHash = await hashAuthKey(change.newAuthKey, deps.scryptCost)
  return deps.queue.run(async (trx): Promise<PasswordOutcome> => {
    const now = deps.clock()
    // The stored hash must not have moved meanwhile (two changes racing): the later one loses.
    // The lock makes that hold across instances too (PostgreSQL; see lockAccount).
    await q.lockAccount(trx, userId)
    const current = await q.findUserById(trx, userId)
    if (!current || current.auth_hash !== user.auth_hash) return { kind: 'invalid' }
    const keys = {
      auth_hash: authHash,
      kdf: JSON.stringify(change.newKdf),
      salt: change.newSalt,
      wrapped_user_key: change.newWrappedUserKey,
      updated_at: now,
    }
    await q.updateUserKeys(trx, userId, keys)
    const ended = await sessions.deleteOtherSessions(trx, userId, keepSession)
    await deps.audit.record(trx, {
      userId,
      event: 'password.changed',
      result: 'ok',
      actor: 'user',
      client,
      at: now,
      detail: `other sessions ended: ${ended}`,
    })
    return { kind: 'ok', user: { ...current, ...keys } }
  })
}
