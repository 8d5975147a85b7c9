/** @module Vitest settings for the CLI: Node environment, tests beside the code; most tests run real processes. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
  },
})
