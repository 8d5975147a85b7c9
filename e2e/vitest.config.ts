/** @module Vitest project for the black-box suites: real built server, real Chromium, one file at a time. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['*.test.ts', 'support/**/*.test.ts'],
    globalSetup: ['./support/global-setup.ts'],
    // Each file starts its own server (and browsers); running them side by side on a 2-core
    // machine only makes them slower and noisier.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
})
