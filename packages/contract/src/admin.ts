/** @module Instance policy and the administrators' API (issue 12): schemas of `/api/policy` and `/api/admin/*`. */
import * as z from 'zod'
import {
  INVITE_TOKEN_BYTES,
  POLICY_LIMITS as P,
  REGISTRATION_MODES,
  SHARE_LIMITS,
  VAULT_LIMITS,
} from './limits.ts'
import { b64urlBytes, isoTime } from './schemas.ts'

export const registrationMode = z
  .enum(REGISTRATION_MODES)
  .meta({ description: 'open: anyone; invite: with an invite token; closed: nobody' })

/** A DNS name: labels of letters, digits and hyphens, at least one dot, lower-cased. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

export const emailDomain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(DOMAIN, 'must be a domain name like example.com')

export const instancePolicy = z
  .strictObject({
    registration: registrationMode,
    anonymousShares: z
      .boolean()
      .meta({ description: 'false: only logged-in accounts may create shares' }),
    maxShareBytes: z.int().min(P.minShareBytes).meta({
      description: "Largest share ciphertext, in bytes; at most the server's MAX_SECRET_BYTES",
    }),
    maxExpirySeconds: z.int().min(SHARE_LIMITS.ttlMinSeconds).max(SHARE_LIMITS.ttlMaxSeconds),
    receiptEmailDomains: z
      .array(emailDomain)
      .max(P.maxEmailDomains)
      .meta({ description: 'Domains read receipts may be mailed to; empty: any' }),
  })
  .meta({ id: 'InstancePolicy' })

export const publicPolicy = z
  .object({
    registration: registrationMode,
    anonymousShares: z.boolean(),
    maxShareBytes: z
      .int()
      .meta({ description: 'The cap in force here: policy and MAX_SECRET_BYTES' }),
    maxExpirySeconds: z.int(),
    receipts: z
      .object({
        email: z.boolean().meta({
          description: 'This server sends mail (SMTP_URL): receipts by email are possible',
        }),
        emailDomains: z
          .array(z.string())
          .meta({ description: 'Domains receipts may be mailed to (exact match); empty: any' }),
      })
      .meta({ description: 'What a share creator may ask for a receipt by (issue 12)' }),
    viewer: z
      .object({
        username: z.string(),
        admin: z.boolean(),
        csrfToken: z
          .string()
          .optional()
          .meta({ description: 'For a cookie session: the X-CSRF-Token its writes need' }),
      })
      .nullable()
      .meta({ description: 'The caller when it holds a valid session, else null' }),
  })
  .meta({ id: 'PublicPolicy' })

export const adminPolicyResponse = z
  .object({
    policy: instancePolicy,
    maxSecretBytes: z
      .int()
      .meta({ description: "This server's MAX_SECRET_BYTES: the ceiling of maxShareBytes" }),
    updatedAt: isoTime.nullable().meta({ description: 'null: never saved, the defaults apply' }),
  })
  .meta({ id: 'AdminPolicyResponse' })

export const adminUser = z
  .object({
    userId: z.string(),
    username: z.string(),
    createdAt: isoTime,
    lastLoginAt: isoTime.nullable(),
    disabled: z.boolean(),
    admin: z.boolean(),
    adminVia: z
      .enum(['setting', 'granted'])
      .nullable()
      .meta({ description: 'setting: named in ADMIN_USERS; granted: `secretsentry admin grant`' }),
  })
  .meta({ id: 'AdminUser' })

export const adminUsersResponse = z
  .object({ users: z.array(adminUser) })
  .meta({ id: 'AdminUsersResponse' })

export const adminUserId = b64urlBytes(VAULT_LIMITS.idBytes, 'Account id')

export const createInviteRequest = z
  .strictObject({
    expiresInSeconds: z.int().min(P.inviteMinSeconds).max(P.inviteMaxSeconds).optional(),
  })
  .meta({ id: 'CreateInviteRequest' })

export const inviteStatus = z.enum(['active', 'used', 'expired', 'revoked'])

export const invite = z
  .object({
    id: z.string(),
    createdBy: z.string(),
    createdAt: isoTime,
    expiresAt: isoTime,
    status: inviteStatus,
    usedBy: z.string().nullable(),
    usedAt: isoTime.nullable(),
  })
  .meta({ id: 'Invite' })

export const createInviteResponse = z
  .object({
    invite,
    token: b64urlBytes(INVITE_TOKEN_BYTES, 'Shown once; only its hash is stored'),
  })
  .meta({ id: 'CreateInviteResponse' })

export const invitesResponse = z
  .object({ invites: z.array(invite) })
  .meta({ id: 'InvitesResponse' })

export const adminAuditQuery = z
  .strictObject({
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.int().min(1).max(P.adminAuditPageMax))
      .optional(),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor from `next`')
      .optional(),
  })
  .meta({ id: 'AdminAuditQuery' })

export const ADMIN_ACTIONS = [
  'policy.updated',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'invite.created',
  'invite.revoked',
  'admin.granted',
  'admin.revoked',
] as const

export const adminAuditEntry = z
  .object({
    id: z.string(),
    at: isoTime,
    actor: z.string().meta({ description: 'The administrator (or "server host" for the CLI)' }),
    action: z.enum(ADMIN_ACTIONS),
    target: z.string().nullable(),
    detail: z.string().nullable(),
  })
  .meta({ id: 'AdminAuditEntry' })

export const adminAuditResponse = z
  .object({
    entries: z.array(adminAuditEntry),
    next: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page' }),
  })
  .meta({ id: 'AdminAuditResponse' })
