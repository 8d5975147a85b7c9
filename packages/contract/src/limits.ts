/** @module Share policy limits shared by the server's validation and the web app's form (no zod, so the browser bundle stays small). */

export const SHARE_LIMITS = {
  /** SPEC §1.1: 5 minutes .. 30 days, default 3 days. */
  ttlMinSeconds: 300,
  ttlMaxSeconds: 30 * 24 * 3600,
  ttlDefaultSeconds: 3 * 24 * 3600,
  /** SPEC §1.1: 1 .. 100 views, default 1. */
  viewsMin: 1,
  viewsMax: 100,
  viewsDefault: 1,
  /** SPEC §4/§6: wrong `access` values before a share is destroyed. */
  maxFailedAttempts: 5,
  /** Byte lengths of the binary values on the wire (base64url, no padding). */
  idBytes: 16,
  accessBytes: 32,
  verifierBytes: 32,
  manageTokenBytes: 32,
} as const

/** The expiry choices the create form offers, shortest first. */
export const TTL_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 300, label: '5 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '1 day' },
  { seconds: 3 * 86400, label: '3 days' },
  { seconds: 7 * 86400, label: '7 days' },
  { seconds: 30 * 86400, label: '30 days' },
]

/** Length of the base64url (unpadded) text of `n` bytes. */
export function b64urlLength(n: number): number {
  return Math.ceil((n * 4) / 3)
}
