/** @module The one staleness rule: the interval when a secret has one, else 90 days, counted from the current version. */
import { describe, expect, it } from 'vitest'
import type { SecretSummary, SecretVersion } from '@secretsentry/contract/types'
import { DAY_MS, formatDays, isStale, staleness } from './rotation.ts'

const NOW = Date.UTC(2026, 5, 1)
const version = (n: number, ageDays: number, stages: SecretVersion['stages']): SecretVersion => ({
  version: n,
  size: 40,
  createdAt: new Date(NOW - ageDays * DAY_MS).toISOString(),
  restoredFrom: null,
  stages,
})
const secret = (
  rotationDays: number | null,
  versions: SecretVersion[],
): Pick<SecretSummary, 'versions' | 'rotationDays'> => ({ rotationDays, versions })

describe('staleness', () => {
  it('without an interval: stale from 90 days on', () => {
    expect(staleness(secret(null, [version(1, 89.9, ['current'])]), NOW)).toEqual({
      stale: false,
      ageDays: 89,
      limitDays: 90,
      limit: 'default',
      since: new Date(NOW - 89.9 * DAY_MS).toISOString(),
    })
    expect(staleness(secret(null, [version(1, 90, ['current'])]), NOW)).toMatchObject({
      stale: true,
      ageDays: 90,
    })
  })

  it('with an interval: stale once the current version is that old, shorter or longer than 90 days', () => {
    expect(isStale(secret(30, [version(1, 29, ['current'])]), NOW)).toBe(false)
    expect(staleness(secret(30, [version(1, 30, ['current'])]), NOW)).toMatchObject({
      stale: true,
      ageDays: 30,
      limitDays: 30,
      limit: 'interval',
    })
    // A longer interval is the owner's choice: 120 days old is fine for a yearly secret.
    expect(isStale(secret(365, [version(1, 120, ['current'])]), NOW)).toBe(false)
    expect(isStale(secret(1, [version(1, 1, ['current'])]), NOW)).toBe(true)
  })

  it('counts from the current version only: an old previous or a fresh pending one changes nothing', () => {
    const versions = [
      version(1, 400, ['previous']),
      version(2, 10, ['current']),
      version(3, 0, ['pending']),
    ]
    expect(staleness(secret(null, versions), NOW)).toMatchObject({ stale: false, ageDays: 10 })
    expect(isStale(secret(7, versions), NOW)).toBe(true)
  })

  it('no current version (or an unreadable time) is nothing to rotate; a clock behind the server is age 0', () => {
    expect(staleness(secret(30, [version(1, 100, ['pending'])]), NOW)).toBeNull()
    expect(staleness(secret(30, []), NOW)).toBeNull()
    expect(
      staleness(secret(30, [{ ...version(1, 0, ['current']), createdAt: 'nope' }]), NOW),
    ).toBeNull()
    expect(staleness(secret(1, [version(1, -2, ['current'])]), NOW)).toMatchObject({
      stale: false,
      ageDays: 0,
    })
  })

  it('formats days', () => {
    expect(formatDays(1)).toBe('1 day')
    expect(formatDays(30)).toBe('30 days')
  })
})
