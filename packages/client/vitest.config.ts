/** @module Vitest settings for the client: vault tests run real Argon2id at the keyring's floor, which takes a while on a busy 2-core machine. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: { environment: 'node', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
})
