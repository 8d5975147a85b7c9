/** @module scripts/vitest.config — tests of the repo tooling; fixtures are suites those tests run, not tests */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['**/*.test.mjs'],
    exclude: ['**/node_modules/**', '**/fixtures/**'],
    testTimeout: 60_000,
  },
})
