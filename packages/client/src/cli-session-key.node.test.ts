/** The session key calls against the real server app: set once, read back by the same bearer session, gone at logout. */
import { makeTestApp } from '@secretsentry/server/test/test-app'
import { describe, expect, it } from 'vitest'
import { getSessionKey, putSessionKey } from './cli-session-key.ts'
import type { FetchLike } from './http.ts'
import { createVaultClient } from './vault.ts'

const ORIGIN = 'https://secrets.example.test'

describe('session key ↔ server', () => {
  it('put → get returns the same 32 bytes; a second put is conflict; logout makes get unauthenticated', async () => {
    const t = await makeTestApp()
    const fetch: FetchLike = (url, init) => t.call(url.slice(ORIGIN.length), init)
    const vault = createVaultClient({ origin: ORIGIN, fetch, session: 'bearer' })
    const session = await vault.register('keyholder', 'a long enough password')
    session.lock()
    const token = vault.token() as string
    const key = crypto.getRandomValues(new Uint8Array(32))
    const conn = { origin: ORIGIN, fetch }
    await expect(getSessionKey(conn, token)).rejects.toMatchObject({ code: 'not_found' })
    await putSessionKey(conn, token, key)
    expect(await getSessionKey(conn, token)).toEqual(key)
    await expect(putSessionKey(conn, token, key)).rejects.toMatchObject({ code: 'conflict' })
    await expect(putSessionKey(conn, token, new Uint8Array(16))).rejects.toMatchObject({
      code: 'bad_input',
      details: { field: 'key' },
    })
    await vault.logout()
    await expect(getSessionKey(conn, token)).rejects.toMatchObject({ code: 'unauthenticated' })
    await t.close()
    await t.db.destroy()
  })
})
