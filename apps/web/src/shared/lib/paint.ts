/** @module Lets the browser paint a progress message before synchronous work (Argon2id) blocks the thread. */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => void setTimeout(resolve, 0)
    // rAF never fires in a hidden tab, so a timer caps the wait.
    const cap = setTimeout(resolve, 100)
    if (typeof requestAnimationFrame === 'function') {
      requestAnimationFrame(() => {
        clearTimeout(cap)
        done()
      })
    }
  })
}
