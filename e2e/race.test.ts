/** @module The burn is atomic (SPEC §6): many concurrent opens from several processes over real HTTP give exactly maxViews 200s. */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareOpen } from '@secretsentry/envelope'
import { createTextShare } from './support/api.ts'
import type { OpenOutcome, ParentMessage, WorkerMessage } from './support/race-worker.ts'
import { REPO_ROOT } from './support/paths.ts'
import { startServer, type RunningServer } from './support/server.ts'

const WORKERS = 5
const PER_WORKER = 10
const ONE_VIEW_ROUNDS = 30
const THREE_VIEW_ROUNDS = 10

class Worker {
  private waiting: ((m: WorkerMessage) => void) | undefined
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: WorkerMessage) => {
      const w = this.waiting
      this.waiting = undefined
      w?.(m)
    })
  }
  /** Sends a message and resolves with the worker's next reply. */
  ask(message: ParentMessage): Promise<WorkerMessage> {
    return new Promise((resolveReply, reject) => {
      const timer = setTimeout(() => reject(new Error('race worker did not answer')), 30_000)
      this.waiting = (m) => {
        clearTimeout(timer)
        resolveReply(m)
      }
      this.child.send(message)
    })
  }
}

let server: RunningServer
let workers: Worker[] = []

beforeAll(async () => {
  server = await startServer()
  const script = fileURLToPath(new URL('./support/race-worker.ts', import.meta.url))
  workers = Array.from(
    { length: WORKERS },
    () =>
      new Worker(
        fork(script, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
      ),
  )
})

afterAll(async () => {
  for (const w of workers) {
    if (w.child.connected) w.child.send({ type: 'exit' } satisfies ParentMessage)
  }
  await server?.cleanup()
})

/** Arms every worker with the same open request, then releases them together. */
async function race(origin: string, fragment: string): Promise<OpenOutcome[]> {
  const { id, access } = await prepareOpen(fragment)
  const url = `${origin}/api/share/${id}/open`
  const body = JSON.stringify({ access })
  const armed = await Promise.all(
    workers.map((w) => w.ask({ type: 'arm', url, body, count: PER_WORKER })),
  )
  expect(armed.every((m) => m.type === 'armed')).toBe(true)
  const replies = await Promise.all(workers.map((w) => w.ask({ type: 'go' })))
  const outcomes: OpenOutcome[] = []
  for (const reply of replies) {
    if (reply.type !== 'done') throw new Error(`race worker failed: ${JSON.stringify(reply)}`)
    outcomes.push(...reply.outcomes)
  }
  return outcomes
}

function tally(outcomes: OpenOutcome[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1
  return counts
}

describe('concurrent opens over real HTTP', () => {
  it('a 1-view share opened 50 times at once from 5 processes gives exactly one 200', async () => {
    for (let round = 0; round < ONE_VIEW_ROUNDS; round++) {
      const share = await createTextShare(server.origin, `race-1-${round}`, { maxViews: 1 })
      const outcomes = await race(server.origin, share.fragment)
      expect(outcomes).toHaveLength(WORKERS * PER_WORKER)
      expect(tally(outcomes), `round ${round}`).toEqual({ 200: 1, 404: WORKERS * PER_WORKER - 1 })
      expect(outcomes.find((o) => o.status === 200)?.viewsLeft).toBe(0)
      expect(outcomes.filter((o) => o.status === 404).every((o) => o.code === 'not_found')).toBe(
        true,
      )
    }
  })

  it('a 3-view share opened 50 times at once gives exactly three 200s with views left 2, 1, 0', async () => {
    for (let round = 0; round < THREE_VIEW_ROUNDS; round++) {
      const share = await createTextShare(server.origin, `race-3-${round}`, { maxViews: 3 })
      const outcomes = await race(server.origin, share.fragment)
      expect(tally(outcomes), `round ${round}`).toEqual({ 200: 3, 404: WORKERS * PER_WORKER - 3 })
      const left = outcomes
        .filter((o) => o.status === 200)
        .map((o) => o.viewsLeft)
        .sort()
      expect(left).toEqual([0, 1, 2])
    }
  })
})
