/** @module useNow: the current time as a ref that moves on, so relative times ("2 minutes ago") stay true on screen. */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/** Ticks every `intervalMs` (default 30 s) while the component is mounted. */
export function useNow(intervalMs = 30_000): Ref<Date> {
  const now = ref(new Date())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => {
      now.value = new Date()
    }, intervalMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
