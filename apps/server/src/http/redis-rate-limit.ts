/**
 * @module RedisRateLimitStore: the GCRA of MemoryRateLimitStore in one Lua script on a Redis
 * every instance shares (REDIS_URL), so a deployment has one budget per key, not one per
 * instance. Imported only when REDIS_URL is set: without it ioredis is never loaded.
 */
import { Redis } from 'ioredis'
import type { RateDecision, RateLimitStore } from './rate-limit.ts'

/**
 * The same arithmetic as MemoryRateLimitStore.take, in IEEE doubles as JavaScript does it, so
 * both stores give the same answers. KEYS[1]: the key; ARGV: now, limit, windowMs. The TAT is
 * stored with 17 significant digits (a double round-trips exactly) and expires when the budget
 * is full again, so idle keys vanish by themselves. Returns {allowed, retryAfterSeconds}.
 */
const GCRA_SCRIPT = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[3]) / tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local stored = tonumber(redis.call('GET', KEYS[1]))
local tat = now
if stored ~= nil and stored > now then tat = stored end
local wait = tat + interval - now - window
if wait > 0 then return {0, math.max(1, math.ceil(wait / 1000))} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.17g', new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
return {1, 0}
`

type GcraClient = Redis & {
  secretsentryGcra(key: string, now: string, limit: string, windowMs: string): Promise<unknown>
}

export interface RedisRateLimitOptions {
  /** Put before every key; tests use a random one per run so reruns never share budgets. */
  prefix?: string
  /** A command not answered within this fails, so a request never hangs on a stalled Redis. */
  commandTimeoutMs?: number
  /** How long start-up waits for the first connection. */
  connectTimeoutMs?: number
  /** Told when the connection is lost or back (once per change, not per retry). */
  onStateChange?: (connected: boolean, reason?: string) => void
}

export const DEFAULT_REDIS_PREFIX = 'secretsentry:rl:'

/** Where a URL points, without its password, for messages and logs. */
export function redisTarget(url: string): string {
  const u = new URL(url)
  return `${u.protocol}//${u.hostname}:${u.port || '6379'}${u.pathname.length > 1 ? u.pathname : ''}`
}

export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError'
}

export class RedisRateLimitStore implements RateLimitStore {
  readonly #client: GcraClient
  readonly #prefix: string
  #closed = false

  private constructor(client: GcraClient, prefix: string) {
    this.#client = client
    this.#prefix = prefix
  }

  /**
   * Connects, or rejects with RedisUnreachableError (no stack trace worth showing) if the first
   * connection fails. After that, a lost connection is retried for ever in the background while
   * commands fail at once (no offline queue), so callers fall back or refuse without waiting.
   */
  static async connect(
    url: string,
    options: RedisRateLimitOptions = {},
  ): Promise<RedisRateLimitStore> {
    let connected = false
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 200,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      // Back soon after a restart, without hammering a Redis that is down.
      retryStrategy: (times) => Math.min(50 * times, 1000),
    }) as GcraClient
    client.defineCommand('secretsentryGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT })
    let lastError = 'unknown'
    // ioredis emits 'error' on every failed reconnect; without a listener it would crash the process.
    client.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err.code ?? err.message
      if (connected) {
        connected = false
        options.onStateChange?.(false, lastError)
      }
    })
    client.on('close', () => {
      if (connected) {
        connected = false
        options.onStateChange?.(false, 'connection closed')
      }
    })
    client.on('ready', () => {
      if (!connected) {
        connected = true
        options.onStateChange?.(true)
      }
    })
    try {
      await client.connect()
      await client.ping()
    } catch (err) {
      client.disconnect()
      const code = (err as NodeJS.ErrnoException).code ?? lastError
      throw new RedisUnreachableError(`cannot reach ${redisTarget(url)} (${code})`, { cause: err })
    }
    connected = true
    return new RedisRateLimitStore(client, options.prefix ?? DEFAULT_REDIS_PREFIX)
  }

  /**
   * One round trip (EVALSHA, then EVAL if Redis does not know the script yet) that reads,
   * decides and writes atomically: concurrent takes on any instance never overspend a budget.
   */
  async take(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const reply = await this.#client.secretsentryGcra(
      this.#prefix + key,
      String(now),
      String(limit),
      String(windowMs),
    )
    if (!Array.isArray(reply) || reply.length !== 2) throw new Error('unexpected reply from Redis')
    return { allowed: reply[0] === 1, retryAfterSeconds: Number(reply[1]) }
  }

  /** Connected and answering commands (the readiness check reads it). */
  available(): boolean {
    return !this.#closed && this.#client.status === 'ready'
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#client.quit().catch(() => this.#client.disconnect())
  }
}
