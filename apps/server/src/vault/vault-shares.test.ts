/** @module Shares made from vault secrets: the POST /api/share body and rules, linked, listed with status, revocable, opens on the owner's trail. */
import crypto from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CreateShareResponse, VaultSharesResponse } from '@secretsentry/contract/types'
import {
  b64url,
  jsonInit,
  makeTestApp,
  openInit,
  shareFixture,
  type TestApp,
} from '../test/test-app.ts'
import { as, createSecret, errorOf, registerUser, type TestUser } from '../test/vault-fixtures.ts'

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

const trail = async () =>
  (await t.rows(
    'select event, result, share_id, secret_id, agent from audit where user_id = ? order by id',
    Buffer.from(alice.userId, 'base64url'),
  )) as {
    event: string
    result: string
    share_id: Buffer | null
    secret_id: Buffer | null
    agent: string | null
  }[]
const shares = async (secretId: string) => {
  const res = await t.call(`/api/secrets/${secretId}/shares`, as(alice))
  expect(res.status).toBe(200)
  return ((await res.json()) as VaultSharesResponse).shares
}
const shareOf = (secretId: string, body: unknown, query = '') =>
  t.call(`/api/secrets/${secretId}/share${query}`, jsonInit('POST', body, alice.auth))

describe('POST /api/secrets/:id/share', () => {
  it('creates an ordinary share (same answer as POST /api/share) that opens once, linked to the secret', async () => {
    const { body } = await createSecret(t, alice)
    const f = shareFixture({ maxViews: 1, ttlSeconds: 600 })
    const res = await shareOf(body.id, f.body)
    expect(res.status).toBe(201)
    const created = (await res.json()) as CreateShareResponse
    expect(created).toMatchObject({
      id: f.id,
      expiresAt: new Date(t.clock.now + 600_000).toISOString(),
    })
    expect(created.manageToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const [listed] = await shares(body.id)
    expect(listed).toEqual({
      id: f.id,
      version: 1,
      createdAt: new Date(t.clock.now).toISOString(),
      expiresAt: created.expiresAt,
      maxViews: 1,
      viewsLeft: 1,
      status: 'active',
      state: 'live',
      endedAt: null,
      opens: [],
    })
    expect((await trail()).at(-1)).toMatchObject({ event: 'secret.shared', result: 'ok' })

    t.clock.advance(1000)
    const open = await t.call(
      `/api/share/${f.id}/open`,
      {
        ...openInit(f.access),
        headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0' },
      },
      '203.0.113.7',
    )
    expect(open.status).toBe(200)
    expect((await open.json()) as { ciphertext: string }).toMatchObject({
      ciphertext: f.ciphertext,
    })
    const opened = (await trail()).at(-1)
    expect(opened).toMatchObject({ event: 'share.opened', result: 'ok' })
    expect(opened?.share_id).toEqual(Buffer.from(f.id, 'base64url'))
    expect(opened?.secret_id).toEqual(Buffer.from(body.id, 'base64url'))
    expect(opened?.agent).toBe('browser')
    const [used] = await shares(body.id)
    expect(used).toMatchObject({
      status: 'used',
      state: 'read',
      endedAt: new Date(t.clock.now).toISOString(),
      viewsLeft: null,
      opens: [new Date(t.clock.now).toISOString()],
    })
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
  })

  it('a wrong access value on a linked share is share.opened failed on the owner’s trail', async () => {
    const { body } = await createSecret(t, alice)
    const f = shareFixture()
    await shareOf(body.id, f.body)
    const wrong = await t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    expect(wrong.status).toBe(403)
    expect((await trail()).at(-1)).toMatchObject({ event: 'share.opened', result: 'failed' })
  })

  it('shares one chosen version with ?version=N; a version that does not exist is 404', async () => {
    const { body } = await createSecret(t, alice)
    expect((await shareOf(body.id, shareFixture().body, '?version=2')).status).toBe(404)
    expect((await shareOf(body.id, shareFixture().body, '?version=1')).status).toBe(201)
    expect((await shares(body.id))[0]?.version).toBe(1)
  })

  it('validates exactly like POST /api/share: unknown fields, bad policy and id reuse are refused', async () => {
    const { body } = await createSecret(t, alice)
    const extra = await shareOf(body.id, { ...shareFixture().body, secretName: 'x' })
    expect(extra.status).toBe(400)
    expect(await errorOf(extra)).toMatchObject({ field: 'secretName' })
    expect(
      await errorOf(await shareOf(body.id, shareFixture({ maxViews: 101 }).body)),
    ).toMatchObject({ field: 'maxViews' })
    const big = await shareOf(body.id, shareFixture({}, 5000).body)
    expect(big.status).toBe(413)
    const f = shareFixture()
    expect((await t.call('/api/share', jsonInit('POST', f.body))).status).toBe(201)
    const reused = await shareOf(body.id, f.body)
    expect(reused.status).toBe(409)
    expect(await shares(body.id)).toEqual([])
  })

  it('expired shares are listed as expired; deleted with the manage token as revoked', async () => {
    const { body } = await createSecret(t, alice)
    const short = shareFixture({ ttlSeconds: 300, maxViews: 2 })
    await shareOf(body.id, short.body)
    const managed = shareFixture({ ttlSeconds: 3600 })
    const { manageToken } = (await (
      await shareOf(body.id, managed.body)
    ).json()) as CreateShareResponse
    const del = await t.call(`/api/share/${managed.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${manageToken}` },
    })
    expect(del.status).toBe(204)
    t.clock.advance(301_000)
    await t.sweeper.runOnce()
    const byId = Object.fromEntries((await shares(body.id)).map((s) => [s.id, s.status]))
    expect(byId).toEqual({ [short.id]: 'expired', [managed.id]: 'revoked' })
    const states = Object.fromEntries((await shares(body.id)).map((s) => [s.id, s.state]))
    expect(states).toEqual({ [short.id]: 'expired', [managed.id]: 'deleted' })
  })

  it('tells a share destroyed by wrong tries from one read, with and without its receipt', async () => {
    const { body } = await createSecret(t, alice)
    const read = shareFixture({ ttlSeconds: 300 })
    const destroyed = shareFixture({ ttlSeconds: 300 })
    await shareOf(body.id, read.body)
    await shareOf(body.id, destroyed.body)
    await t.call(`/api/share/${read.id}/open`, openInit(read.access))
    const readAt = t.clock.now
    t.clock.advance(1000)
    for (let i = 0; i < 5; i++)
      await t.call(`/api/share/${destroyed.id}/open`, openInit(b64url(crypto.randomBytes(32))))
    const list = async () =>
      Object.fromEntries((await shares(body.id)).map((s) => [s.id, [s.state, s.endedAt]]))
    expect(await list()).toEqual({
      [read.id]: ['read', new Date(readAt).toISOString()],
      [destroyed.id]: ['destroyed', new Date(t.clock.now).toISOString()],
    })
    // Receipts swept at the original expiry: the link row tells a read share by its opens,
    // but a destroyed one now looks expired (as `status` always said).
    t.clock.advance(300_000)
    await t.sweeper.runOnce()
    expect((await t.rows('select id from share_tombstones')).length).toBe(0)
    expect(await list()).toEqual({
      [read.id]: ['read', new Date(readAt).toISOString()],
      [destroyed.id]: ['expired', new Date(readAt + 300_000).toISOString()],
    })
  })
})

describe('DELETE /api/secrets/:id/shares/:shareId', () => {
  it('revokes: the share row and its ciphertext are gone, status revoked, audited', async () => {
    const { body } = await createSecret(t, alice)
    const f = shareFixture({ maxViews: 3 })
    await shareOf(body.id, f.body)
    const res = await t.call(`/api/secrets/${body.id}/shares/${f.id}`, as(alice, 'DELETE'))
    expect(res.status).toBe(204)
    expect(((await t.rows('select count(*) as n from shares'))[0] as { n: number }).n).toBe(0)
    expect((await shares(body.id))[0]).toMatchObject({
      status: 'revoked',
      state: 'deleted',
      endedAt: new Date(t.clock.now).toISOString(),
      viewsLeft: null,
    })
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
    expect((await trail()).at(-1)).toMatchObject({ event: 'share.revoked', result: 'ok' })
  })

  it('a share not made from this secret is 404', async () => {
    const a = await createSecret(t, alice)
    const b = await createSecret(t, alice)
    const f = shareFixture()
    await shareOf(a.body.id, f.body)
    expect(
      (await t.call(`/api/secrets/${b.body.id}/shares/${f.id}`, as(alice, 'DELETE'))).status,
    ).toBe(404)
    const plain = shareFixture()
    await t.call('/api/share', jsonInit('POST', plain.body))
    expect(
      (await t.call(`/api/secrets/${a.body.id}/shares/${plain.id}`, as(alice, 'DELETE'))).status,
    ).toBe(404)
    expect((await t.call(`/api/share/${plain.id}/open`, openInit(plain.access))).status).toBe(200)
  })

  it('deleting the secret revokes its live shares', async () => {
    const { body } = await createSecret(t, alice)
    const f = shareFixture()
    await shareOf(body.id, f.body)
    await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    expect((await t.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
    await t.call(`/api/secrets/${body.id}/restore`, as(alice, 'POST'))
    expect((await shares(body.id))[0]?.status).toBe('revoked')
  })
})
