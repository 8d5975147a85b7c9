/**
 * @module Service tokens on the wire (packages/keyring SPEC.md §11): the cryptographic parts made
 * by the owner's client, the owner's routes (/api/tokens) and the holder's (/api/token, with
 * `Authorization: Token <id>.<authKey>`). Every binary value is base64url without padding; the
 * server can check shapes, never open anything.
 */
import * as z from 'zod'
import { SERVICE_TOKEN_LIMITS, TOKEN_STAGES, VAULT_LIMITS, b64urlLength } from './limits.ts'
import { B64URL, b64urlBytes, isoTime } from './schemas.ts'
import { secretStage, vaultId } from './vault.ts'

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

const tokenId = b64urlBytes(T.tokenIdBytes, 'Token id: 16 random bytes drawn by the owner’s client')

const keyFields = {
  id: tokenId,
  verifier: b64urlBytes(T.verifierBytes, 'SHA-256("secretsentry/v1/token/verifier\\0" || authKey)'),
  ownerWrappedKey: wrapped('The token wrapKey wrapped under userKey, context "token-key\\0" id'),
  grants: z.array(tokenGrant).min(1).max(T.maxGrants),
}

/**
 * Exactly one root grant and no folder twice: the server stores grants as given, so a body that
 * breaks either rule is refused here rather than stored half-right.
 */
function grantRules(
  body: { grants: { folderId: string; role: string }[] },
  ctx: z.RefinementCtx,
): void {
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
}

/** What the owner's client sends when it creates a token: never the token text or its secret. */
export const serviceTokenKeys = z
  .strictObject(keyFields)
  .superRefine(grantRules)
  .meta({ id: 'ServiceTokenKeys' })

/** A token holder's credential, as it presents it (the route picks the header). */
export const tokenAuthKey = b64urlBytes(
  T.authKeyBytes,
  'The token authKey; the server compares SHA-256 of it with the verifier',
)

// ── Names, flags and the token's sealed root path ─────────────────────────────

const CONTROL = /\p{Cc}/u

/**
 * Clear text on the server, shown in the owner's list and audit trail like a username: it must
 * not hold anything secret. Trimmed; 1..64 characters without control characters.
 */
export const tokenName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((v) => [...v].length <= T.nameMaxChars, `must be at most ${T.nameMaxChars} characters`)
  .refine((v) => !CONTROL.test(v), 'must not contain control characters')
  .meta({
    description:
      'Shown in lists and the audit trail; stored in clear like a username, so nothing secret',
  })

export const tokenStage = z.enum(TOKEN_STAGES).meta({
  description: 'current: reads current versions only; any: pending, previous and old versions too',
})

const tokenMeta = z
  .string()
  .regex(B64URL, 'must be base64url without padding')
  .min(
    b64urlLength(VAULT_LIMITS.sealedMinBytes),
    `must be at least ${VAULT_LIMITS.sealedMinBytes} bytes`,
  )
  .max(b64urlLength(T.metaMaxBytes), `must be at most ${T.metaMaxBytes} bytes`)
  .meta({
    description:
      'TokenMeta {"path": root path} sealed under the token wrapKey, field "token-meta" bound to the token id (keyring SPEC §11.6)',
  })

// ── Owner routes (a logged-in session) ──────────────────────────────────────

export const createTokenRequest = z
  .strictObject({
    ...keyFields,
    name: tokenName,
    tokenMeta,
    includeSubfolders: z.boolean(),
    readWrite: z.boolean(),
    stage: tokenStage,
    expiresInSeconds: z
      .int()
      .min(T.expiresMinSeconds)
      .max(T.expiresMaxSeconds)
      .nullable()
      .meta({ description: 'Seconds from now; null: never expires (revoke it instead)' }),
  })
  .superRefine((body, ctx) => {
    grantRules(body, ctx)
    if (!body.includeSubfolders && body.grants.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['grants'],
        message: 'holds subfolder grants but includeSubfolders is false',
      })
    }
  })
  .meta({ id: 'CreateTokenRequest' })

export const tokenInfo = z
  .object({
    id: tokenId,
    name: z.string(),
    rootFolderId: vaultId,
    includeSubfolders: z.boolean(),
    readWrite: z.boolean(),
    stage: tokenStage,
    createdAt: isoTime,
    expiresAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
    lastUsedAt: isoTime.nullable(),
    lastUsedClient: z
      .string()
      .nullable()
      .meta({ description: 'Keyed hash of the last address that used it, as in the audit trail' }),
    grants: z.int().min(0).meta({ description: 'Folders granted and still served' }),
    ownerWrappedKey: wrapped('The token wrapKey wrapped under userKey (to add grants later)'),
    tokenMeta: z.string(),
  })
  .meta({ id: 'TokenInfo' })

export const tokensResponse = z
  .object({ tokens: z.array(tokenInfo) })
  .meta({ id: 'TokensResponse' })

export const addGrantsRequest = z
  .strictObject({
    grants: z
      .array(tokenGrant.refine((g) => g.role === 'subfolder', 'role must be subfolder'))
      .min(1)
      .max(T.maxGrants),
  })
  .superRefine((body, ctx) => {
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
  .meta({ id: 'AddGrantsRequest' })

/** The root path sealed again after the root (or a folder above it) was renamed or moved. */
export const updateTokenMetaRequest = z
  .strictObject({ tokenMeta })
  .meta({ id: 'UpdateTokenMetaRequest' })

// ── Token routes (Authorization: Token <id>.<authKey>) ───────────────────────

export const tokenSelf = z
  .object({
    id: tokenId,
    name: z.string(),
    rootFolderId: vaultId,
    includeSubfolders: z.boolean(),
    readWrite: z.boolean(),
    stage: tokenStage,
    createdAt: isoTime,
    expiresAt: isoTime.nullable(),
    tokenMeta: z.string(),
  })
  .meta({ id: 'TokenSelf' })

export const tokenFolder = z
  .object({
    id: vaultId,
    meta: z.string().meta({ description: 'The sealed FolderMeta (name, sealed parent)' }),
    revision: z.int().min(1),
  })
  .meta({ id: 'TokenFolder' })

export const tokenSelfResponse = z
  .object({
    token: tokenSelf,
    grants: z.array(tokenGrant),
    folders: z.array(tokenFolder).meta({ description: 'Rows of the granted folders only' }),
  })
  .meta({ id: 'TokenSelfResponse' })

const versionNumber = z
  .int()
  .min(1)
  .max(2 ** 31 - 1)

export const tokenValue = z
  .object({
    version: versionNumber,
    stages: z.array(secretStage),
    wrappedKey: z.string(),
    ciphertext: z.string(),
    createdAt: isoTime,
  })
  .meta({ id: 'TokenValue' })

const tokenSecretFields = {
  id: vaultId,
  folderId: vaultId,
  revision: z.int().min(1).meta({ description: 'The ETag: If-Match of a write' }),
  latestVersion: versionNumber.meta({ description: 'A new value is latestVersion + 1' }),
  meta: z.object({ revision: z.int().min(1), ciphertext: z.string() }),
  createdAt: isoTime,
  updatedAt: isoTime,
}

export const tokenSecretMeta = z.object(tokenSecretFields).meta({ id: 'TokenSecretMeta' })

export const tokenSecret = z
  .object({
    ...tokenSecretFields,
    values: z.array(tokenValue).meta({
      description:
        'The versions the token may read: the current one, and for stage any also pending and previous',
    }),
  })
  .meta({ id: 'TokenSecret' })

export const tokenSecretsQuery = z
  .strictObject({ values: z.enum(['true', 'false']).optional() })
  .meta({ id: 'TokenSecretsQuery' })

export const tokenSecretsResponse = z
  .object({ secrets: z.array(tokenSecret) })
  .meta({ id: 'TokenSecretsResponse' })

export const tokenSecretWithValue = z
  .object({ ...tokenSecretFields, value: tokenValue })
  .meta({ id: 'TokenSecretWithValue' })
