/** @module Marks for tests that only make sense on one backend (the suite runs on both; see vitest.config.ts). */
import { describe, it } from 'vitest'
import { TEST_BACKEND } from './test-app.ts'

/**
 * For tests about SQLite itself (WAL, file durability, backup, reading SQLite's handle): they
 * are skipped in the postgres project, and say so in the report.
 */
export const sqliteOnly = {
  it: it.skipIf(TEST_BACKEND !== 'sqlite'),
  describe: describe.skipIf(TEST_BACKEND !== 'sqlite'),
}

export const postgresOnly = {
  it: it.skipIf(TEST_BACKEND !== 'postgres'),
  describe: describe.skipIf(TEST_BACKEND !== 'postgres'),
}
