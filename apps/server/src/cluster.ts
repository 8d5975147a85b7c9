/**
 * @module WORKERS > 1: one primary process forks that many HTTP workers (node:cluster) sharing
 * the listening socket. Loaded only then, so a single-process server pays nothing for it.
 */
import type { Cluster, Worker } from 'node:cluster'
import type { Config } from './config.ts'
import { createLogger, fileSink, type Logger } from './logger.ts'
import {
  MemoryRateLimitStore,
  STORE_DOWN_RETRY_AFTER_SECONDS,
  type RateDecision,
  type RateLimitStore,
} from './http/rate-limit.ts'
import type { StartServerOptions } from './server.ts'
import { WORKER_ROLE_ENV } from './worker-role.ts'

/**
 * 'lead' runs what must happen once per deployment: the migrations (before any other worker is
 * forked) and the expiry sweepers. 'follower' serves HTTP only.
 */
type Role = 'lead' | 'follower'

type ToPrimary = { ss: 'listening'; url: string } | { ss: 'ready' } | { ss: 'rl'; takes: Take[] }

/** One RateLimitStore.take: [id, key, limit, windowMs, now]. */
type Take = [number, string, number, number, number]

/** Decisions by take id: [id, allowed, retryAfterSeconds]. */
type ToWorker = { ss: 'rl'; decisions: [number, boolean, number][] }

function isMessage<T extends { ss: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { ss?: unknown }).ss === 'string'
}

function send(message: ToPrimary): void {
  process.send?.(message)
}

/**
 * The deployment's in-memory budgets live in the primary: with per-worker stores a client would
 * get WORKERS times its limit (the kernel spreads its connections over the workers).
 */
class PrimaryRateLimitStore implements RateLimitStore {
  #next = 0
  readonly #pending = new Map<number, (d: RateDecision) => void>()
  /** Takes of one event-loop turn go in one message: an IPC message per request costs more. */
  #outbox: Take[] = []

  constructor() {
    process.on('message', (m: unknown) => {
      if (!isMessage<ToWorker>(m) || m.ss !== 'rl') return
      for (const [id, allowed, retryAfterSeconds] of m.decisions) {
        this.#pending.get(id)?.({ allowed, retryAfterSeconds })
        this.#pending.delete(id)
      }
    })
    // The primary is gone (this worker is stopping): nothing can be checked, so nothing passes.
    process.on('disconnect', () => {
      for (const resolve of this.#pending.values())
        resolve({ allowed: false, retryAfterSeconds: STORE_DOWN_RETRY_AFTER_SECONDS })
      this.#pending.clear()
    })
  }

  take(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    if (!process.connected)
      return Promise.resolve({ allowed: false, retryAfterSeconds: STORE_DOWN_RETRY_AFTER_SECONDS })
    const id = this.#next++
    if (this.#outbox.length === 0)
      setImmediate(() => {
        const takes = this.#outbox
        this.#outbox = []
        if (process.connected) send({ ss: 'rl', takes })
      })
    this.#outbox.push([id, key, limit, windowMs, now])
    return new Promise((resolve) => this.#pending.set(id, resolve))
  }
}

/** A signal that came while this worker was still starting, before startServer's own handlers. */
let stopRequested: NodeJS.Signals | undefined
const remember = (signal: NodeJS.Signals) => (stopRequested ??= signal)

/**
 * What a forked worker adds to startServer's options: its role decides migrations and sweepers,
 * the URL goes to the primary (which prints it once), and rate limits are the primary's. The
 * primary stops workers with SIGTERM, which drains one exactly as it drains a single process.
 */
export function workerOptions(config: Config): StartServerOptions {
  const role: Role = process.env[WORKER_ROLE_ENV] === 'lead' ? 'lead' : 'follower'
  // Until startServer handles signals, SIGTERM must not kill a worker half started.
  process.on('SIGTERM', remember)
  process.on('SIGINT', remember)
  return {
    announce: (url) => send({ ss: 'listening', url }),
    ...(role === 'lead' ? {} : { migrate: async () => [], sweep: false }),
    ...(config.redisUrl ? {} : { rateLimitStore: new PrimaryRateLimitStore() }),
  }
}

/** Called by the entry point once startServer returned in a worker. */
export function attachWorker(running: {
  ready: Promise<void>
  stop(reason?: string): Promise<void>
}): void {
  process.off('SIGTERM', remember)
  process.off('SIGINT', remember)
  const stopAndExit = (reason: string) =>
    running.stop(reason).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  if (stopRequested) {
    void stopAndExit(stopRequested)
    return
  }
  // The primary died: no one would restart or stop this worker.
  if (!process.connected) {
    void stopAndExit('primary gone')
    return
  }
  process.on('disconnect', () => void stopAndExit('primary gone'))
  running.ready.then(
    () => send({ ss: 'ready' }),
    () => {},
  )
}

export interface PrimaryOptions {
  /** Told the address once, when the first worker listens; default prints "SecretSentry listening on URL". */
  announce?: (url: string) => void
  logger?: Logger
  /**
   * What a worker runs: the script and its arguments (default: this process's own, as
   * node:cluster does). The single executable passes its command line without the script.
   */
  exec?: { exec: string; args: string[] }
}

export interface RunningPrimary {
  url: Promise<string>
  /** Resolves once every worker is ready; rejects if one failed to start (all are then stopped). */
  ready: Promise<void>
  /** Resolves with the exit code once every worker has exited after stop(). */
  stop(reason?: string): Promise<number>
  workers(): Worker[]
}

/** A replacement for a worker that died before becoming ready waits this long (no busy crash loop). */
const RESTART_BACKOFF_MS = 1000

/**
 * Forks the lead worker, waits for it to be ready (it listened and migrated), then forks the
 * rest. A worker that dies later is logged and replaced; one that fails during start-up fails
 * the start (its own error is already on stderr). SIGTERM/SIGINT: every worker drains, then
 * the process exits 0 (1 if one did not stop cleanly).
 */
export async function startPrimary(
  config: Config,
  options: PrimaryOptions & { handleSignals?: boolean } = {},
): Promise<RunningPrimary> {
  // Loaded here: a static import would be hoisted to the bundle's top and load for WORKERS=1
  // too, and import() of a built-in fails in the single executable (no dynamic import there).
  // At run time it is the cluster object itself (what require returns); the types say namespace.
  const cluster = process.getBuiltinModule('node:cluster') as unknown as Cluster
  const ownLogger = !options.logger
  const logger =
    options.logger ??
    createLogger({
      level: config.logLevel,
      ...(config.logFile ? { sink: fileSink(config.logFile) } : {}),
    })
  const announce =
    options.announce ?? ((u: string) => process.stdout.write(`SecretSentry listening on ${u}\n`))
  if (options.exec) cluster.setupPrimary({ exec: options.exec.exec, args: options.exec.args })
  const store = config.redisUrl ? undefined : new MemoryRateLimitStore()
  const roles = new Map<Worker, Role>()
  const ready = new Set<Worker>()
  let started = false
  let stopping: Promise<number> | undefined
  let failedExit = false
  let resolveUrl!: (url: string) => void
  const url = new Promise<string>((r) => (resolveUrl = r))
  let announced = false
  let resolveReady!: () => void
  let rejectReady!: (err: Error) => void
  const allReady = new Promise<void>((res, rej) => {
    resolveReady = res
    rejectReady = rej
  })
  allReady.catch(() => {})

  const fork = (role: Role): Worker => {
    const worker = cluster.fork({ [WORKER_ROLE_ENV]: role })
    roles.set(worker, role)
    worker.on('message', (m: unknown) => {
      if (!isMessage<ToPrimary>(m)) return
      if (m.ss === 'rl') {
        const decisions = m.takes.map(
          ([id, key, limit, windowMs, now]): [number, boolean, number] => {
            const d = store?.take(key, limit, windowMs, now) ?? {
              allowed: true,
              retryAfterSeconds: 0,
            }
            return [id, d.allowed, d.retryAfterSeconds]
          },
        )
        if (worker.isConnected()) worker.send({ ss: 'rl', decisions } satisfies ToWorker)
      } else if (m.ss === 'listening') {
        if (!announced) {
          announced = true
          resolveUrl(m.url)
          announce(m.url)
        }
      } else if (m.ss === 'ready') {
        ready.add(worker)
        logger.info('worker ready', { pid: worker.process.pid, role })
        if (!started && role === 'lead' && !stopping)
          for (let i = 1; i < config.workers; i++) fork('follower')
        if (!started && ready.size === config.workers) {
          started = true
          logger.info('workers ready', { workers: config.workers })
          resolveReady()
        }
      }
    })
    worker.on('exit', (code, signal) => {
      const wasReady = ready.delete(worker)
      roles.delete(worker)
      if (stopping) {
        // The exit code of the whole stop: did every worker drain cleanly? One still booting
        // (no handler yet) dies of the SIGTERM itself, having accepted nothing: that is clean.
        if (code !== 0 && !(signal === 'SIGTERM' && !wasReady)) failedExit = true
        return
      }
      if (!started) {
        // Start-up failed (port taken, migration failed, bad key file): the worker said why.
        rejectReady(new Error(`a worker failed to start (exit code ${code ?? signal})`))
        void stop('start-up failed')
        return
      }
      logger.error('worker exited', { pid: worker.process.pid, role, code, signal })
      const replace = () => {
        if (!stopping) fork(role)
      }
      if (wasReady) replace()
      else setTimeout(replace, RESTART_BACKOFF_MS).unref()
    })
    return worker
  }

  const stop = (reason = 'stop'): Promise<number> =>
    (stopping ??= (async () => {
      logger.info('shutting down', { signal: reason, workers: roles.size })
      const exits = [...roles.keys()].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve()
            w.once('exit', () => resolve())
            // Not a message: a worker still starting has no listener yet, but holds SIGTERM.
            w.process.kill('SIGTERM')
          }),
      )
      await Promise.all(exits)
      logger.info('stopped', { signal: reason })
      if (ownLogger) await logger.close()
      return failedExit ? 1 : 0
    })())

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      void stop(signal).then((code) => process.exit(code))
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  }

  fork('lead')
  return { url, ready: allReady, stop, workers: () => [...roles.keys()] }
}
