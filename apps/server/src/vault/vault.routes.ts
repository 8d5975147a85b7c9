/** @module The vault API (issue 3): folders, secrets with versions and stages, delete/restore, shares made from secrets, the audit trail. */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { VAULT_LIMITS } from '@secretsentry/contract/limits'
import type {
  AuditResponse,
  DeleteSecretResponse,
  FoldersResponse,
  SecretKeysResponse,
  SecretsResponse,
  SecretWithValue,
  VaultSharesResponse,
} from '@secretsentry/contract/types'
import type { ClientInfo } from '../audit/account-audit.ts'
import { listAccountAudit } from '../audit/account-audit.queries.ts'
import { ApiError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import {
  canonical,
  decodedLength,
  invalid,
  isB64urlOfBytes,
  iso,
  parseQuery,
  parseWith,
} from '../http/validate.ts'
import { contract } from '../http/contract.ts'
import type { Metrics } from '../metrics.ts'
import type { PolicyStore } from '../admin/policy.ts'
import type { SessionEnv } from '../session/session.ts'
import {
  createdShare,
  readCreateShare,
  shareIdTaken,
  type ReceiptRules,
} from '../share/share.routes.ts'
import { toAuditEntry } from './shapes.ts'
import * as vault from './vault.service.ts'

export interface VaultRouteOptions {
  deps: vault.VaultDeps
  metrics: Metrics
  maxSecretBytes: number
  /** The instance policy's share caps apply to shares made from secrets too. */
  policy: PolicyStore
  client: (c: Context) => ClientInfo
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
  /** The share-creation budget also covers shares made from secrets. */
  shareLimit: MiddlewareHandler
  /** Write limits per session and per account, after the session is known (see vault.api.ts). */
  writeLimit: MiddlewareHandler<SessionEnv>
  /** Receipts of shares made from secrets, as for POST /api/share. */
  receipts: Pick<ReceiptRules, 'emailAvailable' | 'hasChannel'>
}

const SMALL_BODY_BYTES = 64 * 1024
const JSON_SLACK_BYTES = 4096
/** One `{"version":N,"wrappedKey":"<82 chars>"}` entry of a move, with room to spare. */
const MOVE_BYTES_PER_VERSION = 128

export const notFound = () => new ApiError(404, 'not_found', 'No such secret')
export const noVersion = () => new ApiError(404, 'not_found', 'No such version of this secret')
export const conflict = (c: { field: string; message: string }) =>
  new ApiError(409, 'conflict', c.message, { field: c.field })
export const quotaExceeded = (q: vault.QuotaExceeded) =>
  new ApiError(
    413,
    'quota_exceeded',
    `Vault storage quota exceeded: ${q.used} of ${q.limit} bytes used (${mib(q.used)} of ${mib(q.limit)}), ` +
      `this change needs ${q.adding} more; purge deleted secrets or delete some to make room`,
  )
const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`

export function paramId(c: Context, name: string): Buffer {
  const raw = c.req.param(name) ?? ''
  if (!isB64urlOfBytes(raw, VAULT_LIMITS.idBytes))
    throw invalid(name, `${name}: must be 16 bytes of base64url`)
  return canonical(name, raw)
}

/** `If-Match: "<revision>"` (RFC 9110 §13.1.1); `*` matches any revision. */
export function ifMatch(c: Context): number | undefined {
  const raw = c.req.header('if-match')?.trim()
  if (raw === undefined || raw === '*') return undefined
  const m = /^"([1-9][0-9]{0,14})"$/.exec(raw)
  if (!m) throw invalid('If-Match', 'If-Match: must be a quoted revision, as in the ETag')
  return Number(m[1])
}

/** For renames, moves and secret moves, which must say which revision they were made from. */
function requiredIfMatch(c: Context): number {
  const revision = ifMatch(c)
  if (revision === undefined) {
    throw invalid('If-Match', 'If-Match: required, the quoted revision the change was made from')
  }
  return revision
}

export const etag = (revision: number) => `"${revision}"`

/** The largest body of a secret write: the sealed value, sealed metadata and JSON around them. */
export const maxSecretBodyBytes = (maxSecretBytes: number) =>
  Math.ceil((maxSecretBytes * 4) / 3) +
  Math.ceil((VAULT_LIMITS.metaMaxBytes * 4) / 3) +
  JSON_SLACK_BYTES

/** A sealed value: canonical base64url and at most MAX_SECRET_BYTES once decoded (413 above). */
function sealedValue(maxSecretBytes: number, field: string, text: string): Buffer {
  if (decodedLength(text) > maxSecretBytes) {
    throw new ApiError(413, 'payload_too_large', `${field}: larger than ${maxSecretBytes} bytes`, {
      field,
    })
  }
  return canonical(field, text)
}

/** POST /api/secrets (and a read-write token's POST): the body as vault.createSecret takes it. */
export async function readNewSecret(c: Context, maxSecretBytes: number): Promise<vault.NewSecret> {
  const body = parseWith(
    (await contract()).createSecretRequest,
    await readJsonBody(c, maxSecretBodyBytes(maxSecretBytes)),
  )
  return {
    id: canonical('id', body.id),
    folderId: canonical('folderId', body.folderId),
    meta: canonical('meta.ciphertext', body.meta.ciphertext),
    value: {
      wrappedKey: canonical('value.wrappedKey', body.value.wrappedKey),
      ciphertext: sealedValue(maxSecretBytes, 'value.ciphertext', body.value.ciphertext),
    },
    ...(body.rotationDays !== undefined ? { rotationDays: body.rotationDays } : {}),
  }
}

/** PUT /api/secrets/:id (and a read-write token's PUT): the change as vault.updateSecret takes it. */
export async function readSecretUpdate(
  c: Context,
  maxSecretBytes: number,
): Promise<vault.SecretUpdate> {
  const expected = ifMatch(c)
  const body = parseWith(
    (await contract()).updateSecretRequest,
    await readJsonBody(c, maxSecretBodyBytes(maxSecretBytes)),
  )
  if (!body.meta && !body.value && !body.promote && body.rotationDays === undefined) {
    throw invalid(undefined, 'Give at least one of meta, value, promote or rotationDays')
  }
  if (body.promote && body.value) throw invalid('promote', 'promote: not together with a new value')
  if (body.value?.restoredFrom !== undefined) {
    if (body.value.stage === 'pending') {
      throw invalid('value.restoredFrom', 'value.restoredFrom: a restored version becomes current')
    }
    if (body.value.restoredFrom >= body.value.version) {
      throw invalid('value.restoredFrom', 'value.restoredFrom: must be an earlier version')
    }
  }
  return {
    ...(expected !== undefined ? { ifMatch: expected } : {}),
    ...(body.meta
      ? {
          meta: {
            revision: body.meta.revision,
            ciphertext: canonical('meta.ciphertext', body.meta.ciphertext),
          },
        }
      : {}),
    ...(body.value
      ? {
          value: {
            version: body.value.version,
            wrappedKey: canonical('value.wrappedKey', body.value.wrappedKey),
            ciphertext: sealedValue(maxSecretBytes, 'value.ciphertext', body.value.ciphertext),
            stage: body.value.stage ?? 'current',
            ...(body.value.restoredFrom !== undefined
              ? { restoredFrom: body.value.restoredFrom }
              : {}),
          },
        }
      : {}),
    ...(body.promote ? { promote: body.promote } : {}),
    ...(body.rotationDays !== undefined ? { rotationDays: body.rotationDays } : {}),
  }
}

const noFolder = (field: string) =>
  new ApiError(404, 'not_found', `${field}: no such folder`, { field })

export function vaultRoutes(o: VaultRouteOptions): Hono<SessionEnv> {
  const { deps, session, sameOrigin, maxSecretBytes } = o
  const caller = (c: Context<SessionEnv>) => ({ userId: c.var.session.userId, client: o.client(c) })
  return (
    new Hono<SessionEnv>()
      .use('/folders', sameOrigin, session, o.writeLimit)
      .use('/folders/*', sameOrigin, session, o.writeLimit)
      // '/secrets/*' also matches '/secrets' itself (a second entry would run the session twice).
      .use('/secrets/*', sameOrigin, session, o.writeLimit)
      .use('/audit', session)
      .get('/folders', async (c) => {
        const response: FoldersResponse = {
          folders: await vault.listFolders(deps, c.var.session.userId),
        }
        return c.json(response, 200)
      })
      .post('/folders', async (c) => {
        const body = parseWith(
          (await contract()).createFolderRequest,
          await readJsonBody(c, SMALL_BODY_BYTES),
        )
        const outcome = await vault.createFolder(deps, caller(c), {
          id: canonical('id', body.id),
          parentId: body.parentId ? canonical('parentId', body.parentId) : null,
          wrappedKey: canonical('wrappedKey', body.wrappedKey),
          meta: canonical('meta', body.meta),
        })
        if (outcome.kind === 'conflict') throw conflict(outcome)
        if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
        if (outcome.kind === 'no_parent') throw noFolder('parentId')
        c.header('etag', etag(outcome.folder.revision))
        return c.json(outcome.folder, 201)
      })
      .put('/folders/:id', async (c) => {
        const id = paramId(c, 'id')
        const expected = requiredIfMatch(c)
        const body = parseWith(
          (await contract()).updateFolderRequest,
          await readJsonBody(c, SMALL_BODY_BYTES),
        )
        const outcome = await vault.updateFolder(deps, caller(c), id, {
          ifMatch: expected,
          parentId: body.parentId ? canonical('parentId', body.parentId) : null,
          meta: canonical('meta', body.meta),
        })
        if (outcome.kind === 'not_found') throw noFolder('id')
        if (outcome.kind === 'no_parent') throw noFolder('parentId')
        if (outcome.kind === 'conflict') throw conflict(outcome)
        if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
        c.header('etag', etag(outcome.folder.revision))
        return c.json(outcome.folder, 200)
      })
      .delete('/folders/:id', async (c) => {
        const id = paramId(c, 'id')
        const outcome = await vault.deleteFolder(deps, caller(c), id, ifMatch(c))
        if (outcome.kind === 'not_found') throw noFolder('id')
        if (outcome.kind === 'conflict') throw conflict(outcome)
        return c.body(null, 204)
      })
      .get('/secrets', async (c) => {
        const query = parseQuery(c, (await contract()).listSecretsQuery)
        const response: SecretsResponse = {
          secrets: await vault.listSecrets(deps, c.var.session.userId, query.deleted === 'true'),
        }
        return c.json(response, 200)
      })
      .post('/secrets', async (c) => {
        const outcome = await vault.createSecret(
          deps,
          caller(c),
          await readNewSecret(c, maxSecretBytes),
        )
        if (outcome.kind === 'not_found')
          throw new ApiError(404, 'not_found', 'No such folder', { field: 'folderId' })
        if (outcome.kind === 'conflict') throw conflict(outcome)
        if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
        c.header('etag', etag(outcome.summary.revision))
        return c.json(outcome.summary, 201)
      })
      .get('/secrets/:id', async (c) => {
        const id = paramId(c, 'id')
        const query = parseQuery(c, (await contract()).secretQuery)
        if (query.version !== undefined && query.stage !== undefined) {
          throw invalid('stage', 'stage: give either version or stage, not both')
        }
        const selector: vault.VersionSelector =
          query.version !== undefined
            ? { version: Number(query.version) }
            : { stage: query.stage ?? 'current' }
        const outcome = await vault.readSecret(deps, caller(c), id, selector)
        if (outcome.kind === 'not_found') throw notFound()
        if (outcome.kind === 'no_version') throw noVersion()
        const { value } = outcome
        const response: SecretWithValue = {
          ...outcome.summary,
          value: {
            version: value.version,
            wrappedKey: value.wrapped_key.toString('base64url'),
            ciphertext: value.ciphertext.toString('base64url'),
            createdAt: iso(value.created_at),
          },
        }
        c.header('etag', etag(response.revision))
        return c.json(response, 200)
      })
      .put('/secrets/:id', async (c) => {
        const id = paramId(c, 'id')
        const outcome = await vault.updateSecret(
          deps,
          caller(c),
          id,
          await readSecretUpdate(c, maxSecretBytes),
        )
        if (outcome.kind === 'not_found') throw notFound()
        if (outcome.kind === 'conflict') throw conflict(outcome)
        if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
        c.header('etag', etag(outcome.summary.revision))
        return c.json(outcome.summary, 200)
      })
      .delete('/secrets/:id', async (c) => {
        const id = paramId(c, 'id')
        const query = parseQuery(c, (await contract()).deleteSecretQuery)
        const outcome = await vault.deleteSecret(deps, caller(c), id, query.purge === 'true')
        switch (outcome.kind) {
          case 'not_found':
            throw notFound()
          case 'already_deleted':
            throw new ApiError(409, 'already_deleted', 'The secret is already deleted')
          case 'conflict':
            throw conflict(outcome)
          case 'purged':
            return c.body(null, 204)
          case 'deleted': {
            const response: DeleteSecretResponse = {
              deletedAt: iso(outcome.deletedAt),
              purgeAt: iso(outcome.purgeAt),
            }
            return c.json(response, 200)
          }
        }
      })
      .get('/secrets/:id/keys', async (c) => {
        const outcome = await vault.secretKeys(deps, caller(c), paramId(c, 'id'))
        if (outcome.kind === 'not_found') throw notFound()
        const response: SecretKeysResponse = {
          revision: outcome.secret.revision,
          folderId: outcome.secret.folder_id.toString('base64url'),
          versions: outcome.keys.map((k) => ({
            version: Number(k.version),
            wrappedKey: k.wrapped_key.toString('base64url'),
          })),
        }
        c.header('etag', etag(response.revision))
        return c.json(response, 200)
      })
      .post('/secrets/:id/move', async (c) => {
        const id = paramId(c, 'id')
        const expected = requiredIfMatch(c)
        const limit = SMALL_BODY_BYTES + VAULT_LIMITS.moveMaxVersions * MOVE_BYTES_PER_VERSION
        const body = parseWith((await contract()).moveSecretRequest, await readJsonBody(c, limit))
        const outcome = await vault.moveSecret(deps, caller(c), id, {
          ifMatch: expected,
          folderId: canonical('folderId', body.folderId),
          meta: {
            revision: body.meta.revision,
            ciphertext: canonical('meta.ciphertext', body.meta.ciphertext),
          },
          versions: body.versions.map((v, i) => ({
            version: v.version,
            wrappedKey: canonical(`versions.${i}.wrappedKey`, v.wrappedKey),
          })),
        })
        if (outcome.kind === 'not_found') throw notFound()
        if (outcome.kind === 'no_folder') throw noFolder('folderId')
        if (outcome.kind === 'conflict') throw conflict(outcome)
        if (outcome.kind === 'quota_exceeded') throw quotaExceeded(outcome)
        c.header('etag', etag(outcome.summary.revision))
        return c.json(outcome.summary, 200)
      })
      .post('/secrets/:id/restore', async (c) => {
        const outcome = await vault.restoreSecret(deps, caller(c), paramId(c, 'id'))
        if (outcome.kind === 'not_found') throw notFound()
        if (outcome.kind === 'conflict') throw conflict(outcome)
        c.header('etag', etag(outcome.summary.revision))
        return c.json(outcome.summary, 200)
      })
      .post('/secrets/:id/share', o.shareLimit, async (c) => {
        const id = paramId(c, 'id')
        const query = parseQuery(c, (await contract()).shareSecretQuery)
        const policy = await o.policy.current()
        const { share, manageToken } = await readCreateShare(
          c,
          maxSecretBytes,
          { maxBytes: policy.maxShareBytes, maxExpirySeconds: policy.maxExpirySeconds },
          {
            ...o.receipts,
            emailDomains: policy.receiptEmailDomains,
            account: async () => caller(c).userId,
          },
        )
        const version = query.version === undefined ? undefined : Number(query.version)
        const outcome = await vault.shareSecret(deps, caller(c), id, version, share)
        if (outcome.kind === 'not_found') throw notFound()
        if (outcome.kind === 'no_version') throw noVersion()
        if (outcome.kind === 'conflict') throw shareIdTaken()
        o.metrics.sharesCreated.inc()
        return c.json(createdShare(share, outcome.expiresAt, manageToken), 201)
      })
      .get('/secrets/:id/shares', async (c) => {
        const outcome = await vault.listShares(deps, caller(c), paramId(c, 'id'))
        if (outcome.kind === 'not_found') throw notFound()
        const response: VaultSharesResponse = { shares: outcome.shares }
        return c.json(response, 200)
      })
      .delete('/secrets/:id/shares/:shareId', async (c) => {
        const outcome = await vault.revokeShare(
          deps,
          caller(c),
          paramId(c, 'id'),
          paramId(c, 'shareId'),
        )
        if (outcome.kind === 'not_found')
          throw new ApiError(404, 'not_found', 'No such share of this secret')
        o.metrics.sharesDestroyed.inc({ reason: 'deleted' })
        return c.body(null, 204)
      })
      .get('/audit', async (c) => {
        const query = parseQuery(c, (await contract()).auditQuery)
        const limit = query.limit ?? VAULT_LIMITS.auditPageDefault
        const rows = await listAccountAudit(deps.db, {
          userId: c.var.session.userId,
          limit: limit + 1,
          ...(query.before !== undefined ? { before: Number(query.before) } : {}),
          ...(query.event !== undefined ? { event: query.event } : {}),
          ...(query.secretId !== undefined
            ? { secretId: canonical('secretId', query.secretId) }
            : {}),
          ...(query.result !== undefined ? { result: query.result } : {}),
          ...(query.tokenId !== undefined ? { tokenId: canonical('tokenId', query.tokenId) } : {}),
        })
        const page = rows.slice(0, limit)
        const response: AuditResponse = {
          events: page.map(toAuditEntry),
          next: rows.length > limit ? String(page.at(-1)?.id) : null,
        }
        return c.json(response, 200)
      })
  )
}
