/** @module Per-address rate limits (SPEC §6): a store interface, an in-memory GCRA store, and the middleware. */
import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../errors.ts'

export interface RateDecision {
  allowed: boolean
  /** Whole seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number
}

/**
 * Where budgets live. In memory for one instance; a Redis implementation (the same GCRA in a
 * Lua script) shares them between instances (SPEC §7).
 */
export interface RateLimitStore {
  /** Spends one request of `limit` per `windowMs` for `key`. */
  take(
    key: string,
    limit: number,
    windowMs: number,
    now: number,
  ): RateDecision | Promise<RateDecision>
  /** False while a shared store cannot be reached (/readyz then answers 503); absent = always. */
  available?(): boolean
  close?(): Promise<void>
}

/**
 * GCRA (the generic cell rate algorithm): one timestamp per key, a burst of up to `limit`
 * requests, then one every windowMs/limit; Retry-After is exact, not a window boundary.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #tat = new Map<string, number>()
  readonly #maxKeys: number
  #lastPrune = 0

  /**
   * Security promise: memory stays bounded however many addresses call (a host with an IPv6
   * /48 has 65,536 /64 keys). Keys whose budget is full again are pruned once a window, and at
   * `maxKeys` the store prunes at once, then forgets the longest-idle keys.
   */
  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  take(key: string, limit: number, windowMs: number, now: number): RateDecision {
    this.#prune(now, windowMs)
    const interval = windowMs / limit
    const stored = this.#tat.get(key)
    const tat = Math.max(stored ?? now, now)
    const wait = tat + interval - now - windowMs
    if (wait > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) }
    if (stored === undefined && this.#tat.size >= this.#maxKeys) this.#makeRoom(now)
    // Re-inserted, so the Map's order is least recently allowed first.
    this.#tat.delete(key)
    this.#tat.set(key, tat + interval)
    return { allowed: true, retryAfterSeconds: 0 }
  }

  get size(): number {
    return this.#tat.size
  }

  #prune(now: number, windowMs: number) {
    if (now - this.#lastPrune < windowMs) return
    this.#lastPrune = now
    for (const [key, tat] of this.#tat) if (tat <= now) this.#tat.delete(key)
  }

  #makeRoom(now: number) {
    for (const [key, tat] of this.#tat) if (tat <= now) this.#tat.delete(key)
    // Still full: an address flood. Forget a tenth, least recently allowed first.
    if (this.#tat.size < this.#maxKeys) return
    let excess = this.#tat.size - Math.floor(this.#maxKeys * 0.9)
    for (const key of this.#tat.keys()) {
      if (excess-- <= 0) break
      this.#tat.delete(key)
    }
  }
}

/**
 * Buckets whose limits bound password guessing: login and password change, per address, per
 * account and address, and per account. While the shared store cannot be reached they refuse
 * (fail closed) instead of falling back to a per-instance budget.
 */
export function failsClosed(key: string): boolean {
  const bucket = key.slice(0, key.indexOf(':'))
  return /^(login|password)(-account(-address)?)?$/.test(bucket)
}

/** Seconds a client refused while the shared store is unreachable is asked to wait. */
export const STORE_DOWN_RETRY_AFTER_SECONDS = 5

/**
 * A shared store (Redis) with a per-instance MemoryRateLimitStore behind it, for the moments
 * the shared one fails (unreachable, or slower than its command timeout).
 *
 * Security promise (no unlimited guessing while the limiter is blind): a login or password
 * change whose budget cannot be checked is refused with 503 and Retry-After, never let
 * through. Spread over instances and their restarts, per-instance budgets would multiply the
 * bound on guesses at a password; a Redis outage instead pauses new logins (sessions already
 * open keep working).
 * Every other bucket (share create/open/manage, prelogin, register, vault writes) fails open to
 * the per-instance budget: those limits bound load, not secrecy (a share's access value is
 * guarded by its wrong-access count in the database), so an outage of Redis degrades them to
 * "per instance" instead of taking sharing and the vault down with it.
 */
export class FailoverRateLimitStore implements RateLimitStore {
  readonly #fallback = new MemoryRateLimitStore()
  readonly #shared: RateLimitStore
  readonly #onFailure: (bucket: string, outcome: 'refused' | 'fallback') => void

  constructor(
    shared: RateLimitStore,
    onFailure: (bucket: string, outcome: 'refused' | 'fallback') => void = () => {},
  ) {
    this.#shared = shared
    this.#onFailure = onFailure
  }

  async take(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    try {
      return await this.#shared.take(key, limit, windowMs, now)
    } catch {
      const bucket = key.slice(0, key.indexOf(':'))
      if (failsClosed(key)) {
        this.#onFailure(bucket, 'refused')
        throw new ApiError(
          503,
          'internal',
          'Logins are paused while the rate limiter is unreachable; try again shortly',
          { headers: { 'retry-after': String(STORE_DOWN_RETRY_AFTER_SECONDS) } },
        )
      }
      this.#onFailure(bucket, 'fallback')
      return this.#fallback.take(key, limit, windowMs, now)
    }
  }

  available(): boolean {
    return this.#shared.available?.() ?? true
  }

  async close(): Promise<void> {
    await this.#shared.close?.()
  }
}

export interface RateLimitOptions {
  store: RateLimitStore
  /** Separate budgets per bucket (create, open, manage). */
  bucket: string
  /** Requests per minute; 0 turns the limit off. */
  perMinute: number
  key: (c: Parameters<MiddlewareHandler>[0]) => string
  clock: () => number
  onLimited?: (bucket: string) => void
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { store, bucket, perMinute, clock } = options
  return async function rateLimit(c, next) {
    if (perMinute <= 0) return next()
    const decision = await store.take(`${bucket}:${options.key(c)}`, perMinute, 60_000, clock())
    if (!decision.allowed) {
      options.onLimited?.(bucket)
      throw new ApiError(429, 'rate_limited', 'Too many requests; try again later', {
        headers: { 'retry-after': String(decision.retryAfterSeconds) },
      })
    }
    return next()
  }
}
