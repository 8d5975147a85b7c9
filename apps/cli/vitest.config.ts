/** @module Vitest settings for the CLI: Node environment, tests beside the code; most tests run real processes. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // Most tests start real processes (a server, the command); a loaded machine makes that slow.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
