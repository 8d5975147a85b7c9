/** @module useClipboard: copy with "Copied" feedback, falling back to selecting the text for a manual copy. */
import { onScopeDispose, ref } from 'vue'
import type { Ref } from 'vue'

export interface Clipboard {
  /** True for a moment after a successful copy. */
  copied: Ref<boolean>
  /** True when the browser refused: the text is selected and the user should press Ctrl+C. */
  manual: Ref<boolean>
  copy(text: string, fallback?: HTMLInputElement | HTMLTextAreaElement | null): Promise<boolean>
}

export function useClipboard(feedbackMs = 2000): Clipboard {
  const copied = ref(false)
  const manual = ref(false)
  let timer: ReturnType<typeof setTimeout> | undefined

  async function copy(text: string, fallback?: HTMLInputElement | HTMLTextAreaElement | null) {
    clearTimeout(timer)
    try {
      if (!navigator.clipboard) throw new Error('no clipboard API')
      await navigator.clipboard.writeText(text)
      manual.value = false
      copied.value = true
      timer = setTimeout(() => (copied.value = false), feedbackMs)
      return true
    } catch {
      // Insecure context, permission denied or an old browser: let the user copy by hand.
      copied.value = false
      manual.value = true
      fallback?.focus()
      fallback?.select()
      return false
    }
  }

  onScopeDispose(() => clearTimeout(timer))
  return { copied, manual, copy }
}
