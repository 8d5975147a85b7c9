/**
 * @module When a secret is due for rotation (issue 11): the one rule the web app, the CLI and the
 * SDK show, and the server's daily digest counts (apps/server notify/stale-digest.ts).
 *
 * A secret is stale when its current version is at least its rotation interval old, or
 * ROTATION_LIMITS.defaultMaxAgeDays (90) old when it has none. The age counts from when the
 * current value was stored (a promoted pending value: from when it was set as pending).
 */
import { ROTATION_LIMITS } from '@secretsentry/contract/limits'
import type { SecretSummary } from '@secretsentry/contract/types'

export { ROTATION_LIMITS }

export const DAY_MS = 86_400_000

export interface Staleness {
  /** At least `limitDays` old. */
  stale: boolean
  /** Whole days since the current version was stored. */
  ageDays: number
  /** The secret's interval, or the 90-day default. */
  limitDays: number
  /** Whether `limitDays` is the secret's own interval or the default. */
  limit: 'interval' | 'default'
  /** When the current version was stored (ISO 8601). */
  since: string
}

/**
 * How old the current value is against its limit; null when the secret has no current version
 * (nothing to rotate). `now` in milliseconds since the epoch.
 */
export function staleness(
  summary: Pick<SecretSummary, 'versions' | 'rotationDays'>,
  now: number = Date.now(),
): Staleness | null {
  const current = summary.versions.find((v) => v.stages.includes('current'))
  if (!current) return null
  const stored = Date.parse(current.createdAt)
  if (!Number.isFinite(stored)) return null
  const own = summary.rotationDays ?? null
  const limitDays = own ?? ROTATION_LIMITS.defaultMaxAgeDays
  const age = Math.max(0, now - stored)
  return {
    stale: age >= limitDays * DAY_MS,
    ageDays: Math.floor(age / DAY_MS),
    limitDays,
    limit: own === null ? 'default' : 'interval',
    since: current.createdAt,
  }
}

export function isStale(
  summary: Pick<SecretSummary, 'versions' | 'rotationDays'>,
  now: number = Date.now(),
): boolean {
  return staleness(summary, now)?.stale ?? false
}

/** "30 days", "1 day": for messages that name an age or an interval. */
export function formatDays(days: number): string {
  return `${days} ${days === 1 ? 'day' : 'days'}`
}
