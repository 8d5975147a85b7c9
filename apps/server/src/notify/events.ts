/**
 * @module The notifications SecretSentry sends (issue 12). Every event is `{type, id, timestamp,
 * data}`; `data` holds counts, names and reasons only, never secret material, links or keys.
 */
import crypto from 'node:crypto'

interface EventData {
  'alert.failed_access': { username: string; failures: number; windowMinutes: number }
  /** The daily digest (stale-digest.ts): counts only, never a name, path or value. */
  'alert.stale_secrets': {
    username: string
    pastInterval: number
    olderThan90Days: number
    oldestDays: number
  }
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
  return { type, id: newEventId(), timestamp: new Date(at).toISOString(), data } as EventOf<T>
}
