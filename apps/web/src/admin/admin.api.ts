/** @module The administrators' API for the admin page: names, policy, invites and audit; never vault contents. */
import type {
  AdminAuditResponse,
  AdminPolicyResponse,
  AdminUsersResponse,
  CreateInviteResponse,
  InstancePolicy,
  InvitesResponse,
} from '@secretsentry/contract/types'
import { apiCall } from '../shared/api/policy.api.ts'

export interface AdminApi {
  users(): Promise<AdminUsersResponse>
  disable(userId: string): Promise<void>
  enable(userId: string): Promise<void>
  remove(userId: string): Promise<void>
  policy(): Promise<AdminPolicyResponse>
  savePolicy(policy: InstancePolicy): Promise<AdminPolicyResponse>
  invites(): Promise<InvitesResponse>
  createInvite(expiresInSeconds: number): Promise<CreateInviteResponse>
  revokeInvite(id: string): Promise<void>
  audit(before?: string): Promise<AdminAuditResponse>
}

/** Every write carries the cookie session's CSRF token (from GET /api/policy). */
export function adminApi(csrfToken: string | undefined): AdminApi {
  const w = (method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
    apiCall<never>(method, path, {
      ...(body === undefined ? {} : { body }),
      ...(csrfToken ? { csrfToken } : {}),
    })
  const user = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`
  return {
    users: () => apiCall('GET', '/api/admin/users'),
    disable: (id) => w('POST', `${user(id)}/disable`),
    enable: (id) => w('POST', `${user(id)}/enable`),
    remove: (id) => w('DELETE', user(id)),
    policy: () => apiCall('GET', '/api/admin/policy'),
    savePolicy: (policy) => w('PUT', '/api/admin/policy', policy),
    invites: () => apiCall('GET', '/api/admin/invites'),
    createInvite: (expiresInSeconds) => w('POST', '/api/admin/invites', { expiresInSeconds }),
    revokeInvite: (id) => w('DELETE', `/api/admin/invites/${encodeURIComponent(id)}`),
    audit: (before) =>
      apiCall('GET', `/api/admin/audit${before ? `?before=${encodeURIComponent(before)}` : ''}`),
  }
}

/** Links an invite token as the register page reads it. */
export const inviteLink = (origin: string, token: string): string =>
  `${origin}/vault/register?invite=${token}`
