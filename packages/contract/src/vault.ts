/** @module Request and response schemas of the accounts and vault API (SPEC §4/§5); every binary value is base64url without padding. */
import * as z from 'zod'
import {
  AUDIT_ACTORS,
  AUDIT_EVENTS,
  AUDIT_RESULTS,
  SECRET_STAGES,
  USERNAME_PATTERN,
  VAULT_LIMITS,
  b64urlLength,
} from './limits.ts'
import { B64URL, b64urlBytes, isoTime, shareState } from './schemas.ts'
import { INVITE_TOKEN_BYTES } from './limits.ts'

const L = VAULT_LIMITS

export const vaultId = b64urlBytes(
  L.idBytes,
  'Id of a folder or secret: 16 random bytes drawn by the client',
)
const userId = b64urlBytes(L.idBytes, 'Account id')
const salt = b64urlBytes(L.saltBytes, 'Argon2id salt')
const authKey = b64urlBytes(
  L.authKeyBytes,
  'HKDF(masterKey, "secretsentry/v1/account/auth"); the server keeps only a slow hash of it',
)
const wrappedKey = (what: string) =>
  b64urlBytes(L.wrappedKeyBytes, `${what}: 0x01 || nonce(12) || AES-256-GCM(key) || tag(16)`)

/** A sealed field: the server checks only its encoding and size; it cannot open it. */
function sealed(description: string, maxBytes?: number) {
  const base = z
    .string()
    .regex(B64URL, 'must be base64url without padding')
    .min(b64urlLength(L.sealedMinBytes), `must be at least ${L.sealedMinBytes} bytes`)
  return (
    maxBytes === undefined
      ? base
      : base.max(b64urlLength(maxBytes), `must be at most ${maxBytes} bytes`)
  ).meta({
    description,
  })
}
const sealedMeta = (what: string) => sealed(`${what}, sealed under the folder key`, L.metaMaxBytes)

/** Trimmed, NFC and lower-cased before the checks, so one person has one name. */
export const username = z
  .string()
  .trim()
  .normalize('NFC')
  .toLowerCase()
  .min(L.usernameMinLength, `must be at least ${L.usernameMinLength} characters`)
  .max(L.usernameMaxLength, `must be at most ${L.usernameMaxLength} characters`)
  .regex(
    USERNAME_PATTERN,
    'may hold only a-z, 0-9 and . _ @ - and must start with a letter or digit',
  )

/** Below the minimums a stolen hash is cheap to attack; above the maximums a client would hang. */
export const kdfParams = z
  .strictObject({
    algorithm: z.literal('argon2id'),
    memoryKiB: z.int().min(L.kdfMinimums.memoryKiB).max(L.kdfMaximums.memoryKiB),
    iterations: z.int().min(L.kdfMinimums.iterations).max(L.kdfMaximums.iterations),
    parallelism: z.int().min(L.kdfMinimums.parallelism).max(L.kdfMaximums.parallelism),
  })
  .meta({ id: 'KdfParams' })

export const sessionKind = z.enum(['cookie', 'bearer']).meta({
  description: 'cookie (browser, default) or bearer (scripts: the token is in the answer)',
})

// ── Accounts ────────────────────────────────────────────────────────────────

export const preloginRequest = z.strictObject({ username }).meta({ id: 'PreloginRequest' })

export const preloginResponse = z.object({ kdf: kdfParams, salt }).meta({
  id: 'PreloginResponse',
  description: 'For an unknown name: stable made-up values of the same shape',
})

const folderInput = z.strictObject({
  id: vaultId,
  wrappedKey: wrappedKey('Folder key wrapped under userKey'),
  meta: sealedMeta('FolderMeta'),
})

export const registerRequest = z
  .strictObject({
    username,
    kdf: kdfParams,
    salt,
    authKey,
    wrappedUserKey: wrappedKey('userKey wrapped under kek'),
    folder: folderInput,
    session: sessionKind.optional(),
    invite: b64urlBytes(
      INVITE_TOKEN_BYTES,
      'An invite token from an administrator; required while registration is invite-only',
    ).optional(),
  })
  .meta({ id: 'RegisterRequest' })

export const loginRequest = z
  .strictObject({ username, authKey, session: sessionKind.optional() })
  .meta({ id: 'LoginRequest' })

export const account = z
  .object({
    userId,
    username: z.string(),
    kdf: kdfParams,
    salt,
    wrappedUserKey: wrappedKey('userKey wrapped under kek'),
    createdAt: isoTime,
  })
  .meta({ id: 'Account' })

export const loginResponse = z
  .object({
    account,
    csrfToken: z.string().meta({
      description: 'Send as X-CSRF-Token with every cookie-authenticated request but GET/HEAD',
    }),
    expiresAt: isoTime.meta({
      description: 'Absolute end of the session (idle expiry comes sooner)',
    }),
    token: z
      .string()
      .optional()
      .meta({ description: 'Only for session=bearer: send as Authorization: Bearer <token>' }),
  })
  .meta({ id: 'LoginResponse' })

export const accountResponse = z
  .object({ account, csrfToken: z.string() })
  .meta({ id: 'AccountResponse' })

export const passwordChangeRequest = z
  .strictObject({
    authKey,
    newAuthKey: authKey,
    newSalt: salt,
    newKdf: kdfParams,
    newWrappedUserKey: wrappedKey('userKey wrapped under the new kek'),
  })
  .meta({ id: 'PasswordChangeRequest' })

export const passwordChangeResponse = z.object({ account }).meta({ id: 'PasswordChangeResponse' })

// ── Folders ─────────────────────────────────────────────────────────────────

const parentId = vaultId.nullable().meta({
  description:
    'The parent folder (null: a top-level folder). The tree is ids only; names and paths stay sealed',
})

export const createFolderRequest = folderInput
  .extend({ parentId: parentId.optional() })
  .meta({ id: 'CreateFolderRequest' })

export const folder = z
  .object({
    id: vaultId,
    parentId: vaultId.nullable(),
    revision: z.int().min(1).meta({ description: 'Bumped by every rename or move; the ETag' }),
    wrappedKey: wrappedKey('Folder key wrapped under userKey'),
    meta: z.string(),
    createdAt: isoTime,
  })
  .meta({ id: 'Folder' })

/** Rename and move are one change: the sealed FolderMeta binds the folder's parent (keyring SPEC §6.3). */
export const updateFolderRequest = z
  .strictObject({
    parentId,
    meta: sealedMeta('FolderMeta with the new name and parent'),
  })
  .meta({ id: 'UpdateFolderRequest' })

/**
 * Moving a secret to another folder: every version's data key re-wrapped under the destination
 * folder key, and the metadata re-sealed under it at the next revision (both were under the old
 * folder key). The value ciphertexts do not change (they are under the data keys).
 */
export const moveSecretRequest = z
  .strictObject({
    folderId: vaultId.meta({ description: 'The destination folder' }),
    meta: z.strictObject({
      revision: z.int().min(2).meta({ description: 'Stored meta revision + 1 (bound in the AD)' }),
      ciphertext: sealedMeta('SecretMeta, sealed under the destination folder key'),
    }),
    versions: z
      .array(
        z.strictObject({
          version: z
            .int()
            .min(1)
            .max(2 ** 31 - 1),
          wrappedKey: wrappedKey(
            'This version’s data key wrapped under the destination folder key',
          ),
        }),
      )
      .min(1, 'must name every version of the secret')
      .max(L.moveMaxVersions, `must be at most ${L.moveMaxVersions} versions`)
      .meta({ description: 'Every version of the secret, exactly once' }),
  })
  .meta({ id: 'MoveSecretRequest' })

export const foldersResponse = z
  .object({ folders: z.array(folder) })
  .meta({ id: 'FoldersResponse' })

// ── Secrets ─────────────────────────────────────────────────────────────────

export const secretStage = z.enum(SECRET_STAGES)

const versionNumber = z
  .int()
  .min(1)
  .max(2 ** 31 - 1)

export const secretVersion = z
  .object({
    version: versionNumber,
    size: z.int().min(0).meta({ description: 'Bytes of the sealed value' }),
    createdAt: isoTime,
    restoredFrom: versionNumber.nullable(),
    stages: z.array(secretStage),
  })
  .meta({ id: 'SecretVersion' })

export const secretSummary = z
  .object({
    id: vaultId,
    folderId: vaultId,
    revision: z.int().min(1).meta({ description: 'Bumped by every change; the ETag' }),
    meta: z.object({ revision: z.int().min(1), ciphertext: z.string() }),
    versions: z.array(secretVersion),
    createdAt: isoTime,
    updatedAt: isoTime,
    deletedAt: isoTime.nullable(),
    purgeAt: isoTime.nullable(),
  })
  .meta({ id: 'SecretSummary' })

export const secretsResponse = z
  .object({ secrets: z.array(secretSummary) })
  .meta({ id: 'SecretsResponse' })

const valueCiphertext = sealed(
  'SecretValue sealed under the version data key (at most MAX_SECRET_BYTES)',
)

export const createSecretRequest = z
  .strictObject({
    id: vaultId,
    folderId: vaultId,
    meta: z.strictObject({ ciphertext: sealedMeta('SecretMeta, AD binding revision 1') }),
    value: z.strictObject({
      wrappedKey: wrappedKey('Data key of version 1 wrapped under the folder key'),
      ciphertext: valueCiphertext,
    }),
  })
  .meta({ id: 'CreateSecretRequest' })

export const secretValue = z
  .object({
    version: versionNumber,
    wrappedKey: z.string(),
    ciphertext: z.string(),
    createdAt: isoTime,
  })
  .meta({ id: 'SecretValue' })

export const secretWithValue = secretSummary
  .extend({ value: secretValue })
  .meta({ id: 'SecretWithValue' })

export const secretQuery = z
  .strictObject({
    version: z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/, 'must be a version number')
      .optional(),
    stage: secretStage.optional(),
  })
  .meta({ id: 'SecretQuery' })

export const updateSecretRequest = z
  .strictObject({
    meta: z
      .strictObject({
        revision: z
          .int()
          .min(2)
          .meta({ description: 'Stored meta revision + 1 (bound in the AD)' }),
        ciphertext: sealedMeta('SecretMeta'),
      })
      .optional(),
    value: z
      .strictObject({
        version: versionNumber.min(2).meta({ description: 'Latest version + 1 (bound in the AD)' }),
        wrappedKey: wrappedKey('Data key of this version wrapped under the folder key'),
        ciphertext: valueCiphertext,
        stage: z.enum(['current', 'pending']).optional(),
        restoredFrom: versionNumber.optional().meta({
          description: 'This value is version N re-encrypted, restored as the new current',
        }),
      })
      .optional(),
    promote: z.literal('pending').optional(),
  })
  .meta({ id: 'UpdateSecretRequest' })

export const secretKeysResponse = z
  .object({
    revision: z.int().min(1),
    folderId: vaultId,
    versions: z.array(
      z.object({
        version: versionNumber,
        wrappedKey: wrappedKey('This version’s data key wrapped under the folder key'),
      }),
    ),
  })
  .meta({
    id: 'SecretKeysResponse',
    description: 'Every version’s wrapped data key (no values): what a move re-wraps',
  })

export const deleteSecretResponse = z
  .object({ deletedAt: isoTime, purgeAt: isoTime })
  .meta({ id: 'DeleteSecretResponse' })

export const vaultShareStatus = z.enum(['active', 'used', 'expired', 'revoked'])

export const vaultShare = z
  .object({
    id: z.string(),
    version: versionNumber,
    createdAt: isoTime,
    expiresAt: isoTime,
    maxViews: z.int(),
    viewsLeft: z.int().min(0).nullable(),
    status: vaultShareStatus,
    /** As share status says it (issue 12): `status` stays for older clients. */
    state: shareState,
    endedAt: isoTime.nullable().meta({
      description: 'When it ended; null while live, or when no receipt says (destroyed long ago)',
    }),
    opens: z.array(isoTime),
  })
  .meta({ id: 'VaultShare' })

export const vaultSharesResponse = z
  .object({ shares: z.array(vaultShare) })
  .meta({ id: 'VaultSharesResponse' })

// ── Audit ───────────────────────────────────────────────────────────────────

export const auditEventName = z.enum(AUDIT_EVENTS)
export const auditResult = z.enum(AUDIT_RESULTS)
export const auditActor = z.enum(AUDIT_ACTORS)

export const auditQuery = z
  .strictObject({
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.int().min(1).max(L.auditPageMax))
      .optional(),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor from `next`')
      .optional(),
    event: auditEventName.optional(),
    secretId: vaultId.optional(),
    result: auditResult.optional(),
    tokenId: b64urlBytes(L.idBytes, 'Only what this service token did or was refused').optional(),
  })
  .meta({ id: 'AuditQuery' })

export const auditEntry = z
  .object({
    id: z.string(),
    at: isoTime,
    event: auditEventName,
    result: auditResult,
    actor: auditActor,
    client: z.object({
      hash: z
        .string()
        .nullable()
        .meta({ description: 'Keyed hash of the address, never the address' }),
      agent: z.enum(['browser', 'cli', 'other']),
    }),
    secretId: vaultId.nullable(),
    shareId: z.string().nullable(),
    detail: z.string().nullable(),
    token: z
      .object({ id: z.string(), name: z.string() })
      .nullable()
      .meta({ description: 'The service token that acted or was refused (its name as stored)' }),
  })
  .meta({ id: 'AuditEntry' })

export const auditResponse = z
  .object({
    events: z.array(auditEntry),
    next: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page' }),
  })
  .meta({ id: 'AuditResponse' })

export const listSecretsQuery = z
  .strictObject({ deleted: z.enum(['true', 'false']).optional() })
  .meta({ id: 'ListSecretsQuery' })

export const deleteSecretQuery = z
  .strictObject({ purge: z.enum(['true', 'false']).optional() })
  .meta({ id: 'DeleteSecretQuery' })

export const shareSecretQuery = z
  .strictObject({
    version: z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/, 'must be a version number')
      .optional(),
  })
  .meta({ id: 'ShareSecretQuery' })
