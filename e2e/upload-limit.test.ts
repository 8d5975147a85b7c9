/** @module An oversized upload from Chromium gets the server's 413 JSON, not a network error, from just over the limit to 100 MiB (the built server in its own process). */
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'

const MiB = 1_048_576

interface Outcome {
  status?: number
  body?: string
  error?: string
}

describe.skipIf(browserSkipReason !== null)('an oversized upload from the browser', () => {
  const suite = useServerAndBrowsers(['uploader'])

  /** POSTs `size` bytes from the page (a Blob built from 1 MiB parts, so nothing is copied 100 times over). */
  async function upload(size: number): Promise<Outcome> {
    const page = await suite.uploader.context.newPage()
    try {
      await page.goto(`${suite.server.origin}/`)
      return await page.evaluate(async (bytes: number) => {
        const part = new Uint8Array(1_048_576).fill(65)
        const parts: Uint8Array<ArrayBuffer>[] = []
        for (let left = bytes; left > 0; left -= part.length)
          parts.push(left >= part.length ? part : part.subarray(0, left))
        try {
          const res = await fetch('/api/share', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: new Blob(parts),
          })
          return { status: res.status, body: await res.text() }
        } catch (err) {
          return { error: String(err) }
        }
      }, size)
    } finally {
      await page.close()
    }
  }

  function limitOf(outcome: Outcome): number {
    expect(outcome.error).toBeUndefined()
    expect(outcome.status).toBe(413)
    const body = JSON.parse(outcome.body ?? '') as { error: { code: string; message: string } }
    expect(body.error.code).toBe('payload_too_large')
    return Number(/larger than (\d+) bytes/.exec(body.error.message)?.[1])
  }

  it('3 MiB, just over the limit and 100 MiB: the 413 arrives each time', async () => {
    const limit = limitOf(await upload(3 * MiB))
    expect(limit).toBeGreaterThan(MiB)
    for (let round = 0; round < 3; round++) limitOf(await upload(limit + 1))
    limitOf(await upload(100 * MiB))
  })
})
