/**
 * @module Vitest settings for the server: Node environment, tests beside the code. The suite
 * runs twice, on SQLite and on PostgreSQL (TEST_BACKEND picks it in test/test-app.ts); the
 * PostgreSQL run needs TEST_PG_URL and is left out, saying so, without it.
 */
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

const shared = {
  environment: 'node' as const,
  include: ['src/**/*.test.ts'],
  testTimeout: 20_000,
}

const SQLITE_ONLY = [
  'src/build.test.ts',
  'src/config.test.ts',
  'src/logger.test.ts',
  'src/main.test.ts',
  'src/server.test.ts',
  'src/static/asset-source.test.ts',
  'src/http/client-address.test.ts',
  'src/http/client-error.test.ts',
  'src/http/oversized-upload.test.ts',
  'src/audit/audit.test.ts',
  'src/db/database.test.ts',
  'src/db/wal-sync.test.ts',
  'src/db/wal-scrub.test.ts',
  'src/db/batch-sweeper.test.ts',
  'src/db/write-queue.test.ts',
  'src/db/migrate.test.ts',
  'src/db/postgres-version.test.ts',
]

const projects: TestProjectInlineConfiguration[] = [
  {
    test: {
      ...shared,
      name: 'sqlite',
      env: { TEST_BACKEND: 'sqlite' },
      // PostgreSQL itself: start-up, outages, two instances on one database.
      exclude: ['src/db/postgres.test.ts'],
    },
  },
]
if (process.env.TEST_PG_URL) {
  projects.push({
    test: {
      ...shared,
      name: 'postgres',
      env: { TEST_BACKEND: 'postgres' },
      // Unit tests that never open a database, and tests of SQLite itself (WAL, file
      // durability, the SQLite start-up path): one run, in the sqlite project, is all they need.
      exclude: SQLITE_ONLY,
      globalSetup: ['src/test/pg-setup.ts'],
    },
  })
} else {
  console.log(
    'postgres project skipped: TEST_PG_URL is unset (e.g. postgres://postgres@127.0.0.1:5432/test)',
  )
}

export default defineConfig({ test: { projects } })
