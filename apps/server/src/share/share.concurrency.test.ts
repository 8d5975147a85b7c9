/** @module The burn under concurrency: N simultaneous opens of a k-view share give exactly k answers 200. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createOk, makeTestApp, openInit, shareFixture, type TestApp } from '../test/test-app.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp()
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

async function openConcurrently(id: string, access: string, n: number): Promise<number[]> {
  const responses = await Promise.all(
    Array.from({ length: n }, () => t.call(`/api/share/${id}/open`, openInit(access))),
  )
  return responses.map((r) => r.status)
}

describe('concurrent opens', () => {
  it('N concurrent opens of a 1-view share give exactly one 200', async () => {
    const f = shareFixture({ maxViews: 1 })
    await createOk(t, f)
    const statuses = await openConcurrently(f.id, f.access, 64)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 404)).toHaveLength(63)
    const batches = (await t.metrics.writeBatchSize.get()).values.find((v) =>
      v.metricName?.endsWith('_count'),
    )
    // They really raced inside shared transactions, not one after another.
    expect(batches?.value).toBeLessThan(64)
  })

  it('N concurrent opens of a 3-view share give exactly three 200s', async () => {
    const f = shareFixture({ maxViews: 3 })
    await createOk(t, f)
    const statuses = await openConcurrently(f.id, f.access, 40)
    expect(statuses.filter((s) => s === 200)).toHaveLength(3)
    expect(statuses.filter((s) => s === 404)).toHaveLength(37)
  })

  it('concurrent creates with one id store it once', async () => {
    const f = shareFixture()
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.call('/api/share', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(f.body),
        }),
      ),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(19)
  })
})
