/** @module useIdleLock: calls `onIdle` after `minutes` without keyboard, pointer, wheel or touch input. */
import { onScopeDispose, watch } from 'vue'
import type { Ref } from 'vue'

const ACTIVITY = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'] as const

/**
 * Security promise: an unattended unlocked vault locks itself. Time is measured from the last input
 * with Date.now() and checked on a short interval and whenever the tab becomes visible again, since
 * browsers throttle timers in background tabs (a single long setTimeout could fire hours late).
 */
export function useIdleLock(
  active: Ref<boolean>,
  minutes: Ref<number>,
  onIdle: () => void,
  now: () => number = Date.now,
): { touch(): void } {
  let last = now()
  let timer: ReturnType<typeof setInterval> | undefined

  const touch = (): void => {
    last = now()
  }
  const check = (): void => {
    if (active.value && now() - last >= minutes.value * 60_000) onIdle()
  }
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') check()
  }

  function start(): void {
    last = now()
    for (const type of ACTIVITY)
      window.addEventListener(type, touch, { passive: true, capture: true })
    document.addEventListener('visibilitychange', onVisible)
    timer = setInterval(check, 5_000)
  }
  function stop(): void {
    for (const type of ACTIVITY) window.removeEventListener(type, touch, { capture: true })
    document.removeEventListener('visibilitychange', onVisible)
    clearInterval(timer)
    timer = undefined
  }

  watch(
    active,
    (on) => {
      stop()
      if (on) start()
    },
    { immediate: true },
  )
  // A shorter setting applies at once, counted from the last input.
  watch(minutes, check)
  onScopeDispose(stop)
  return { touch }
}
