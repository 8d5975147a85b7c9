/**
 * @module The Access tokens page's words and choices: a token's status, its expiry choices, the
 * usage snippet, and which form field a refused create names.
 */
import type { TokenInfo } from '@secretsentry/client/vault'
import { ClientError } from '../../shared/api/share.api.ts'
import { vaultErrorMessage } from './errors.ts'

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

/** The root folder's path is '' in the tree and '/' in a token and on the command line. */
export const shownFolderPath = (path: string): string => path || '/'

/**
 * How a program uses the token, one setting a line (it stays readable at phone width): the
 * command line reads it from SECRETSENTRY_TOKEN (never from an argument, which other users of the
 * machine can see in the process list). The token itself is not in the snippet, so copying the
 * command does not copy the secret into shell history.
 */
export function usageSnippet(path: string, server: string): string {
  return [
    `SECRETSENTRY_SERVER=${server} \\`,
    'SECRETSENTRY_TOKEN=… \\',
    `secretsentry run --path ${shownFolderPath(path)} -- node app.js`,
  ].join('\n')
}

/** The fields of the create form a refusal can name. */
export type TokenField = 'path' | 'name' | 'expires' | 'subfolders' | 'stage'

/**
 * Which form field a refused create names, so the message sits beside it: the server's `field`
 * (a grant's folder is the chosen folder), or the client's own folder look-up.
 */
export function tokenErrorField(err: unknown): TokenField | null {
  if (!(err instanceof ClientError)) return null
  if (err.code === 'folder_not_found') return 'path'
  const field = err.details.field
  if (typeof field !== 'string') return null
  if (field === 'path' || field === 'folderId' || field.startsWith('grants')) return 'path'
  if (field === 'name') return 'name'
  if (field === 'expiresInSeconds') return 'expires'
  if (field === 'includeSubfolders') return 'subfolders'
  if (field === 'stage') return 'stage'
  return null
}

/** A sentence for a refused create or revoke; for a field, without the field's name in front. */
export function tokenErrorMessage(err: unknown): string {
  if (!(err instanceof ClientError)) return vaultErrorMessage(err)
  const field = tokenErrorField(err)
  if (err.code === 'conflict' && field === 'name')
    return 'An active token already has this name. Choose another, or revoke that token first.'
  if (field === 'path' && (err.code === 'not_found' || err.code === 'folder_not_found'))
    return 'This folder no longer exists (changed in another window?). Reload and choose again.'
  if (err.code === 'invalid_input' && field) {
    const text = err.message.replace(/^[\w.]+: /, '')
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`
  }
  // The server's own sentence (a limit reached, a revoked token); the vault's conflict message is about secrets.
  if (err.code === 'conflict' || err.code === 'bad_input') return err.message
  return vaultErrorMessage(err)
}
