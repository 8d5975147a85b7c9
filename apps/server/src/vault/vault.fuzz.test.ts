/** @module SPEC §6 for the account and vault API: garbage on every route never gives a 500 and never touches an existing secret. */
import crypto from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeTestApp, shareFixture, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  newId,
  registerBody,
  registerUser,
  sealedBlob,
  secretBody,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'
import { prng } from '../test/prng.ts'

let t: TestApp
let alice: TestUser
beforeEach(async () => {
  t = await makeTestApp({ config: { maxSecretBytes: 4096 } })
  alice = await registerUser(t, 'alice')
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

describe('vault fuzz', () => {
  it('garbage bodies, queries, headers and ids: never a 500, and the existing secret is untouched', async () => {
    const { body: live } = await createSecret(t, alice)
    const liveRows = async () =>
      JSON.stringify([
        await t.rows('select * from secrets where id = ?', Buffer.from(live.id, 'base64url')),
        await t.rows('select * from secret_versions'),
        await t.rows('select * from users where username = ?', 'alice'),
      ])
    const before = await liveRows()
    const r = prng(20261124)
    const values: unknown[] = [
      null,
      true,
      0,
      -1,
      1e308,
      2 ** 53 + 1,
      3.5,
      'x',
      [],
      {},
      '',
      '\u0000',
      '😀'.repeat(40),
      'a'.repeat(3000),
    ]
    const garbage = (): unknown =>
      r.next() < 0.5 ? r.pick(values) : crypto.randomBytes(r.int(64)).toString('latin1')
    const mutate = (obj: Record<string, unknown>): Record<string, unknown> => {
      const copy: Record<string, unknown> = { ...obj }
      const keys = Object.keys(copy)
      const choice = r.int(4)
      if (choice === 0) copy[r.pick(keys)] = garbage()
      else if (choice === 1) delete copy[r.pick(keys)]
      else if (choice === 2) copy[r.pick(['__proto__', 'constructor', 'extra', ''])] = garbage()
      else {
        const key = r.pick(keys)
        const inner = copy[key]
        copy[key] =
          inner && typeof inner === 'object' && !Array.isArray(inner)
            ? mutate(inner as Record<string, unknown>)
            : `${String(inner)}${r.pick(['=', '!', ' ', '+/'])}`
      }
      return copy
    }
    const body = (valid: Record<string, unknown>): string | Uint8Array => {
      const kind = r.int(5)
      if (kind === 0) return crypto.randomBytes(r.int(300))
      if (kind === 1) return JSON.stringify(garbage())
      if (kind === 2) return JSON.stringify(valid).slice(0, r.int(JSON.stringify(valid).length))
      return JSON.stringify(mutate(valid))
    }
    const ids = [
      live.id,
      newId(),
      'x',
      '',
      '..',
      '%2e%2e',
      'A'.repeat(23),
      'A'.repeat(2000),
      '%00',
      '😀',
      `${live.id}=`,
    ]
    const queries = [
      '',
      '?version=0',
      '?version=99999999999',
      '?stage=x',
      '?stage=previous&version=1',
      '?deleted=yes',
      '?purge=1',
      '?limit=-1',
      '?before=0',
      '?event=',
      '?x=1',
      '?version=1&version=2',
    ]
    const auths = [
      alice.auth.authorization,
      alice.auth.authorization,
      '',
      'Bearer',
      `Bearer ${alice.token.slice(1)}`,
      'Basic abc',
      'Bearer ' + 'A'.repeat(5000),
    ]
    const cookies = [
      '',
      '__Host-ss_session=',
      `__Host-ss_session=${alice.token}`,
      '__Host-ss_session=%%%',
      'a=b; __Host-ss_session=x',
    ]
    const routes: [string, (id: string) => string, Record<string, unknown> | null][] = [
      ['POST', () => '/api/prelogin', { username: 'alice' }],
      [
        'POST',
        () => '/api/register',
        registerBody('mallory') as unknown as Record<string, unknown>,
      ],
      [
        'POST',
        () => '/api/login',
        { username: 'alice', authKey: alice.authKey.slice(0, 42) + 'B' },
      ],
      ['POST', () => '/api/logout', null],
      ['GET', () => '/api/account', null],
      [
        'POST',
        () => '/api/account/password',
        {
          authKey: alice.authKey.slice(1),
          newAuthKey: alice.authKey,
          newSalt: newId(),
          newKdf: {},
          newWrappedUserKey: wrapped(),
        },
      ],
      ['POST', () => '/api/folders', { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(10) }],
      ['GET', () => '/api/secrets', null],
      ['POST', () => '/api/secrets', { ...secretBody(alice.folderId, { id: live.id }) }],
      ['GET', (id) => `/api/secrets/${id}`, null],
      [
        'PUT',
        (id) => `/api/secrets/${id}`,
        {
          meta: { revision: 3, ciphertext: sealedBlob() },
          value: { version: 3, wrappedKey: wrapped(), ciphertext: sealedBlob() },
        },
      ],
      ['DELETE', (id) => `/api/secrets/${id}`, null],
      ['POST', (id) => `/api/secrets/${id}/restore`, null],
      ['POST', (id) => `/api/secrets/${id}/share`, shareFixture().body],
      ['GET', (id) => `/api/secrets/${id}/shares`, null],
      ['DELETE', (id) => `/api/secrets/${id}/shares/${r.pick(ids)}`, null],
      ['GET', () => '/api/audit', null],
    ]

    let sent = 0
    for (let i = 0; i < 700; i++) {
      const [method, path, valid] = r.pick(routes)
      const id = r.pick(ids)
      const headers: Record<string, string> = {}
      const auth = r.pick(auths)
      if (auth) headers.authorization = auth
      const cookie = r.pick(cookies)
      if (cookie && r.next() < 0.3) headers.cookie = cookie
      if (r.next() < 0.3) headers['x-csrf-token'] = r.pick(['', 'x', 'A'.repeat(43)])
      if (r.next() < 0.2)
        headers['if-match'] = r.pick(['"1"', '"0"', '*', 'W/"1"', '""', '"1", "2"', '\u00ff'])
      if (r.next() < 0.1)
        headers.origin = r.pick(['null', 'https://evil.example', '%%%', 'http://127.0.0.1'])
      if (r.next() < 0.1) headers['user-agent'] = r.pick(['', 'curl/8', 'Mozilla/5.0', '\u0001'])
      if (valid)
        headers['content-type'] = r.pick([
          'application/json',
          'text/plain',
          'application/json; charset=utf-8',
        ])
      const url = `${path(id)}${r.next() < 0.3 ? r.pick(queries) : ''}`
      const init: RequestInit = { method, headers, ...(valid ? { body: body(valid) } : {}) }
      let request: Request
      try {
        request = new Request(new URL(url, 'http://127.0.0.1'), init)
      } catch {
        continue
      }
      // Never delete, purge or restore the live secret with a valid request: that is no garbage.
      if (
        method === 'DELETE' &&
        url.startsWith(`/api/secrets/${live.id}`) &&
        !url.includes('/shares/') &&
        auth === alice.auth.authorization
      )
        continue
      if (url.startsWith('/api/logout') && auth === alice.auth.authorization) continue
      const res = await t.app.request(request, undefined, {
        incoming: { socket: { remoteAddress: '192.0.2.201' } },
      })
      sent++
      expect(res.status, `${method} ${url} ${JSON.stringify(headers)}`).toBeLessThan(500)
      await res.arrayBuffer()
    }
    expect(sent).toBeGreaterThan(500)
    expect(await liveRows()).toBe(before)
    expect((await t.call(`/api/secrets/${live.id}`, as(alice))).status).toBe(200)
  })
})
