/**
 * @module The instance policy for everyone (`GET /api/policy`) and the administrators' API
 * (`/api/admin/*`): accounts by name, policy, invites and the admin audit. Never vault contents.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { POLICY_LIMITS } from '@secretsentry/contract/limits'
import type {
  AdminAuditResponse,
  AdminPolicyResponse,
  AdminUsersResponse,
  CreateInviteResponse,
  Invite,
  InvitesResponse,
  PublicPolicy,
} from '@secretsentry/contract/types'
import { findUserById } from '../account/account.queries.ts'
import { ApiError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import {
  canonical,
  invalid,
  isB64urlOfBytes,
  iso,
  isoOrNull,
  parseQuery,
  parseWith,
} from '../http/validate.ts'
import { contract } from '../http/contract.ts'
import type { SessionEnv } from '../session/session.ts'
import * as q from './admin.queries.ts'
import * as admin from './admin.service.ts'

type AdminEnv = {
  Variables: SessionEnv['Variables'] & { admin: { userId: Buffer; username: string } }
}

export interface AdminRouteOptions {
  deps: admin.AdminDeps
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
  /** This server's MAX_SECRET_BYTES: no policy can allow more. */
  maxSecretBytes: number
  /** This server sends mail (SMTP_URL): share creators may ask for receipts by email. */
  emailReceipts: boolean
}

const SMALL_BODY_BYTES = 16 * 1024
const AUDIT_PAGE_DEFAULT = 50

const forbidden = () => new ApiError(403, 'forbidden', 'Only administrators may do this')

function toInvite(row: q.InviteRow, now: number): Invite {
  return {
    id: row.id.toString('base64url'),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    status: admin.inviteStatus(row, now),
    usedBy: row.used_by,
    usedAt: isoOrNull(row.used_at),
  }
}

function paramBytes(c: Context, name: string, bytes: number): Buffer {
  const raw = c.req.param(name) ?? ''
  if (!isB64urlOfBytes(raw, bytes))
    throw invalid(name, `${name}: must be ${bytes} bytes of base64url`)
  return canonical(name, raw)
}

/** `GET /api/policy`: what the web app needs to offer only what the server will accept. */
export function publicPolicyRoutes(o: AdminRouteOptions): Hono<SessionEnv> {
  return new Hono<SessionEnv>().get('/policy', async (c) => {
    const policy = await o.deps.policy.current()
    let viewer: PublicPolicy['viewer'] = null
    // The caller's session, when it has a valid one; none (or a dead one) is no error here.
    const presented = c.req.header('authorization') ?? c.req.header('cookie')
    if (presented !== undefined) {
      try {
        await o.session(c, async () => {})
        const user = await findUserById(o.deps.db, c.var.session.userId)
        if (user) {
          viewer = {
            username: user.username,
            admin: admin.adminVia(user, o.deps.adminUsers) !== null,
            ...(c.var.session.via === 'cookie' ? { csrfToken: c.var.session.csrfToken } : {}),
          }
        }
      } catch (err) {
        if (!(err instanceof ApiError)) throw err
      }
    }
    const response: PublicPolicy = {
      registration: policy.registration,
      anonymousShares: policy.anonymousShares,
      maxShareBytes: policy.maxShareBytes,
      maxExpirySeconds: policy.maxExpirySeconds,
      receipts: { email: o.emailReceipts, emailDomains: policy.receiptEmailDomains },
      viewer,
    }
    return c.json(response, 200)
  })
}

export function adminRoutes(o: AdminRouteOptions): Hono<AdminEnv> {
  const { deps } = o

  /**
   * Security promise (only administrators): every /api/admin route runs after a valid session
   * (with the CSRF check for cookie writes) and this check, against the account as it is now:
   * named in ADMIN_USERS or granted on the server host, and not disabled. Anyone else gets 403.
   */
  const requireAdmin: MiddlewareHandler<AdminEnv> = async function requireAdmin(c, next) {
    const user = await findUserById(deps.db, c.var.session.userId)
    if (!user || admin.adminVia(user, deps.adminUsers) === null) throw forbidden()
    c.set('admin', { userId: user.id, username: user.username })
    await next()
  }

  const accountChange = (outcome: admin.AccountChange) => {
    if (outcome.kind === 'not_found') throw new ApiError(404, 'not_found', 'No such account')
    if (outcome.kind === 'self')
      throw new ApiError(409, 'conflict', 'You cannot disable or delete your own account here', {
        field: 'id',
      })
  }
  // Disable and enable differ only in the flag.
  const setDisabled = async (c: Context<AdminEnv>, disabled: boolean) => {
    const id = paramBytes(c, 'id', 16)
    accountChange(await admin.setAccountDisabled(deps, c.var.admin, id, disabled))
    return c.body(null, 204)
  }

  return new Hono<AdminEnv>()
    .use('/admin/*', o.sameOrigin, o.session, requireAdmin)
    .get('/admin/users', async (c) => {
      const rows = await q.listAccounts(deps.db)
      const response: AdminUsersResponse = {
        users: rows.map((r) => {
          const via = admin.adminVia(r, deps.adminUsers)
          return {
            userId: r.id.toString('base64url'),
            username: r.username,
            createdAt: iso(r.created_at),
            lastLoginAt: isoOrNull(r.last_login_at),
            disabled: r.disabled_at !== null,
            admin: via !== null,
            adminVia: via,
          }
        }),
      }
      return c.json(response, 200)
    })
    .post('/admin/users/:id/disable', (c) => setDisabled(c, true))
    .post('/admin/users/:id/enable', (c) => setDisabled(c, false))
    .delete('/admin/users/:id', async (c) => {
      accountChange(await admin.deleteAccount(deps, c.var.admin, paramBytes(c, 'id', 16)))
      return c.body(null, 204)
    })
    .get('/admin/policy', async (c) => {
      const state = await deps.policy.stored()
      const response: AdminPolicyResponse = {
        policy: state.policy,
        maxSecretBytes: o.maxSecretBytes,
        updatedAt: isoOrNull(state.updatedAt),
      }
      return c.json(response, 200)
    })
    .put('/admin/policy', async (c) => {
      const policy = parseWith(
        (await contract()).instancePolicy,
        await readJsonBody(c, SMALL_BODY_BYTES),
      )
      if (policy.maxShareBytes > o.maxSecretBytes)
        throw invalid(
          'maxShareBytes',
          `maxShareBytes: at most this server's MAX_SECRET_BYTES (${o.maxSecretBytes})`,
        )
      policy.receiptEmailDomains = [...new Set(policy.receiptEmailDomains)].sort()
      await admin.savePolicy(deps, c.var.admin.username, policy)
      const state = await deps.policy.stored()
      const response: AdminPolicyResponse = {
        policy: state.policy,
        maxSecretBytes: o.maxSecretBytes,
        updatedAt: isoOrNull(state.updatedAt),
      }
      return c.json(response, 200)
    })
    .get('/admin/invites', async (c) => {
      const now = deps.clock()
      const response: InvitesResponse = {
        invites: (await q.listInvites(deps.db)).map((r) => toInvite(r, now)),
      }
      return c.json(response, 200)
    })
    .post('/admin/invites', async (c) => {
      const body = parseWith(
        (await contract()).createInviteRequest,
        await readJsonBody(c, SMALL_BODY_BYTES),
      )
      const { row, token } = await admin.createInvite(
        deps,
        c.var.admin.username,
        body.expiresInSeconds ?? POLICY_LIMITS.inviteDefaultSeconds,
      )
      const response: CreateInviteResponse = {
        invite: toInvite(row, deps.clock()),
        token: token.toString('base64url'),
      }
      return c.json(response, 201)
    })
    .delete('/admin/invites/:id', async (c) => {
      const id = paramBytes(c, 'id', admin.INVITE_ID_BYTES)
      if (!(await admin.revokeInvite(deps, c.var.admin.username, id)))
        throw new ApiError(404, 'not_found', 'No such invite, or it was used or revoked already')
      return c.body(null, 204)
    })
    .get('/admin/audit', async (c) => {
      const query = parseQuery(c, (await contract()).adminAuditQuery)
      const limit = query.limit ?? AUDIT_PAGE_DEFAULT
      const rows = await q.listAdminAudit(
        deps.db,
        limit + 1,
        query.before === undefined ? undefined : Number(query.before),
      )
      const page = rows.slice(0, limit)
      const response: AdminAuditResponse = {
        entries: page.map((r) => ({
          id: String(r.id),
          at: iso(r.at),
          actor: r.actor,
          action: r.action as AdminAuditResponse['entries'][number]['action'],
          target: r.target,
          detail: r.detail,
        })),
        next: rows.length > limit ? String(page.at(-1)?.id) : null,
      }
      return c.json(response, 200)
    })
}
