/** @module PostgreSQL for the bench: a throwaway database per phase, its settings, and the counters that say where the time went. */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'

export interface BenchDatabase {
  /** DATABASE_URL for the servers under test. */
  url: string
  name: string
  /** `show synchronous_commit` as seen by a connection to this database. */
  synchronousCommit: string
  /** Backend pids connected to this database plus PostgreSQL's own processes (WAL writer...). */
  pids(): Promise<number[]>
  /** Transactions committed in this database so far (pg_stat_database, flushed about once a second). */
  commits(): Promise<number>
  /** WAL flushes to disk, cluster-wide (pg_stat_wal: other databases' commits count too). */
  walSyncs(): Promise<number>
  drop(): Promise<void>
}

export interface PostgresInfo {
  version: string
  walSyncMethod: string
  fsync: string
  commitDelay: string
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export async function postgresInfo(adminUrl: string): Promise<PostgresInfo> {
  return withClient(adminUrl, async (c) => {
    const show = async (name: string): Promise<string> =>
      String((await c.query(`show ${name}`)).rows[0]?.[name] ?? '?')
    return {
      version: await show('server_version'),
      walSyncMethod: await show('wal_sync_method'),
      fsync: await show('fsync'),
      commitDelay: await show('commit_delay'),
    }
  })
}

/**
 * Creates an empty database with a random name from the admin URL. synchronous_commit is set on
 * for it explicitly, so a server default of `off` cannot make the figures look better than durable
 * commits allow; the value read back is what the caller prints.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `ss_bench_${randomBytes(6).toString('hex')}`
  await withClient(adminUrl, async (c) => {
    await c.query(`create database ${name}`)
    await c.query(`alter database ${name} set synchronous_commit = on`)
  })
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const synchronousCommit = await withClient(url.toString(), async (c) =>
    String((await c.query('show synchronous_commit')).rows[0]?.synchronous_commit),
  )
  // One connection for the counters, so reading them does not open a backend per read.
  const stats = new pg.Client({ connectionString: adminUrl })
  await stats.connect()
  return {
    url: url.toString(),
    name,
    synchronousCommit,
    pids: async () =>
      (
        await stats.query<{ pid: number }>(
          "select pid from pg_stat_activity where (datname = $1 or backend_type <> 'client backend') and pid <> pg_backend_pid()",
          [name],
        )
      ).rows.map((r) => r.pid),
    commits: async () => {
      // A fresh snapshot: otherwise the stats collector's view is cached for the transaction.
      await stats.query('select pg_stat_clear_snapshot()')
      const { rows } = await stats.query<{ n: string }>(
        'select xact_commit as n from pg_stat_database where datname = $1',
        [name],
      )
      return Number(rows[0]?.n ?? Number.NaN)
    },
    walSyncs: async () => {
      await stats.query('select pg_stat_clear_snapshot()')
      const { rows } = await stats.query<{ n: string }>('select wal_sync as n from pg_stat_wal')
      return Number(rows[0]?.n ?? Number.NaN)
    },
    drop: async () => {
      await stats.end()
      await withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`))
    },
  }
}

/** CPU time (user + system) of one process in seconds, from /proc; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the full line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** Busy and total CPU seconds of the whole machine, all cores, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const ticks = line.trim().split(/\s+/).slice(1).map(Number)
    const total = ticks.reduce((a, b) => a + b, 0)
    // idle and iowait are fields 4 and 5.
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
    return { busy: (total - idle) / 100, total: total / 100 }
  } catch {
    return { busy: Number.NaN, total: Number.NaN }
  }
}

/** Sum and count of a Prometheus histogram or summary in a /metrics text. */
export function histogramTotals(text: string, name: string): { sum: number; count: number } {
  const value = (suffix: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}_${suffix} `))
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN
  }
  return { sum: value('sum'), count: value('count') }
}
