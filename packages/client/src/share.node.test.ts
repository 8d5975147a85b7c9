/** The share client against the real server app (app.request, in-memory database): the wire shapes agree. */
import { makeTestApp } from '@secretsentry/server/test/test-app'
import { describe, expect, it } from 'vitest'
import { createShareClient } from './share.ts'
import type { FetchLike } from './http.ts'

const ORIGIN = 'https://secrets.example.test'

async function setup() {
  const t = await makeTestApp()
  const bodies: string[] = []
  const fetch: FetchLike = (url, init) => {
    if (init.body !== null) bodies.push(init.body)
    return t.call(url.slice(ORIGIN.length), init)
  }
  return { t, bodies, client: createShareClient({ origin: ORIGIN, fetch }) }
}

describe('share client ↔ server', () => {
  it('create → status → open with passphrase (wrong, then right) → gone', async () => {
    const { client, bodies } = await setup()
    const made = await client.create(
      { kind: 'text', text: 'canary-node-91c2' },
      { ttlSeconds: 600, maxViews: 1, passphrase: 'pass phrase' },
    )
    expect(made.link.startsWith(`${ORIGIN}/s#`)).toBe(true)
    await expect(client.status(made.id, made.manageToken)).resolves.toMatchObject({
      id: made.id,
      viewsLeft: 1,
      maxViews: 1,
    })
    const wrong = await client.open(made.link, { passphrase: 'nope' }).catch((e: unknown) => e)
    expect(wrong).toMatchObject({ code: 'wrong_access', status: 403 })
    expect((wrong as { attemptsLeft: number }).attemptsLeft).toBeGreaterThan(0)
    const opened = await client.open(made.link, { passphrase: 'pass phrase' })
    expect(opened.record).toEqual({ kind: 'text', text: 'canary-node-91c2' })
    expect(opened.viewsLeft).toBe(0)
    await expect(client.open(made.link, { passphrase: 'pass phrase' })).rejects.toMatchObject({
      code: 'not_found',
    })
    for (const body of bodies) {
      expect(body).not.toContain('canary-node-91c2')
      expect(body).not.toContain('pass phrase')
      expect(body).not.toContain(made.fragment.split('.')[1])
    }
  })

  it('delete with the manage token; a wrong token is unauthorized', async () => {
    const { client } = await setup()
    const made = await client.create({ kind: 'text', text: 'x' }, { ttlSeconds: 600, maxViews: 3 })
    await expect(client.delete(made.id, 'not-the-token')).rejects.toMatchObject({ status: 401 })
    await client.delete(made.id, made.manageToken)
    // The receipt outlives the share: its manage token still learns how it ended, nothing more.
    expect(await client.status(made.id, made.manageToken)).toMatchObject({
      state: 'deleted',
      viewsLeft: 0,
    })
    await expect(client.delete(made.id, made.manageToken)).rejects.toMatchObject({
      code: 'not_found',
    })
  })
})
