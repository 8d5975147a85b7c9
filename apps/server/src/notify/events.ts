/**
 * @module The notifications SecretSentry sends (issue 12). Every event is `{type, id, timestamp,
 * data}`; `data` holds counts, names and reasons only, never secret material, links or keys.
 */
import crypto from 'node:crypto'
import { isoTime } from '../iso-time.ts'

/** A share's ending as its receipt tells it (issue 12): facts and times, never the secret, link or key. */
export interface ShareEndedData {
  /** The share id (derived from the link's seed, from which nothing can be derived back). */
  shareId: string
  how: 'read' | 'expired' | 'deleted' | 'destroyed'
  /** ISO 8601; for `expired`, the expiry. */
  endedAt: string
  createdAt: string
  /** The original expiry. */
  expiresAt: string
  maxViews: number
  /** When each view was consumed, oldest first. */
  opens: string[]
  /** The creator's label, only when they chose to send it. */
  label?: string
}

interface EventData {
  'alert.failed_access': { username: string; failures: number; windowMinutes: number }
  /** The daily digest (stale-digest.ts): counts only, never a name, path or value. */
  'alert.stale_secrets': {
    username: string
    pastInterval: number
    olderThan90Days: number
    oldestDays: number
  }
  /** A log-in from a client (kind of app and network) this account had not logged in from. */
  'alert.new_login': { username: string; client: 'browser' | 'cli' | 'other' }
  /** A service token used from an address it had not been used from; the token's name only. */
  'alert.token_new_address': { username: string; token: string }
  'share.ended': ShareEndedData
  'webhook.failing': { username: string; failures: number; lastError: string }
  'webhook.test': { username: string }
  'email.test': { username: string }
}

export type NotificationType = keyof EventData

export type NotificationEvent = {
  [T in NotificationType]: {
    type: T
    /** "msg_" + 128 random bits: the same on every attempt, so receivers can drop repeats. */
    id: string
    /** ISO 8601, when the event happened. */
    timestamp: string
    data: EventData[T]
  }
}[NotificationType]

export type EventOf<T extends NotificationType> = Extract<NotificationEvent, { type: T }>

export function newEventId(): string {
  return `msg_${crypto.randomBytes(16).toString('base64url')}`
}

export function makeEvent<T extends NotificationType>(
  type: T,
  at: number,
  data: EventData[T],
): EventOf<T> {
  return { type, id: newEventId(), timestamp: isoTime(at), data } as EventOf<T>
}
