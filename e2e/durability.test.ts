/** @module SPEC §7: an acknowledged secret survives kill -9, including writes acknowledged in the middle of a burst. */
import { afterAll, describe, expect, it } from 'vitest'
import { createTextShare, openShare, shareStatus, type CreatedShare } from './support/api.ts'
import { startServer, type RunningServer } from './support/server.ts'

const IN_FLIGHT = 50
const KILL_AFTER = 150

const servers: RunningServer[] = []

afterAll(async () => {
  // Restarted servers first: the data directory belongs to the first one.
  for (const s of [...servers].reverse()) await s.cleanup()
})

describe('durability', () => {
  it('every share acknowledged with 201 before kill -9 is there after a restart', async () => {
    const first = await startServer()
    servers.push(first)
    const acknowledged: { share: CreatedShare; text: string }[] = []
    let killed: Promise<unknown> | undefined
    let started = 0
    // Keep IN_FLIGHT creates going and kill the server mid-burst, right after the KILL_AFTER-th answer.
    const worker = async (): Promise<void> => {
      while (!killed) {
        const text = `durable ${started++}`
        try {
          const share = await createTextShare(first.origin, text)
          if (killed) return
          acknowledged.push({ share, text })
          if (acknowledged.length === KILL_AFTER) killed = first.crash()
        } catch {
          return // the kill cut this request off: it was never acknowledged
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    expect(await killed).toBe('SIGKILL')
    expect(acknowledged.length).toBe(KILL_AFTER)

    const second = await startServer({ dataDir: first.dataDir })
    servers.push(second)
    const missing: string[] = []
    for (const { share } of acknowledged) {
      const status = await shareStatus(second.origin, share.id, share.manageToken)
      if (status?.viewsLeft !== 1) missing.push(share.id)
    }
    expect(missing).toEqual([])
    // And they still decrypt: the stored bytes are intact, not just the rows.
    for (const { share, text } of acknowledged.slice(-5)) {
      const opened = await openShare(second.origin, share.fragment)
      expect(opened.ok && opened.record).toEqual({ kind: 'text', text })
    }
  })
})
