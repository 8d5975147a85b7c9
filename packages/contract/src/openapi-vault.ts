/** @module OpenAPI paths of the accounts and vault API, generated from the validating schemas. */
import type { z } from 'zod'
import * as v from './vault.ts'
import { createShareRequest, createShareResponse } from './schemas.ts'
import { sessionKey } from './session-key.ts'
import * as n from './notifications.ts'

type Schema = z.ZodType
export interface OpenApiHelpers {
  json: (schema: Schema) => Record<string, unknown>
  errorResponse: (description: string) => Record<string, unknown>
  commonErrors: Record<string, unknown>
  /** A use site's JSON Schema (named parts become components). */
  schema: (schema: Schema) => Record<string, unknown>
}

const SESSION = [{ sessionCookie: [], csrfToken: [] }, { sessionBearer: [] }]
const SESSION_READ = [{ sessionCookie: [] }, { sessionBearer: [] }]

export function vaultPaths({
  json,
  errorResponse,
  commonErrors,
  schema: toSchema,
}: OpenApiHelpers) {
  const param = (name: string, inside: 'path' | 'query', schema: Schema, description?: string) => ({
    name,
    in: inside,
    required: inside === 'path',
    ...(description ? { description } : {}),
    schema: toSchema(schema),
  })
  /** One optional query parameter per key of a strict query schema, described where it helps. */
  const queryParams = (schema: z.ZodObject, descriptions: Record<string, string> = {}) =>
    Object.entries(schema.shape).map(([name, field]) =>
      param(name, 'query', (field as z.ZodOptional<z.ZodType>).unwrap(), descriptions[name]),
    )
  const unauthenticated = errorResponse('No valid session')
  const csrf = errorResponse('Cookie session without a matching X-CSRF-Token, or a foreign Origin')
  const notFound = errorResponse("Unknown, another account's, or deleted (indistinguishable)")
  const conflict = (description: string) => errorResponse(description)
  const idParam = param('id', 'path', v.vaultId)
  const ifMatch = (required: boolean) => ({
    name: 'If-Match',
    in: 'header',
    required,
    description: 'The stored revision, quoted as in the ETag',
    schema: { type: 'string' },
  })
  const ifMatchRequired = ifMatch(true)
  const ifMatchOptional = ifMatch(false)
  const authed = { '401': unauthenticated, '403': csrf, ...commonErrors }
  /** Writes that store bytes: past the account's quota they are refused whole. */
  const quota = {
    '413': errorResponse(
      "payload_too_large: the body is over the limit; quota_exceeded: the account's storage quota would be exceeded (the message gives used and limit)",
    ),
  }
  const read = { '401': unauthenticated, '429': commonErrors['429' as keyof typeof commonErrors] }
  const created = (schema: Schema) => ({ description: 'Created', ...json(schema) })
  const ok = (schema: Schema, description = 'OK') => ({ description, ...json(schema) })
  const body = (schema: Schema) => ({ required: true, ...json(schema) })

  return {
    '/api/prelogin': {
      post: {
        summary: 'KDF parameters and salt for a username (made-up stable ones when unknown)',
        requestBody: body(v.preloginRequest),
        responses: { '200': ok(v.preloginResponse), ...commonErrors },
      },
    },
    '/api/register': {
      post: {
        summary: 'Create an account from client-derived keys; logs it in',
        requestBody: body(v.registerRequest),
        responses: {
          '201': created(v.loginResponse),
          '403': errorResponse(
            'registration_closed; invite_invalid: invite-only and the invite is missing, unknown, expired, revoked or used',
          ),
          '409': conflict('username_taken, or the folder id exists'),
          ...commonErrors,
        },
      },
    },
    '/api/login': {
      post: {
        summary: 'Start a session (cookie with CSRF token, or bearer token)',
        requestBody: body(v.loginRequest),
        responses: {
          '200': ok(v.loginResponse),
          '401': errorResponse(
            'invalid_credentials: unknown name or wrong key (indistinguishable)',
          ),
          '403': errorResponse(
            'account_disabled: right password, account disabled by an administrator',
          ),
          ...commonErrors,
        },
      },
    },
    '/api/logout': {
      post: {
        summary: 'End this session',
        security: SESSION,
        responses: { '204': { description: 'Session deleted, cookie cleared' }, ...authed },
      },
    },
    '/api/session/key': {
      put: {
        summary:
          'Give this bearer session a key to hold for its client (once); it is deleted with the session',
        security: [{ sessionBearer: [] }],
        requestBody: body(sessionKey),
        responses: {
          '204': { description: 'Stored with this session' },
          '409': conflict('This session holds a key already'),
          ...authed,
          '403': errorResponse('A browser (cookie) session: only bearer sessions hold a key'),
        },
      },
      get: {
        summary: 'The key this bearer session holds for its client',
        security: [{ sessionBearer: [] }],
        responses: {
          '200': ok(sessionKey),
          '403': errorResponse('A browser (cookie) session: only bearer sessions hold a key'),
          '404': errorResponse('This session holds no key'),
          ...read,
        },
      },
    },
    '/api/account': {
      get: {
        summary: 'The logged-in account (to offer Unlock after a reload)',
        security: SESSION_READ,
        responses: { '200': ok(v.accountResponse), ...read },
      },
    },
    '/api/account/password': {
      post: {
        summary:
          'Change the password: new authKey, salt, KDF and wrapped userKey; ends other sessions',
        security: SESSION,
        requestBody: body(v.passwordChangeRequest),
        responses: { '200': ok(v.passwordChangeResponse), ...authed },
      },
    },
    '/api/account/notifications': {
      get: {
        summary:
          "The account's webhook and alert email, how delivery went, and the newest deliveries",
        security: SESSION_READ,
        responses: { '200': ok(n.notificationsResponse), ...read },
      },
    },
    '/api/account/webhook': {
      put: {
        summary:
          'Set the webhook: URL (public addresses only unless WEBHOOK_ALLOW_PRIVATE) and signing secret, returned this once',
        security: SESSION,
        requestBody: body(n.webhookSetRequest),
        responses: { '200': ok(n.webhookSetResponse), ...authed },
      },
      delete: {
        summary: 'Remove the webhook; notifications waiting for it are dropped',
        security: SESSION,
        responses: { '204': { description: 'Removed' }, ...authed },
      },
    },
    '/api/account/webhook/test': {
      post: {
        summary: 'Send a signed webhook.test event now and answer how it went',
        security: SESSION,
        responses: {
          '200': ok(n.channelTestResponse),
          '404': errorResponse('No webhook is set'),
          ...authed,
        },
      },
    },
    '/api/account/email': {
      put: {
        summary: 'Set the alert email address (needs a server with SMTP_URL)',
        security: SESSION,
        requestBody: body(n.emailSetRequest),
        responses: {
          '200': ok(n.notificationsResponse),
          '409': conflict('This server sends no mail (no SMTP_URL)'),
          ...authed,
        },
      },
      delete: {
        summary: 'Remove the alert email address',
        security: SESSION,
        responses: { '204': { description: 'Removed' }, ...authed },
      },
    },
    '/api/account/email/test': {
      post: {
        summary: 'Send a test mail now and answer how it went',
        security: SESSION,
        responses: {
          '200': ok(n.channelTestResponse),
          '404': errorResponse('No alert email is set'),
          ...authed,
        },
      },
    },
    '/api/folders': {
      get: {
        summary: "The account's folders",
        security: SESSION_READ,
        responses: { '200': ok(v.foldersResponse), ...read },
      },
      post: {
        summary: 'Create a folder',
        security: SESSION,
        requestBody: body(v.createFolderRequest),
        responses: {
          '201': created(v.folder),
          '404': errorResponse('parentId: no such folder of the caller’s'),
          '409': conflict('The id exists'),
          ...authed,
          ...quota,
        },
      },
    },
    '/api/folders/{id}': {
      put: {
        summary:
          'Rename and/or move a folder: new sealed FolderMeta and parent; If-Match (required) for check-and-set',
        security: SESSION,
        parameters: [idParam, ifMatchRequired],
        requestBody: body(v.updateFolderRequest),
        responses: {
          '200': ok(v.folder, 'The folder; ETag: "<revision>"'),
          '404': errorResponse('No such folder of the caller’s (field id or parentId)'),
          '409': conflict(
            'Stale If-Match, or parentId is the folder itself or one of its subfolders (a cycle)',
          ),
          ...authed,
          ...quota,
        },
      },
      delete: {
        summary:
          'Delete an empty folder (no subfolders, no secrets, deleted ones in their recovery window included)',
        security: SESSION,
        parameters: [idParam, ifMatchOptional],
        responses: {
          '204': { description: 'Deleted' },
          '404': errorResponse('No such folder of the caller’s'),
          '409': conflict(
            'Stale If-Match, the folder is not empty (the message counts what is left), or it is the last top-level folder',
          ),
          ...authed,
        },
      },
    },
    '/api/secrets': {
      get: {
        summary: 'Metadata of every secret (never values)',
        security: SESSION_READ,
        parameters: queryParams(v.listSecretsQuery, {
          deleted: 'true: only the deleted secrets still in their recovery window',
        }),
        responses: { '200': ok(v.secretsResponse), ...read },
      },
      post: {
        summary: 'Create a secret: sealed metadata and version 1 of its value',
        security: SESSION,
        requestBody: body(v.createSecretRequest),
        responses: {
          '201': created(v.secretSummary),
          '404': errorResponse('The folder is not the caller’s'),
          '409': conflict('The id exists'),
          ...authed,
          ...quota,
        },
      },
    },
    '/api/secrets/{id}': {
      get: {
        summary: 'A secret with one sealed value: current, ?version=N or ?stage=',
        security: SESSION_READ,
        parameters: [idParam, ...queryParams(v.secretQuery, { stage: 'Default: current' })],
        responses: {
          '200': ok(v.secretWithValue, 'The secret; ETag: "<revision>"'),
          '404': notFound,
          ...read,
        },
      },
      put: {
        summary:
          'New metadata and/or a new version, promote pending, and/or a new rotation interval; If-Match for check-and-set',
        security: SESSION,
        parameters: [
          idParam,
          { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } },
        ],
        requestBody: body(v.updateSecretRequest),
        responses: {
          '200': ok(v.secretSummary),
          '404': notFound,
          '409': conflict(
            'Stale If-Match, wrong meta revision or version number, or no pending version',
          ),
          ...authed,
          ...quota,
        },
      },
      delete: {
        summary: 'Delete into the recovery window; ?purge=true on a deleted one purges now',
        security: SESSION,
        parameters: [
          idParam,
          ...queryParams(v.deleteSecretQuery, { purge: 'true on a deleted secret: purge now' }),
        ],
        responses: {
          '200': ok(v.deleteSecretResponse),
          '204': { description: 'Purged' },
          '404': notFound,
          '409': conflict('already_deleted, or purge of a secret not deleted'),
          ...authed,
        },
      },
    },
    '/api/secrets/{id}/keys': {
      get: {
        summary:
          'Every version’s data key, wrapped under the folder key (never a value): what a move re-wraps',
        security: SESSION_READ,
        parameters: [idParam],
        responses: { '200': ok(v.secretKeysResponse), '404': notFound, ...read },
      },
    },
    '/api/secrets/{id}/move': {
      post: {
        summary:
          'Move a secret to another folder: every version’s data key re-wrapped and the metadata re-sealed under the destination folder key, swapped all at once; If-Match (required)',
        security: SESSION,
        parameters: [idParam, ifMatchRequired],
        requestBody: body(v.moveSecretRequest),
        responses: {
          '200': ok(v.secretSummary),
          '404': errorResponse('No such secret, or folderId is not a folder of the caller’s'),
          '409': conflict(
            'Stale If-Match, versions not exactly the stored set, wrong meta revision, already in that folder, or deleted',
          ),
          ...authed,
          ...quota,
        },
      },
    },
    '/api/secrets/{id}/restore': {
      post: {
        summary: 'Bring a deleted secret back within its recovery window',
        security: SESSION,
        parameters: [idParam],
        responses: {
          '200': ok(v.secretSummary),
          '404': notFound,
          '409': conflict('Not deleted'),
          ...authed,
        },
      },
    },
    '/api/secrets/{id}/share': {
      post: {
        summary: 'Share a secret once: the body of POST /api/share, linked to the secret',
        security: SESSION,
        parameters: [
          idParam,
          ...queryParams(v.shareSecretQuery, { version: 'Default: the current version' }),
        ],
        requestBody: body(createShareRequest),
        responses: {
          '201': created(createShareResponse),
          '404': notFound,
          '409': conflict('The share id exists'),
          ...authed,
        },
      },
    },
    '/api/secrets/{id}/shares': {
      get: {
        summary: 'Shares made from this secret, with status and open times',
        security: SESSION_READ,
        parameters: [idParam],
        responses: { '200': ok(v.vaultSharesResponse), '404': notFound, ...read },
      },
    },
    '/api/secrets/{id}/shares/{shareId}': {
      delete: {
        summary: 'Revoke a share made from this secret',
        security: SESSION,
        parameters: [
          idParam,
          { name: 'shareId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: { '204': { description: 'Revoked' }, '404': notFound, ...authed },
      },
    },
    '/api/audit': {
      get: {
        summary: "The account's audit events, newest first",
        security: SESSION_READ,
        parameters: queryParams(v.auditQuery, {
          before: 'The `next` cursor of the previous page',
        }),
        responses: { '200': ok(v.auditResponse), ...read },
      },
    },
  }
}

export const vaultSecuritySchemes = {
  sessionCookie: { type: 'apiKey', in: 'cookie', name: '__Host-ss_session' },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description: 'The csrfToken of the login answer; required with the cookie for all but GET/HEAD',
  },
  sessionBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'The token of a session=bearer login',
  },
}
