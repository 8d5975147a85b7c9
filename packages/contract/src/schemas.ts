/** @module Request and response schemas of the share API (SPEC §4); the server validates with them and the OpenAPI document is generated from them. */
import * as z from 'zod'
import {
  RECEIPT_EMAIL_PATTERN,
  RECEIPT_LIMITS,
  SHARE_LIMITS,
  b64urlLength,
  receiptLabelProblem,
} from './limits.ts'

export const B64URL = /^[A-Za-z0-9_-]*$/

/** base64url without padding that decodes to exactly `bytes` bytes. */
export function b64urlBytes(bytes: number, description: string) {
  const len = b64urlLength(bytes)
  return z
    .string()
    .regex(B64URL, 'must be base64url without padding')
    .length(len, `must be ${bytes} bytes (${len} base64url characters)`)
    .meta({ description })
}

export const shareId = b64urlBytes(
  SHARE_LIMITS.idBytes,
  'Share id: HKDF(seed, "secretsentry/v1/id", 16)',
)
export const accessValue = b64urlBytes(
  SHARE_LIMITS.accessBytes,
  'HKDF(ikm, "secretsentry/v1/access", 32); proves knowledge of the link (and passphrase)',
)
export const ciphertext = z
  .string()
  .min(1, 'must not be empty')
  .regex(B64URL, 'must be base64url without padding')
  .meta({ description: 'version (1) || nonce (12) || ciphertext || tag (16), base64url' })
export const isoTime = z.string().meta({ description: 'ISO 8601 UTC timestamp' })

const receiptLabel = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(RECEIPT_LIMITS.labelMax, `must be at most ${RECEIPT_LIMITS.labelMax} characters`)
  .superRefine((label, ctx) => {
    const problem = receiptLabelProblem(label)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })
  .optional()
  .meta({
    description:
      "The creator's label for the link, sent with the receipt; only when the creator chose to (otherwise it never leaves their device)",
  })

/** A receipt when the share ends (read, expired, deleted, destroyed): issue 12. */
export const shareReceiptRequest = z
  .discriminatedUnion('to', [
    z.strictObject({
      to: z.literal('email'),
      email: z
        .string()
        .max(RECEIPT_LIMITS.emailMax, `must be at most ${RECEIPT_LIMITS.emailMax} characters`)
        .regex(RECEIPT_EMAIL_PATTERN, 'must be an email address like you@example.com')
        .meta({
          description:
            'Held in clear by the server until the share ends, then deleted. Only where the server sends mail (SMTP_URL) and the instance policy allows its domain',
        }),
      label: receiptLabel,
    }),
    z.strictObject({
      to: z.literal('account').meta({
        description: "The logged-in account's channels (webhook and alert email); needs a session",
      }),
      label: receiptLabel,
    }),
  ])
  .meta({
    id: 'ShareReceiptRequest',
    description:
      'Tell the creator once when the share ends and how (read, expired unread, deleted, destroyed). Never carries the secret, the link or the key',
  })

export const createShareRequest = z
  .strictObject({
    id: shareId,
    verifier: b64urlBytes(SHARE_LIMITS.verifierBytes, 'SHA-256(access)'),
    ciphertext,
    ttlSeconds: z.int().min(SHARE_LIMITS.ttlMinSeconds).max(SHARE_LIMITS.ttlMaxSeconds),
    maxViews: z.int().min(SHARE_LIMITS.viewsMin).max(SHARE_LIMITS.viewsMax),
    receipt: shareReceiptRequest.optional(),
  })
  .meta({ id: 'CreateShareRequest' })

export const createShareResponse = z
  .object({
    id: shareId,
    expiresAt: isoTime,
    manageToken: z.string().meta({
      description: 'Bearer token for status and delete; shown once, stored hashed',
    }),
  })
  .meta({ id: 'CreateShareResponse' })

export const openShareRequest = z
  .strictObject({ access: accessValue })
  .meta({ id: 'OpenShareRequest' })

export const openShareResponse = z
  .object({
    ciphertext,
    viewsLeft: z.int().min(0),
    expiresAt: isoTime,
    ttlSeconds: z.int(),
    maxViews: z.int(),
  })
  .meta({ id: 'OpenShareResponse' })

/** A share's life as its creator sees it: live, or how it ended (SPEC §4, issue 12). */
export const SHARE_STATES = ['live', 'read', 'expired', 'deleted', 'destroyed'] as const
export const shareState = z.enum(SHARE_STATES).meta({
  description:
    'live: can still be opened. read: its last view was opened. expired: its time ran out ' +
    '(`opens` may hold earlier views). deleted: deleted early with the manage token or the link. ' +
    'destroyed: deleted after too many wrong passphrases or links.',
})

export const shareStatusResponse = z
  .object({
    id: shareId,
    state: shareState,
    viewsLeft: z.int().min(0).meta({ description: '0 once the share has ended' }),
    maxViews: z.int(),
    ttlSeconds: z.int(),
    createdAt: isoTime,
    expiresAt: isoTime.meta({ description: 'The original expiry, also after the share ended' }),
    endedAt: isoTime.nullable().meta({
      description: 'When the share ended (for `expired`, its expiry); null while it is live',
    }),
    failedAttempts: z.int().min(0),
    opens: z
      .array(z.object({ at: isoTime }))
      .meta({ description: 'When each view was consumed; never what was read or by whom' }),
  })
  .meta({ id: 'ShareStatusResponse' })

export const errorCode = z.enum([
  'invalid_input',
  'unauthorized',
  'wrong_access',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  // Accounts and the vault (issue 3).
  'unauthenticated',
  'invalid_credentials',
  'csrf',
  'username_taken',
  'already_deleted',
  // Vault limits (issue 8): 413 when a write would take the account past its storage quota.
  'quota_exceeded',
  // Instance policy (issue 12).
  'forbidden',
  'registration_closed',
  'invite_invalid',
  'login_required',
  'account_disabled',
  // Service tokens (issue 11): 401 for a revoked or expired token, 403 for a write by a
  // read-only one.
  'token_revoked',
  'token_expired',
  'read_only',
])

export const errorBody = z
  .object({
    error: z.object({
      code: errorCode,
      message: z.string(),
      field: z.string().optional().meta({ description: 'The offending field, for invalid_input' }),
      attemptsLeft: z.int().min(0).optional().meta({ description: 'For wrong_access' }),
    }),
  })
  .meta({ id: 'Error' })
