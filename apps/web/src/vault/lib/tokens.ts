/**
 * @module The Access tokens page's words and choices: a token's status, its expiry choices, the
 * usage snippet, and which form field a refused create names.
 */
import type { TokenInfo } from '@secretsentry/client/vault'
import { ClientError } from '../../shared/api/share.api.ts'

export type { TokenInfo }

export type TokenStatus = 'active' | 'expired' | 'revoked'

/** Revoked wins over expired: the owner's own act is the more useful fact. */
export function tokenStatus(t: TokenInfo, now: Date = new Date()): TokenStatus {
  if (t.revokedAt !== null) return 'revoked'
  if (t.expiresAt !== null && new Date(t.expiresAt).getTime() <= now.getTime()) return 'expired'
  return 'active'
}

export const STATUS_LABELS: Record<TokenStatus, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
}

const DAY = 86_400

/** The expiry choices of the create form, in seconds; null is "never". */
export const EXPIRY_CHOICES: readonly { label: string; seconds: number | null }[] = [
  { label: '1 day', seconds: DAY },
  { label: '7 days', seconds: 7 * DAY },
  { label: '30 days', seconds: 30 * DAY },
  { label: '90 days', seconds: 90 * DAY },
  { label: '1 year', seconds: 365 * DAY },
  { label: 'Never', seconds: null },
]

/** A token that lives for a quarter is the usual rotation period and still outlasts a release cycle. */
export const DEFAULT_EXPIRY_SECONDS = 90 * DAY

/** The root folder's path is '' in the tree and '/' on the command line. */
export const shownFolderPath = (path: string): string => path || '/'

/**
 * How a program uses the token: the command line reads it from SECRETSENTRY_TOKEN (never from an
 * argument, which other users of the machine can see in the process list). The token itself is
 * not put in the snippet, so copying the command does not copy the secret into shell history.
 */
export function usageSnippet(path: string, server: string): string {
  return `SECRETSENTRY_SERVER=${server} SECRETSENTRY_TOKEN=… secretsentry run --path ${shownFolderPath(path)} -- node app.js`
}

/** The fields of the create form a server refusal can name. */
export type TokenField = 'path' | 'name' | 'expires' | 'stage'

/** Which form field a refused create names (the server's `field`), so the message sits beside it. */
export function tokenErrorField(err: unknown): TokenField | null {
  if (!(err instanceof ClientError)) return null
  const field = err.details.field
  if (typeof field !== 'string') return null
  if (field === 'path' || field === 'folderId' || field === 'folder') return 'path'
  if (field === 'name') return 'name'
  if (field === 'expiresInSeconds' || field === 'expiresAt' || field === 'expires') return 'expires'
  if (field === 'stage') return 'stage'
  return null
}
