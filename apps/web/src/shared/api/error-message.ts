/** @module Turns API and envelope failures into the short sentences the pages show. */
import { ClientError } from './share.api.ts'

/** The one message for unknown, expired and used-up shares: the server makes them indistinguishable, so do we. */
export const GONE_MESSAGE = "This secret doesn't exist, has expired, or has already been viewed."

export function waitMessage(seconds: number | undefined): string {
  if (seconds === undefined) return 'Too many requests. Please wait a minute and try again.'
  return `Too many requests. Try again in ${seconds} s.`
}

/** A sentence for any error a share API call can throw. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ClientError)) return 'Something went wrong. Please try again.'
  switch (err.code) {
    case 'network':
      return 'Could not reach the server. Check your connection and try again.'
    case 'rate_limited':
      return waitMessage(err.details.retryAfterSeconds)
    case 'payload_too_large':
      return 'This secret is too large for this server. Try shorter text or a smaller file.'
    case 'invalid_input':
      if (err.details.field === 'ttlSeconds')
        return 'This server does not keep secrets that long. Choose a shorter expiry.'
      return `The server rejected the request: ${err.message}`
    case 'not_found':
      return GONE_MESSAGE
    case 'unauthorized':
      return 'The server did not accept the token for this link.'
    case 'login_required':
      return 'This server accepts new secrets only from logged-in accounts. Log in, then try again.'
    case 'internal':
      return 'The server had a problem. Please try again in a moment.'
    case 'bad_response':
      return `The server sent an unexpected answer (HTTP ${err.status}). Please try again.`
    default:
      return err.message || 'Something went wrong. Please try again.'
  }
}
