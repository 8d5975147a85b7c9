/**
 * @module The cryptographic parts of service-token bodies (packages/keyring SPEC.md §11; a
 * secret move is vault.ts's moveSecretRequest), for the routes to compose with their own fields (flags, expiry). Every
 * binary value is base64url without padding; the server can check shapes, never open anything.
 */
import * as z from 'zod'
import { VAULT_LIMITS } from './limits.ts'
import { b64urlBytes } from './schemas.ts'

export const SERVICE_TOKEN_LIMITS = {
  tokenIdBytes: 16,
  /** SHA-256(prefix || authKey). */
  verifierBytes: 32,
  /** HKDF(secret, "secretsentry/v1/token/auth\0" || id): what a token holder presents. */
  authKeyBytes: 32,
  /** One root grant and at most this many minus one subfolder grants per token. */
  maxGrants: 500,
} as const

/** `root` for the token's folder, `subfolder` for each folder below it the owner included. */
export const GRANT_ROLES = ['root', 'subfolder'] as const

const T = SERVICE_TOKEN_LIMITS
const wrapped = (description: string) => b64urlBytes(VAULT_LIMITS.wrappedKeyBytes, description)
const folderId = b64urlBytes(VAULT_LIMITS.idBytes, 'Folder id')

export const tokenGrant = z
  .strictObject({
    folderId,
    role: z.enum(GRANT_ROLES),
    wrappedKey: wrapped(
      'Folder key wrapped under the token wrapKey, context "token-grant\\0" id "\\0" role "\\0" folderId',
    ),
  })
  .meta({ id: 'TokenGrant' })

/**
 * What the owner's client sends when it creates a token: never the token text or its secret.
 * Exactly one root grant and no folder twice: the server stores grants as given, so a body that
 * breaks either rule is refused here rather than stored half-right.
 */
export const serviceTokenKeys = z
  .strictObject({
    id: b64urlBytes(T.tokenIdBytes, 'Token id: 16 random bytes drawn by the owner’s client'),
    verifier: b64urlBytes(
      T.verifierBytes,
      'SHA-256("secretsentry/v1/token/verifier\\0" || authKey)',
    ),
    ownerWrappedKey: wrapped('The token wrapKey wrapped under userKey, context "token-key\\0" id'),
    grants: z.array(tokenGrant).min(1).max(T.maxGrants),
  })
  .superRefine((body, ctx) => {
    const roots = body.grants.filter((g) => g.role === 'root').length
    if (roots !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['grants'],
        message: `must hold exactly one root grant, got ${roots}`,
      })
    }
    const seen = new Set<string>()
    body.grants.forEach((g, i) => {
      if (seen.has(g.folderId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['grants', i, 'folderId'],
          message: 'repeats an earlier folder',
        })
      }
      seen.add(g.folderId)
    })
  })
  .meta({ id: 'ServiceTokenKeys' })

/** A token holder's credential, as it presents it (the route picks the header). */
export const tokenAuthKey = b64urlBytes(
  T.authKeyBytes,
  'The token authKey; the server compares SHA-256 of it with the verifier',
)
