/** @module The server against the real client envelope: create, open and decrypt, passphrase, wrong passphrase. */
import { createShare, prepareOpen } from '@secretsentry/envelope'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp()
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

describe('envelope round trip through the API', () => {
  it('a text share made by the envelope opens and decrypts once, then is gone', async () => {
    const made = await createShare(
      { kind: 'text', text: 'canary 7f3a' },
      { ttlSeconds: 3600, maxViews: 1 },
    )
    expect((await t.call('/api/share', jsonInit('POST', made.request))).status).toBe(201)

    const opener = await prepareOpen(made.fragment)
    expect(opener.id).toBe(made.request.id)
    const res = await t.call(
      `/api/share/${opener.id}/open`,
      jsonInit('POST', { access: opener.access }),
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as { ciphertext: string; ttlSeconds: number; maxViews: number }
    expect(await opener.decrypt(body)).toEqual({ kind: 'text', text: 'canary 7f3a' })

    const again = await t.call(
      `/api/share/${opener.id}/open`,
      jsonInit('POST', { access: opener.access }),
    )
    expect(again.status).toBe(404)
  })

  it('a wrong passphrase yields a different access value: 403 with attempts left, the share survives', async () => {
    const made = await createShare(
      { kind: 'text', text: 'with passphrase' },
      { ttlSeconds: 3600, maxViews: 1, passphrase: 'correct horse' },
    )
    await t.call('/api/share', jsonInit('POST', made.request))
    const wrong = await prepareOpen(made.fragment, 'wrong horse')
    const denied = await t.call(
      `/api/share/${wrong.id}/open`,
      jsonInit('POST', { access: wrong.access }),
    )
    expect(denied.status).toBe(403)
    expect(((await denied.json()) as { error: { attemptsLeft: number } }).error.attemptsLeft).toBe(
      4,
    )

    const right = await prepareOpen(made.fragment, 'correct horse')
    const res = await t.call(
      `/api/share/${right.id}/open`,
      jsonInit('POST', { access: right.access }),
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as { ciphertext: string; ttlSeconds: number; maxViews: number }
    expect(await right.decrypt(body)).toEqual({ kind: 'text', text: 'with passphrase' })
  })
})
