/** @module Vitest settings for the single executable: unit tests beside the code, the binary's own suite in test/. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    // The binary suite builds the executable once (tens of seconds) before its first test.
    hookTimeout: 180_000,
  },
})
