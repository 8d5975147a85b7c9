/** @module Vitest settings for the keyring: Argon2id tests take seconds on a busy 2-core machine, so the timeout is generous. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
  },
})
