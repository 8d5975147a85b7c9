/**
 * @module WORKERS > 1 on SQLite: one writer for the hot writes. Workers hand each create and open
 * to the primary over the cluster's IPC channel; the primary runs them through one WriteQueue, so
 * all workers' requests share its group commits instead of taking turns on the write lock.
 */
import type { Worker } from 'node:cluster'
import type { Agent } from '../audit/account-audit.ts'
import {
  createShareOp,
  openShareOp,
  type CreateOutcome,
  type NewShare,
  type OpenOutcome,
  type ShareDeps,
  type ShareWriter,
} from '../share/share.service.ts'
import { WriteQueueClosedError, type WriteQueue } from './write-queue.ts'
import type { Database } from './database.ts'

type WriteRequest =
  | [id: number, op: 'c', share: NewShare, clientHash: string]
  | [id: number, op: 'o', shareId: Buffer, presented: Buffer, clientHash: string, agent: Agent]

/** [id, outcome] on success; [id, null, error code] when the write failed. */
type WriteReply = [id: number, outcome: CreateOutcome | OpenOutcome | null, code?: string]

export type ToWriter = { ss: 'w'; ops: WriteRequest[] }
type FromWriter = { ss: 'w'; replies: WriteReply[] }

/** The primary closed its queue: the worker answers 503 as it does while stopping itself. */
const CLOSED = 'WRITER_CLOSED'

/** A failed write as the worker sees it: SQLite's code survives, so 503 mapping still works. */
export class SharedWriteError extends Error {
  override readonly name = 'SharedWriteError'
  constructor(readonly code: string) {
    super(`shared write failed: ${code}`)
  }
}

function isReply(m: unknown): m is FromWriter {
  return typeof m === 'object' && m !== null && (m as { ss?: unknown }).ss === 'w'
}

/**
 * The worker's side. Requests of one event-loop turn travel in one message (a message per
 * request costs more than the request); answers come back batched the same way.
 */
export class RemoteShareWriter implements ShareWriter {
  #next = 0
  readonly #pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>()
  #outbox: WriteRequest[] = []

  constructor() {
    process.on('message', (m: unknown) => {
      if (!isReply(m)) return
      for (const [id, outcome, code] of m.replies) {
        const p = this.#pending.get(id)
        if (!p) continue
        this.#pending.delete(id)
        if (outcome !== null) p.resolve(outcome as never)
        else
          p.reject(
            code === CLOSED
              ? new WriteQueueClosedError('The writer is closed')
              : new SharedWriteError(code ?? 'unknown'),
          )
      }
    })
    // The primary is gone: nothing can be committed, and nothing is acknowledged.
    process.on('disconnect', () => {
      for (const p of this.#pending.values()) p.reject(new WriteQueueClosedError('No writer'))
      this.#pending.clear()
    })
  }

  create(share: NewShare, clientHash: string): Promise<CreateOutcome> {
    return this.#send((id) => [id, 'c', share, clientHash])
  }

  open(id: Buffer, presented: Buffer, clientHash: string, agent: Agent): Promise<OpenOutcome> {
    return this.#send((n) => [n, 'o', id, presented, clientHash, agent])
  }

  #send<T>(request: (id: number) => WriteRequest): Promise<T> {
    if (!process.connected) return Promise.reject(new WriteQueueClosedError('No writer'))
    const id = this.#next++
    if (this.#outbox.length === 0) setImmediate(() => this.#flush())
    this.#outbox.push(request(id))
    return new Promise<T>((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: never) => void, reject }),
    )
  }

  #flush() {
    const ops = this.#outbox
    this.#outbox = []
    if (process.connected) process.send?.({ ss: 'w', ops } satisfies ToWriter)
    else
      for (const [id] of ops) this.#pending.get(id)?.reject(new WriteQueueClosedError('No writer'))
  }
}

export function isWriteRequest(m: unknown): m is ToWriter {
  return (
    typeof m === 'object' &&
    m !== null &&
    (m as { ss?: unknown }).ss === 'w' &&
    Array.isArray((m as { ops?: unknown }).ops)
  )
}

/**
 * The primary's side: runs each request as the same op a single process would queue, and
 * answers only once its batch is durable (the queue resolves after the WAL sync).
 */
export function shareWriteServer(
  queue: WriteQueue<Database>,
  deps: Pick<ShareDeps, 'clock' | 'events'>,
): (worker: Worker, message: ToWriter) => void {
  const outboxes = new Map<Worker, WriteReply[]>()
  const reply = (worker: Worker, r: WriteReply) => {
    const box = outboxes.get(worker)
    if (box) {
      box.push(r)
      return
    }
    const replies = [r]
    outboxes.set(worker, replies)
    // Every op of a batch settles in the same turn: one message per batch per worker.
    setImmediate(() => {
      outboxes.delete(worker)
      if (worker.isConnected()) worker.send({ ss: 'w', replies } satisfies FromWriter)
    })
  }
  return (worker, message) => {
    for (const request of message.ops) {
      const id = request[0]
      const op =
        request[1] === 'c'
          ? createShareOp(deps, request[2], request[3])
          : openShareOp(deps, request[2], request[3], request[4], request[5])
      queue.run<CreateOutcome | OpenOutcome>(op).then(
        (outcome) => reply(worker, [id, outcome]),
        (err: unknown) => {
          const code =
            err instanceof WriteQueueClosedError
              ? CLOSED
              : String((err as { code?: unknown } | null)?.code ?? 'unknown')
          reply(worker, [id, null, code])
        },
      )
    }
  }
}
