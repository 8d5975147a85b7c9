/** @module The one Chromium that the browser tests and the bench launch: the system package through playwright-core, never a download. */
import { existsSync } from 'node:fs'

export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Launch options for `chromium.launch()` and `chromium.launchPersistentContext()`. */
export const CHROMIUM_LAUNCH = {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH)
}
