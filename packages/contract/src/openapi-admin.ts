/** @module OpenAPI paths of the instance policy and the administrators' API (issue 12). */
import * as a from './admin.ts'
import type { OpenApiHelpers } from './openapi-vault.ts'

const SESSION = [{ sessionCookie: [], csrfToken: [] }, { sessionBearer: [] }]
const SESSION_READ = [{ sessionCookie: [] }, { sessionBearer: [] }]

export function adminPaths({ json, errorResponse, commonErrors, schema }: OpenApiHelpers) {
  const ok = (s: Parameters<typeof json>[0], description = 'OK') => ({ description, ...json(s) })
  const denied = {
    '401': errorResponse('No valid session'),
    '403': errorResponse('forbidden: not an administrator; csrf: cookie session without its token'),
  }
  const writes = { ...denied, ...commonErrors }
  const reads = { ...denied, '429': (commonErrors as Record<string, unknown>)['429'] }
  const id = (what: string) => ({
    name: 'id',
    in: 'path',
    required: true,
    description: what,
    schema: schema(a.adminUserId),
  })
  const self = errorResponse('An administrator cannot disable or delete their own account')
  const noAccount = errorResponse('No such account')
  return {
    '/api/policy': {
      get: {
        summary: 'The instance policy the web app must follow, and who is asking (if logged in)',
        responses: { '200': ok(a.publicPolicy) },
      },
    },
    '/api/admin/users': {
      get: {
        summary: 'Every account by name and dates (never keys or vault contents)',
        security: SESSION_READ,
        responses: { '200': ok(a.adminUsersResponse), ...reads },
      },
    },
    '/api/admin/users/{id}/disable': {
      post: {
        summary: 'Disable an account: its sessions end now, its logins are refused',
        security: SESSION,
        parameters: [id('Account id')],
        responses: { '204': { description: 'Disabled' }, '404': noAccount, '409': self, ...writes },
      },
    },
    '/api/admin/users/{id}/enable': {
      post: {
        summary: 'Enable a disabled account',
        security: SESSION,
        parameters: [id('Account id')],
        responses: { '204': { description: 'Enabled' }, '404': noAccount, ...writes },
      },
    },
    '/api/admin/users/{id}': {
      delete: {
        summary: 'Delete an account with its vault, sessions, shares and audit trail',
        security: SESSION,
        parameters: [id('Account id')],
        responses: { '204': { description: 'Deleted' }, '404': noAccount, '409': self, ...writes },
      },
    },
    '/api/admin/policy': {
      get: {
        summary: 'The stored instance policy',
        security: SESSION_READ,
        responses: { '200': ok(a.adminPolicyResponse), ...reads },
      },
      put: {
        summary:
          'Replace the instance policy; in force on this instance at once, on others within 5 seconds',
        security: SESSION,
        requestBody: { required: true, ...json(a.instancePolicy) },
        responses: { '200': ok(a.adminPolicyResponse), ...writes },
      },
    },
    '/api/admin/invites': {
      get: {
        summary: 'Invites, newest first (never their tokens)',
        security: SESSION_READ,
        responses: { '200': ok(a.invitesResponse), ...reads },
      },
      post: {
        summary: 'Create a single-use invite; the token is in this answer only',
        security: SESSION,
        requestBody: { required: true, ...json(a.createInviteRequest) },
        responses: { '201': ok(a.createInviteResponse, 'Created'), ...writes },
      },
    },
    '/api/admin/invites/{id}': {
      delete: {
        summary: 'Revoke an unused invite',
        security: SESSION,
        parameters: [id('Invite id')],
        responses: {
          '204': { description: 'Revoked' },
          '404': errorResponse('No such invite, or it was used or revoked already'),
          ...writes,
        },
      },
    },
    '/api/admin/audit': {
      get: {
        summary: 'Administrators’ actions on this instance, newest first',
        security: SESSION_READ,
        parameters: Object.keys(a.adminAuditQuery.shape).map((name) => ({
          name,
          in: 'query',
          required: false,
          schema: { type: 'string' },
        })),
        responses: { '200': ok(a.adminAuditResponse), ...reads },
      },
    },
  }
}
