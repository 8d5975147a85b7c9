/** @module OpenAPI paths of service tokens (issue 11): the owner's /api/tokens and the holder's /api/token. */
import type { z } from 'zod'
import * as t from './tokens.ts'
import * as v from './vault.ts'
import type { OpenApiHelpers } from './openapi-vault.ts'

type Schema = z.ZodType

const SESSION = [{ sessionCookie: [], csrfToken: [] }, { sessionBearer: [] }]
const SESSION_READ = [{ sessionCookie: [] }, { sessionBearer: [] }]
const TOKEN = [{ serviceToken: [] }]

export function tokenPaths({ json, errorResponse, commonErrors, schema }: OpenApiHelpers) {
  const ok = (s: Schema, description = 'OK') => ({ description, ...json(s) })
  const body = (s: Schema) => ({ required: true, ...json(s) })
  const common = commonErrors as Record<string, unknown>
  const idParam = (description: string) => ({
    name: 'id',
    in: 'path',
    required: true,
    description,
    schema: schema(v.vaultId),
  })
  const query = (name: string, s: Schema, description: string) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: schema(s),
  })
  const owner = {
    '401': errorResponse('No valid session'),
    '403': errorResponse('Cookie session without a matching X-CSRF-Token, or a foreign Origin'),
    ...common,
  }
  const holder = {
    '401': errorResponse(
      'unauthenticated: missing, malformed, unknown or wrong token credential; token_revoked; token_expired',
    ),
    '403': errorResponse('account_disabled: the owner’s account is disabled'),
    '429': errorResponse(
      'Too many failed token authentications from this address, or too many writes; see Retry-After',
    ),
  }
  const notFound = errorResponse(
    "Unknown, deleted, another account's, or outside the token's folders (indistinguishable)",
  )
  const readOnly = errorResponse('read_only: the token was made without write access (audited)')
  const quota = {
    '413': errorResponse(
      "payload_too_large: the body is over the limit; quota_exceeded: the account's storage quota would be exceeded",
    ),
  }

  return {
    '/api/tokens': {
      post: {
        summary:
          'Create a service token: its verifier, the owner’s copy of its wrapKey, its sealed root path and its grants (never the token text)',
        description:
          'The root grant’s folder becomes the token’s root; every subfolder grant must be a folder below it in the account’s tree, and needs includeSubfolders. `name` is stored in clear and shown in lists and the audit trail, like a username.',
        security: SESSION,
        requestBody: body(t.createTokenRequest),
        responses: {
          '201': { description: 'Created', ...json(t.tokenInfo) },
          '404': errorResponse('grants.N.folderId: not a folder of the caller’s'),
          '409': errorResponse(
            'The id exists, a grant’s folder is not below the root, a live token has this name, or the account holds the most tokens it may',
          ),
          ...owner,
        },
      },
      get: {
        summary:
          'The account’s service tokens (revoked ones too) with last use, expiry and the number of folders served',
        security: SESSION_READ,
        responses: {
          '200': ok(t.tokensResponse),
          '401': errorResponse('No valid session'),
          '429': common['429'],
        },
      },
    },
    '/api/tokens/{id}': {
      delete: {
        summary:
          'Revoke a token now: its grants are deleted, its row stays for the list and the audit trail (again: 204)',
        security: SESSION,
        parameters: [idParam('The token id')],
        responses: {
          '204': { description: 'Revoked' },
          '404': errorResponse('No such token of the caller’s'),
          ...owner,
        },
      },
    },
    '/api/tokens/{id}/grants': {
      post: {
        summary:
          'Grant folders created (or moved) below the token’s root after it was made; a folder already granted keeps its grant',
        security: SESSION,
        parameters: [idParam('The token id')],
        requestBody: body(t.addGrantsRequest),
        responses: {
          '200': ok(t.tokenInfo, 'The token with its new number of folders'),
          '404': errorResponse(
            'No such token, or grants.N.folderId is not a folder of the caller’s',
          ),
          '409': errorResponse(
            'The token is revoked, was made without its subfolders, a folder is not below its root, or it would hold too many',
          ),
          ...owner,
        },
      },
    },
    '/api/tokens/{id}/meta': {
      put: {
        summary:
          'Replace the token’s sealed root path (after its root, or a folder above it, was renamed or moved)',
        security: SESSION,
        parameters: [idParam('The token id')],
        requestBody: body(t.updateTokenMetaRequest),
        responses: {
          '200': ok(t.tokenInfo),
          '404': errorResponse('No such token of the caller’s'),
          '409': errorResponse('The token is revoked'),
          ...owner,
        },
      },
    },
    '/api/token': {
      get: {
        summary:
          'The token’s own flags and sealed root path, its grants, and the rows {id, meta, revision} of its granted folders only',
        security: TOKEN,
        responses: { '200': ok(t.tokenSelfResponse), ...holder },
      },
    },
    '/api/token/secrets': {
      get: {
        summary:
          'Every live secret of the token’s folders with the value of each stage it may read, in one answer (a token.read event with the count)',
        security: TOKEN,
        parameters: [
          query(
            'values',
            t.tokenSecretsQuery.shape.values.unwrap(),
            'false: metadata only (not a read)',
          ),
        ],
        responses: { '200': ok(t.tokenSecretsResponse), '400': common['400'], ...holder },
      },
      post: {
        summary: 'A read-write token creates a secret in one of its folders (as POST /api/secrets)',
        security: TOKEN,
        requestBody: body(v.createSecretRequest),
        responses: {
          '201': { description: 'Created', ...json(t.tokenSecretMeta) },
          ...holder,
          '403': readOnly,
          '404': errorResponse('folderId: not one of the token’s folders (audited)'),
          '409': errorResponse('The id exists'),
          '400': common['400'],
          ...quota,
        },
      },
    },
    '/api/token/secrets/{id}': {
      get: {
        summary:
          'One value: the current one, or (stage any tokens only) ?stage=pending|previous or ?version=N',
        security: TOKEN,
        parameters: [
          idParam('The secret id'),
          query('stage', v.secretStage, 'Default: current'),
          query('version', v.secretQuery.shape.version.unwrap(), 'A version number'),
        ],
        responses: {
          '200': ok(t.tokenSecretWithValue, 'The secret with one sealed value; ETag: "<revision>"'),
          '404': errorResponse(
            "Unknown, outside the token's folders, no such version, or a stage a current-only token may not read (refusals are audited)",
          ),
          '400': common['400'],
          ...holder,
        },
      },
      put: {
        summary:
          'A read-write token writes a new value (or metadata, or promotes pending), as PUT /api/secrets/{id}',
        security: TOKEN,
        parameters: [
          idParam('The secret id'),
          { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } },
        ],
        requestBody: body(v.updateSecretRequest),
        responses: {
          '200': ok(t.tokenSecretMeta),
          ...holder,
          '403': readOnly,
          '404': notFound,
          '409': errorResponse(
            'Stale If-Match, wrong meta revision or version number, or no pending version',
          ),
          '400': common['400'],
          ...quota,
        },
      },
    },
  }
}

export const tokenSecuritySchemes = {
  serviceToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      '`Token <tokenId>.<authKey>`: the token id and HKDF(secret, "secretsentry/v1/token/auth\\0" || id), base64url (keyring SPEC §11.2). Never the token text or its secret.',
  },
}
