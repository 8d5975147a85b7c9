/** @module Group commit: writes queued during one event-loop turn run in one transaction (SPEC §8). */
import { performance } from 'node:perf_hooks'
import type { Kysely, Transaction } from 'kysely'

/**
 * One unit of work inside a shared transaction. It must only touch the database (it may be
 * run twice: once in a batch that rolls back, once alone) and should return its outcome
 * rather than throw for expected refusals, so that it never spoils its neighbours' batch.
 */
export type WriteOp<DB, T> = (trx: Transaction<DB>) => Promise<T>

interface Pending<DB> {
  op: WriteOp<DB, unknown>
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

export interface WriteQueueOptions {
  /** Most operations per transaction; bounds how long one commit holds the writer. */
  maxBatch?: number
  /** Called after every durable batch with its size and BEGIN-to-durable time (for metrics). */
  onBatch?: (size: number, seconds: number) => void
  /**
   * Resolves when everything committed so far is on disk. Given, COMMIT itself need not wait for
   * the disk; the queue waits for this instead, without blocking the event loop.
   */
  durable?: () => Promise<void>
  /**
   * SQLite shared with other writer processes: a batch whose BEGIN found the write lock taken
   * (SQLITE_BUSY, nothing run yet) is retried without blocking, for up to BUSY_GIVE_UP_MS.
   */
  retryBusy?: boolean
}

/** Wait before retrying a transaction that found the write lock taken (SQLITE_BUSY at BEGIN). */
const BUSY_RETRY_MS = 1
/** As long as busy_timeout would have waited before failing the batch. */
const BUSY_GIVE_UP_MS = 5000

function isBusy(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_BUSY'
  )
}

export class WriteQueueClosedError extends Error {
  override readonly name = 'WriteQueueClosedError'
}

/**
 * Only Kysely's transaction API is used, so the same queue serves PostgreSQL: there, while
 * one batch is in flight the next one fills up, which is what makes group commit pay.
 */
export class WriteQueue<DB> {
  readonly #db: Kysely<DB>
  readonly #maxBatch: number
  readonly #onBatch: ((size: number, seconds: number) => void) | undefined
  readonly #durable: (() => Promise<void>) | undefined
  readonly #retryBusy: boolean
  #queue: Pending<DB>[] = []
  #scheduled = false
  #running = false
  #closed = false
  #idleWaiters: (() => void)[] = []

  constructor(db: Kysely<DB>, options: WriteQueueOptions = {}) {
    this.#db = db
    this.#maxBatch = options.maxBatch ?? 256
    this.#onBatch = options.onBatch
    this.#durable = options.durable
    this.#retryBusy = options.retryBusy ?? false
  }

  get pending(): number {
    return this.#queue.length
  }

  /** Resolves with the op's result only after its transaction has committed (is durable). */
  run<T>(op: WriteOp<DB, T>): Promise<T> {
    if (this.#closed) return Promise.reject(new WriteQueueClosedError('The write queue is closed'))
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, resolve: resolve as (value: unknown) => void, reject })
      this.#schedule()
    })
  }

  /** Resolves once every queued write has committed (or failed). */
  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #idle(): boolean {
    return !this.#running && this.#queue.length === 0
  }

  #wakeIfIdle() {
    if (!this.#idle()) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const wake of waiters) wake()
  }

  /** Refuses new writes and waits for the queued ones. */
  close(): Promise<void> {
    this.#closed = true
    return this.drain()
  }

  #schedule() {
    if (this.#scheduled || this.#running) return
    this.#scheduled = true
    // setImmediate runs after the poll phase, so every request read in this turn joins the batch.
    setImmediate(() => void this.#flush())
  }

  async #flush() {
    this.#scheduled = false
    this.#running = true
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch)
        await this.#runBatch(batch)
      }
    } finally {
      this.#running = false
      this.#wakeIfIdle()
    }
  }

  async #runBatch(batch: Pending<DB>[], busySince?: number): Promise<void> {
    let results: unknown[]
    const started = performance.now()
    let entered = false
    try {
      results = await this.#db.transaction().execute(async (trx) => {
        entered = true
        const out: unknown[] = []
        for (const item of batch) out.push(await item.op(trx))
        return out
      })
    } catch (err) {
      const since = busySince ?? started
      if (this.#retryBusy && !entered && isBusy(err) && started - since < BUSY_GIVE_UP_MS) {
        // Another process holds the write lock. Wait without blocking, then retry with whatever
        // arrived meanwhile: contention makes batches larger, not requests slower one by one.
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS))
        batch.push(...this.#queue.splice(0, this.#maxBatch - batch.length))
        return this.#runBatch(batch, since)
      }
      if (batch.length === 1) {
        batch[0]?.reject(err)
        return
      }
      // Something failed and the whole batch rolled back; run each alone so only the culprit fails.
      for (const item of batch) await this.#runBatch([item])
      return
    }
    if (this.#durable) {
      // Awaited, but off the event loop: requests keep arriving and form the next batch meanwhile.
      try {
        await this.#durable()
      } catch (err) {
        for (const item of batch) item.reject(err)
        return
      }
    }
    batch.forEach((item, i) => item.resolve(results[i]))
    try {
      this.#onBatch?.(batch.length, (performance.now() - started) / 1000)
    } catch {
      // Metrics must never fail or strand writes that are already durable.
    }
  }
}
