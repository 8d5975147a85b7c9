/** @module The "Rotate" badge: shown exactly when the client's staleness rule says so, its age and interval in words a screen reader reads as shown. */
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { SecretSummary } from '@secretsentry/client/vault'
import RotationBadge from './RotationBadge.vue'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 5, 1)

function summary(rotationDays: number | null, ageDays: number): SecretSummary {
  const at = new Date(NOW - ageDays * DAY).toISOString()
  return {
    id: 'AAAAAAAAAAAAAAAAAAAAAA',
    folderId: 'AAAAAAAAAAAAAAAAAAAAAA',
    revision: 1,
    meta: { revision: 1, ciphertext: 'x' },
    versions: [{ version: 1, size: 1, createdAt: at, restoredFrom: null, stages: ['current'] }],
    rotationDays,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    purgeAt: null,
  }
}

const badge = (s: SecretSummary) => mount(RotationBadge, { props: { summary: s, now: NOW } })

describe('RotationBadge', () => {
  it('past its interval: "Rotate" with the age and the interval as text', () => {
    const w = badge(summary(30, 40))
    expect(w.find('.rotate-badge').text()).toBe('Rotate')
    expect(w.text()).toBe('Rotate due for rotation: 40 days old, interval 30 days')
    // Everything is text in the page (no aria-label, no title), so screen readers read it.
    expect(w.html()).not.toMatch(/aria-label|title=|aria-hidden/)
  })

  it('without an interval: from 90 days on, saying so', () => {
    expect(badge(summary(null, 89)).text()).toBe('')
    expect(badge(summary(null, 95)).text()).toBe(
      'Rotate due for rotation: 95 days old, no interval: 90 days',
    )
  })

  it('nothing within the interval, even past 90 days with a longer one', () => {
    expect(badge(summary(30, 29)).html()).not.toContain('Rotate')
    expect(badge(summary(365, 200)).html()).not.toContain('Rotate')
  })

  it('follows the clock it is given', async () => {
    const w = badge(summary(1, 0))
    expect(w.text()).toBe('')
    await w.setProps({ now: NOW + 2 * DAY })
    expect(w.text()).toContain('2 days old, interval 1 day')
  })
})
