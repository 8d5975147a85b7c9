/** @module The sweeper: deletes expired shares in bounded batches and audits each one. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSweeper } from './sweeper.ts'
import {
  createOk,
  makeTestApp,
  scrapeMetrics,
  shareFixture,
  type TestApp,
} from '../test/test-app.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp()
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const count = async (sqlText: string) => ((await t.rows(sqlText))[0] as { n: number }).n

describe('sweeper', () => {
  it('deletes only expired shares, in batches, with an audit row for each', async () => {
    for (let i = 0; i < 25; i++) await createOk(t, shareFixture({ ttlSeconds: 300 }))
    for (let i = 0; i < 3; i++) await createOk(t, shareFixture({ ttlSeconds: 3600 }))
    t.clock.advance(300_000)
    const sweeper = createSweeper({
      deps: { db: t.db, queue: t.queue, clock: () => t.clock.now },
      intervalSeconds: 60,
      batchSize: 10,
    })
    expect(await sweeper.runOnce()).toBe(10)
    expect(await count('select count(*) as n from shares')).toBe(18)
    expect(await sweeper.runOnce()).toBe(10)
    expect(await sweeper.runOnce()).toBe(5)
    expect(await sweeper.runOnce()).toBe(0)
    expect(await count('select count(*) as n from shares')).toBe(3)
    expect(
      await count(
        "select count(*) as n from audit where event = 'share_expired' and result = 'swept'",
      ),
    ).toBe(25)
    expect(
      await count(
        "select count(*) as n from audit where event = 'share_expired' and client_hash is not null",
      ),
    ).toBe(0)
  })

  it("the app's sweeper counts its runs and deletions in /metrics", async () => {
    await createOk(t, shareFixture({ ttlSeconds: 300 }))
    t.clock.advance(301_000)
    await t.sweeper.runOnce()
    const metrics = await scrapeMetrics(t)
    expect(metrics).toContain('secretsentry_sweeper_runs_total 1')
    expect(metrics).toContain('secretsentry_shares_expired_total{where="sweeper"} 1')
  })

  it('runs on its timer once started, and stops', async () => {
    await createOk(t, shareFixture({ ttlSeconds: 300 }))
    t.clock.advance(301_000)
    const deleted: number[] = []
    const sweeper = createSweeper({
      deps: { db: t.db, queue: t.queue, clock: () => t.clock.now },
      intervalSeconds: 0.01,
      onBatch: (n) => deleted.push(n),
    })
    sweeper.start()
    await expect.poll(() => deleted.length, { timeout: 2000 }).toBeGreaterThan(1)
    sweeper.stop()
    expect(deleted[0]).toBe(1)
    expect(await count('select count(*) as n from shares')).toBe(0)
  })
})
