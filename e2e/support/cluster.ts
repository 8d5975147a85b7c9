/**
 * @module One deployment of several real server processes on one PostgreSQL and one Redis
 * (TEST_PG_URL, TEST_REDIS_URL): a fresh database per cluster, dropped at the end; optional TCP
 * relays in front of both so a test can take them away; clients that act as different callers
 * or as a browser behind a load balancer.
 */
import crypto from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createShareClient, type FetchLike, type ShareClient } from '@secretsentry/client/share'
import { startServer, type RunningServer } from './server.ts'
import { startRelay, type TcpRelay } from './relay.ts'

const PG_URL = process.env.TEST_PG_URL
const REDIS_URL = process.env.TEST_REDIS_URL

/** Why the multi-instance suites are skipped, or null when PostgreSQL and Redis are given. */
export const clusterSkipReason: string | null =
  PG_URL && REDIS_URL
    ? null
    : `${PG_URL ? 'TEST_REDIS_URL' : REDIS_URL ? 'TEST_PG_URL' : 'TEST_PG_URL and TEST_REDIS_URL'} unset: multi-instance suites skipped (e.g. TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test TEST_REDIS_URL=redis://127.0.0.1:6379; .ci/run sets both)`
if (clusterSkipReason) console.log(`[e2e] ${clusterSkipReason}`)

export interface ClusterOptions {
  instances: number
  /** Environment of every instance, on top of startServer's defaults (RATE_LIMIT_PER_MIN=0). */
  env?: Record<string, string>
  /** Route PostgreSQL and Redis through relays the test can stop (cluster.pg / cluster.redis). */
  relays?: boolean
}

export interface Cluster {
  /** Every instance started, in order (killed ones stay listed). */
  readonly servers: RunningServer[]
  /** The relay in front of PostgreSQL, when asked for. */
  readonly pg: TcpRelay | undefined
  /** The relay in front of Redis, when asked for. */
  readonly redis: TcpRelay | undefined
  /** One more instance of the same deployment (database, Redis, server key), ready to serve. */
  addInstance(env?: Record<string, string>): Promise<RunningServer>
  /** Stops every instance (removing its directory), then the relays; drops the database and the key. */
  close(): Promise<void>
}

/** The same URL pointing at 127.0.0.1:port (a relay), credentials, database and options kept. */
function via(url: string, port: number): string {
  const u = new URL(url)
  u.hostname = '127.0.0.1'
  u.port = String(port)
  return u.toString()
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

/** Polls /readyz until 200: the process answers /healthz before its migrations ran. */
export async function waitReady(server: RunningServer, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const status = await fetch(`${server.origin}/readyz`).then(
      async (r) => (await r.arrayBuffer(), r.status),
      () => 0,
    )
    if (status === 200) return
    if (Date.now() > deadline) {
      const output = await readFile(server.outputFile, 'utf8').catch(() => '')
      throw new Error(
        `${server.origin} not ready (last ${status}); output:\n${output.slice(-4000)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!PG_URL || !REDIS_URL) throw new Error(clusterSkipReason ?? 'no cluster')
  // Its own database, so reruns and other suites never see these rows. Redis budgets are keyed
  // by client address: tests that count them use fresh addresses (randomClientAddress).
  const database = `ss_e2e_${crypto.randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`create database ${database}`))
  const pgTarget = new URL(PG_URL)
  pgTarget.pathname = `/${database}`
  const redisTarget = new URL(REDIS_URL)
  const root = await mkdtemp(join(tmpdir(), 'secretsentry-cluster-'))
  const servers: RunningServer[] = []
  let pgRelay: TcpRelay | undefined
  let redisRelay: TcpRelay | undefined

  const close = async () => {
    // Back first, so every instance can close its connections cleanly.
    await pgRelay?.start()
    await redisRelay?.start()
    await Promise.all(servers.map((s) => s.cleanup()))
    await pgRelay?.close()
    await redisRelay?.close()
    await admin((c) => c.query(`drop database if exists ${database} with (force)`))
    await rm(root, { recursive: true, force: true })
  }

  try {
    if (options.relays) {
      pgRelay = await startRelay(pgTarget.hostname, Number(pgTarget.port || 5432))
      redisRelay = await startRelay(redisTarget.hostname, Number(redisTarget.port || 6379))
    }
    const databaseUrl = pgRelay ? via(pgTarget.toString(), pgRelay.port) : pgTarget.toString()
    const redisUrl = redisRelay ? via(REDIS_URL, redisRelay.port) : REDIS_URL
    // Every instance on one database holds the same server key, or it refuses to serve.
    const serverKeyFile = join(root, 'server-key')
    await writeFile(serverKeyFile, crypto.randomBytes(32).toString('base64'), { mode: 0o600 })

    const addInstance = async (env: Record<string, string> = {}): Promise<RunningServer> => {
      const server = await startServer({
        env: {
          DATABASE_URL: databaseUrl,
          REDIS_URL: redisUrl,
          SERVER_KEY_FILE: serverKeyFile,
          ...options.env,
          ...env,
        },
      })
      servers.push(server)
      await waitReady(server)
      return server
    }

    // Together, as a deployment starts: the migrations run once (PostgreSQL advisory lock).
    await Promise.all(Array.from({ length: options.instances }, () => addInstance()))
    return { servers, pg: pgRelay, redis: redisRelay, addInstance, close }
  } catch (err) {
    await close().catch(() => {})
    throw err
  }
}

/**
 * A client address of its own, for X-Forwarded-For behind TRUST_PROXY=1: an IPv6 /64 of the
 * documentation prefix (rate limits key IPv6 per /64), so its budgets are fresh in Redis.
 */
export function randomClientAddress(): string {
  const [a, b, c] = crypto.randomBytes(6).toString('hex').match(/.{4}/g) ?? []
  return `2001:db8:${a}:${b}:${c}::1`
}

/** fetch as a caller at `address` (behind a trusted proxy); without one, a new caller per request. */
export function fetchAs(address?: string): FetchLike {
  return (url, init) =>
    fetch(url, {
      ...init,
      headers: { ...init.headers, 'x-forwarded-for': address ?? randomClientAddress() },
    })
}

export function shareClientAs(origin: string, address?: string): ShareClient {
  return createShareClient({ origin, fetch: fetchAs(address) })
}

export interface Balancer {
  /** The one origin the client talks to (the first instance's). */
  readonly origin: string
  /** A browser's fetch: keeps the session cookie, sends each request to the routed instance. */
  readonly fetch: FetchLike
  /** From now on requests reach this instance. */
  route(to: RunningServer): void
  /** The `name=value` of the session cookie, once the server set one. */
  cookie(): string | undefined
}

/**
 * A load balancer in front of the instances with a browser's cookie jar behind it: one origin,
 * and which instance answers is up to the test, as it would be up to a balancer (which also
 * adds X-Forwarded-For when `forwardedFor` is given).
 */
export function balancer(
  servers: readonly RunningServer[],
  options: { forwardedFor?: string } = {},
): Balancer {
  const first = servers[0]
  if (!first) throw new Error('no instance')
  let target = first
  let cookie: string | undefined
  return {
    origin: first.origin,
    route(to) {
      target = to
    },
    cookie: () => cookie,
    async fetch(url, init) {
      const u = new URL(url)
      const res = await fetch(`${target.origin}${u.pathname}${u.search}`, {
        ...init,
        headers: {
          ...init.headers,
          ...(cookie ? { cookie } : {}),
          ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
        },
      })
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';')[0]?.trim() ?? ''
        if (!pair.startsWith('__Host-ss_session=')) continue
        cookie = pair.endsWith('=') ? undefined : pair
      }
      return res
    },
  }
}
