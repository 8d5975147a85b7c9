/**
 * @module Test helper for packages outside the server (the CLI's migrate-data tests): a fresh
 * PostgreSQL database with a random name, raw queries on it, and a forced drop at the end.
 */
import crypto from 'node:crypto'
import pg from 'pg'

export interface TestPgDatabase {
  name: string
  /** postgres:// URL of the new database (the admin URL with its path replaced). */
  url: string
  /** Raw SQL with $n placeholders, on a connection of its own. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>
  /** Drops it, even while connections remain. */
  drop(): Promise<void>
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Creates `${prefix}_<random>` through `adminUrl` (a role allowed to create databases). */
export async function createPgDatabase(
  adminUrl: string,
  prefix = 'ss_test',
): Promise<TestPgDatabase> {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`
  await withClient(adminUrl, (c) => c.query(`create database ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    query: <R>(text: string, params: readonly unknown[] = []) =>
      withClient(url.toString(), async (c) => (await c.query(text, [...params])).rows as R[]),
    drop: () =>
      withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  }
}
