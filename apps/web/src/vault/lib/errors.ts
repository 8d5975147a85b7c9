/** @module The sentences the vault pages show for API, crypto and network failures. */
import { ClientError } from '../../shared/api/share.api.ts'
import { errorMessage, waitMessage } from '../../shared/api/error-message.ts'

/** The error code as a plain string (the vault adds codes the share API never sends). */
export function codeOf(err: unknown): string | null {
  if (err instanceof ClientError) return err.code
  if (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string'
  )
    return (err as { code: string }).code
  return null
}

export const CONFLICT_MESSAGE =
  'Someone else changed this secret since you opened it. Reload to see their changes, then edit again.'
export const WRONG_PASSWORD = 'Wrong username or master password.'
export const WRONG_UNLOCK_PASSWORD = 'Wrong master password.'
export const KDF_REFUSED =
  'The server asked for weaker key-derivation settings than this app accepts, so nothing was sent. The server may be misconfigured or tampered with.'
export const SESSION_ENDED = 'Your session has ended. Log in again.'

/** A sentence for any error a vault action can throw. */
export function vaultErrorMessage(err: unknown): string {
  const code = codeOf(err)
  switch (code) {
    case 'invalid_credentials':
      return WRONG_PASSWORD
    case 'decrypt_failed':
      return 'This item could not be decrypted with your keys: it was changed outside this app or belongs to another account.'
    case 'kdf_too_weak':
    case 'kdf_invalid':
      return KDF_REFUSED
    case 'kdf_downgrade':
      return 'The server asks for weaker protection of your master password than last time, so nothing was sent. This could mean the server was tampered with.'
    case 'username_taken':
      return 'That username is taken. Choose another one.'
    case 'account_disabled':
      return 'This account has been disabled by an administrator of this server. Ask them to enable it.'
    case 'registration_closed':
      return 'This server does not accept new accounts.'
    case 'invite_invalid':
      return 'This invite link is unknown, expired, revoked or used already. Ask for a new one.'
    case 'forbidden':
      return 'Only administrators of this server can do this.'
    case 'unauthenticated':
      return SESSION_ENDED
    case 'csrf':
      return 'The server refused this request as possibly forged. Reload the page and try again.'
    case 'conflict':
      return CONFLICT_MESSAGE
    case 'already_deleted':
      return 'This secret is already deleted.'
    case 'not_found':
      return 'This item no longer exists. It may have been deleted, purged or never existed.'
    case 'rate_limited':
      return waitMessage(err instanceof ClientError ? err.details.retryAfterSeconds : undefined)
    case 'folder_exists':
    case 'folder_not_found':
      return err instanceof ClientError ? err.message : 'No such folder.'
    case 'quota_exceeded':
      // The server's sentence says how much is used of how much, and how to make room.
      return err instanceof ClientError ? err.message : 'Your vault is full.'
    case 'invalid_input':
      return err instanceof ClientError
        ? `The server rejected the request${err.details.field ? ` (field “${err.details.field}”)` : ''}: ${err.message}`
        : 'The server rejected the request.'
    default:
      if (err instanceof ClientError) return errorMessage(err)
      if (err instanceof Error && err.message) return err.message
      return 'Something went wrong. Please try again.'
  }
}
