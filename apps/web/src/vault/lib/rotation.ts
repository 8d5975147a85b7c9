/**
 * @module The words for a secret's rotation state, from the client's one staleness rule
 * (@secretsentry/client/vault `staleness`): the list badge, the secret page and the Account page
 * say the same thing.
 */
import { formatDays, ROTATION_LIMITS, staleness } from '@secretsentry/client/vault'
import type { SecretSummary, Staleness } from '@secretsentry/client/vault'

export { formatDays, staleness }

export const ROTATION_DEFAULT_DAYS = ROTATION_LIMITS.defaultMaxAgeDays
export type { Staleness }

/** "interval 30 days", or "no interval: 90 days" for a secret without one. */
export function limitWords(s: Pick<Staleness, 'limit' | 'limitDays'>): string {
  return s.limit === 'interval'
    ? `interval ${formatDays(s.limitDays)}`
    : `no interval: ${formatDays(ROTATION_LIMITS.defaultMaxAgeDays)}`
}

/** "40 days old, interval 30 days": what the badge says after "Rotate". */
export function staleWords(s: Staleness): string {
  return `${formatDays(s.ageDays)} old, ${limitWords(s)}`
}

/** The secrets whose current value is due for rotation at `now`, oldest first. */
export function staleItems<T extends { summary: SecretSummary }>(
  items: readonly T[],
  now: number,
): { item: T; staleness: Staleness }[] {
  return items
    .flatMap((item) => {
      const s = staleness(item.summary, now)
      return s?.stale ? [{ item, staleness: s }] : []
    })
    .sort((a, b) => b.staleness.ageDays - a.staleness.ageDays)
}
