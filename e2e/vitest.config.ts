/** @module Vitest project for the black-box suites: real built server, real Chromium, one file at a time. */
import { defineConfig } from 'vitest/config'

const shared = {
  include: ['*.test.ts', 'support/**/*.test.ts'],
  globalSetup: ['./support/global-setup.ts'],
  // Each file starts its own server (and browsers); running them side by side on a 2-core
  // machine only makes them slower and noisier.
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 300_000,
  pool: 'forks' as const,
}

export default defineConfig({
  test: {
    // One project at a time as well: two servers under test at once would disturb each other.
    fileParallelism: false,
    projects: [
      // WORKERS=1 (support/server.ts): one server process, as every file was written for.
      { test: { ...shared, name: 'e2e' } },
      // Every file against a real server once more with two HTTP worker processes (WORKERS=2):
      // the race, rate limits, shutdown and crash must hold across processes too.
      {
        test: {
          ...shared,
          name: 'e2e-workers-2',
          exclude: ['support/**/*.test.ts'],
          env: { E2E_WORKERS: '2' },
        },
      },
    ],
  },
})
