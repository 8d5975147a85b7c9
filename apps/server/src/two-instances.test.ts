/**
 * Consecutive requests of one user on different instances of one deployment (PostgreSQL):
 * sessions, CSRF tokens, the vault's check-and-set and logout hold across instances, since
 * all of them live in the database, none in an instance's memory.
 */
import type { LoginResponse } from '@secretsentry/contract/types'
import { afterEach, describe, expect, it } from 'vitest'
import { jsonInit, makeTestApp, TEST_BACKEND, type TestApp } from './test/test-app.ts'
import {
  createSecret,
  errorOf,
  KDF,
  rand,
  registerBody,
  registerUser,
  sealedBlob,
  wrapped,
} from './test/vault-fixtures.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function twoInstances(): Promise<[TestApp, TestApp]> {
  const a = await makeTestApp()
  const b = await makeTestApp({ sameDatabaseAs: a })
  cleanups.push(async () => {
    for (const t of [b, a]) {
      await t.close()
      await t.backend.close()
    }
  })
  return [a, b]
}

if (TEST_BACKEND !== 'postgres') {
  console.log(
    'two-instances.test.ts: several instances share PostgreSQL only; runs in the postgres project',
  )
}

describe.skipIf(TEST_BACKEND !== 'postgres')('one user, two instances', () => {
  it('a bearer session made on one instance works on the other, and a logout on either ends it on both', async () => {
    const [a, b] = await twoInstances()
    const user = await registerUser(a)
    const folder = { id: rand(16), wrappedKey: wrapped(), meta: rand(60) }
    expect((await b.call('/api/folders', jsonInit('POST', folder, user.auth))).status).toBe(201)
    expect((await a.call('/api/folders', { headers: user.auth })).status).toBe(200)
    expect((await b.call('/api/logout', { method: 'POST', headers: user.auth })).status).toBe(204)
    expect((await a.call('/api/folders', { headers: user.auth })).status).toBe(401)
  })

  it('a cookie session and its CSRF token from one instance are honoured by the other; a missing token is refused there too', async () => {
    const [a, b] = await twoInstances()
    const res = await a.call('/api/register', jsonInit('POST', registerBody('csrf-two')))
    expect(res.status).toBe(201)
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
    const { csrfToken } = (await res.json()) as LoginResponse
    const folder = () => ({ id: rand(16), wrappedKey: wrapped(), meta: rand(60) })
    const withToken = await b.call(
      '/api/folders',
      jsonInit('POST', folder(), { cookie, 'x-csrf-token': csrfToken as string }),
    )
    expect(withToken.status).toBe(201)
    const without = await b.call('/api/folders', jsonInit('POST', folder(), { cookie }))
    expect(without.status).toBe(403)
    expect(await errorOf(without)).toMatchObject({ code: 'csrf' })
  })

  it('an edit with a revision another instance already moved past is 409 and changes nothing', async () => {
    const [a, b] = await twoInstances()
    const user = await registerUser(a)
    const { body } = await createSecret(a, user)
    const meta = sealedBlob()
    const put = (t: TestApp, ciphertext: string) =>
      t.call(
        `/api/secrets/${body.id}`,
        jsonInit('PUT', { meta: { revision: 2, ciphertext } }, user.auth),
      )
    expect((await put(a, meta)).status).toBe(200)
    const stale = await put(b, sealedBlob())
    expect(stale.status).toBe(409)
    expect(await errorOf(stale)).toMatchObject({ code: 'conflict', field: 'meta.revision' })
    const read = await b.call(`/api/secrets/${body.id}`, { headers: user.auth })
    expect(await read.json()).toMatchObject({
      revision: 2,
      meta: { revision: 2, ciphertext: meta },
    })
  })

  it('of concurrent edits to one revision split over both instances, exactly one wins', async () => {
    const [a, b] = await twoInstances()
    const user = await registerUser(a)
    const { body } = await createSecret(a, user)
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b)
          .call(
            `/api/secrets/${body.id}`,
            jsonInit('PUT', { meta: { revision: 2, ciphertext: sealedBlob() } }, user.auth),
          )
          .then((r) => r.status),
      ),
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true)
  })

  it('password changes racing on two instances: one wins, the other is refused, and only the winner’s key logs in (10 rounds)', async () => {
    const [a, b] = await twoInstances()
    for (let round = 0; round < 10; round++) {
      const user = await registerUser(a)
      const change = () => ({
        authKey: user.authKey,
        newAuthKey: rand(32),
        newSalt: rand(16),
        newKdf: KDF,
        newWrappedUserKey: wrapped(),
      })
      const changes = [change(), change()]
      const answers = await Promise.all(
        [a, b].map((t, i) =>
          t.call('/api/account/password', jsonInit('POST', changes[i], user.auth)),
        ),
      )
      const statuses = answers.map((r) => r.status)
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      const won = statuses.indexOf(200)
      const login = (authKey: string | undefined) =>
        b.call(
          '/api/login',
          jsonInit('POST', { username: user.username, authKey, session: 'bearer' }),
          '203.0.113.9',
        )
      expect((await login(changes[won]?.newAuthKey)).status).toBe(200)
      expect((await login(changes[1 - won]?.newAuthKey)).status).toBe(401)
    }
  })

  it('one name registered at once on both instances: one account, the other request 409', async () => {
    const [a, b] = await twoInstances()
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? a : b)
          .call('/api/register', jsonInit('POST', registerBody('same-name')), `198.51.100.${i + 1}`)
          .then((r) => r.status),
      ),
    )
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409)).toBe(true)
    expect(await a.rows("select id from users where username = 'same-name'")).toHaveLength(1)
  })

  it('denied accesses spread over both instances at once raise one alert, not one per instance', async () => {
    const [a, b] = await twoInstances()
    const owner = await registerUser(a)
    const other = await registerUser(b)
    const { body } = await createSecret(a, owner)
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 === 0 ? a : b)
          .call(`/api/secrets/${body.id}`, { headers: other.auth })
          .then((r) => r.status),
      ),
    )
    expect(statuses.every((s) => s === 404)).toBe(true)
    const alerts = await a.rows(
      "select id from audit where event = 'alert' and user_id = ?",
      Buffer.from(owner.userId, 'base64url'),
    )
    expect(alerts).toHaveLength(1)
  })
})
