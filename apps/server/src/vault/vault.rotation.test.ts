/** @module HTTP tests of a secret's rotation interval (issue 11): set on create, changed and cleared on update, in every summary, refused out of range naming the field. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SecretSummary, SecretsResponse } from '@secretsentry/contract/types'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  registerUser,
  sealedBlob,
  secretBody,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'

let t: TestApp
let alice: TestUser
beforeEach(async () => {
  t = await makeTestApp()
  alice = await registerUser(t, 'alice')
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  t.call(`/api/secrets/${id}`, jsonInit('PUT', body, { ...alice.auth, ...headers }))
const list = async () =>
  ((await (await t.call('/api/secrets', as(alice))).json()) as SecretsResponse).secrets
const details = async () =>
  (
    await t.rows<{ detail: string | null }>(
      "select detail from audit where user_id = ? and event like 'secret.%' and event <> 'secret.read' order by id",
      Buffer.from(alice.userId, 'base64url'),
    )
  ).map((r) => r.detail)

describe('rotation interval', () => {
  it('is null unless given, and set on create when given; every summary carries it with the current version’s time', async () => {
    const plain = await createSecret(t, alice)
    expect(plain.summary.rotationDays).toBeNull()
    const { summary } = await createSecret(
      t,
      alice,
      secretBody(alice.folderId, { rotationDays: 30 }),
    )
    expect(summary.rotationDays).toBe(30)
    expect(summary.versions).toEqual([
      expect.objectContaining({ version: 1, stages: ['current'], createdAt: expect.any(String) }),
    ])
    const listed = await list()
    expect(listed.find((s) => s.id === summary.id)?.rotationDays).toBe(30)
    expect(listed.find((s) => s.id === plain.summary.id)?.rotationDays).toBeNull()
    const read = await t.call(`/api/secrets/${summary.id}`, as(alice))
    expect(((await read.json()) as SecretSummary).rotationDays).toBe(30)
    expect(await details()).toEqual(['version 1', 'version 1; rotation every 30 days'])
    // The interval is the only rotation fact stored, as a plain number.
    const stored = await t.rows<{ rotation_days: number | null }>(
      'select rotation_days from secrets',
    )
    expect(stored.map((r) => r.rotation_days).sort()).toEqual([30, null])
  })

  it('changes alone or with a new value, clears with null, bumps the revision and is audited', async () => {
    const { summary } = await createSecret(t, alice)
    const set = await put(summary.id, { rotationDays: 90 }, { 'if-match': '"1"' })
    expect(set.status).toBe(200)
    const after = (await set.json()) as SecretSummary
    expect(after).toMatchObject({ rotationDays: 90, revision: 2 })
    expect(set.headers.get('etag')).toBe('"2"')

    const both = await put(summary.id, {
      value: { version: 2, wrappedKey: wrapped(), ciphertext: sealedBlob(40), stage: 'pending' },
      rotationDays: 7,
    })
    expect(((await both.json()) as SecretSummary).rotationDays).toBe(7)

    // A stale If-Match changes nothing, interval included.
    const stale = await put(summary.id, { rotationDays: 365 }, { 'if-match': '"1"' })
    expect(stale.status).toBe(409)
    expect((await list())[0]?.rotationDays).toBe(7)

    const cleared = await put(summary.id, { rotationDays: null })
    expect(((await cleared.json()) as SecretSummary).rotationDays).toBeNull()
    // Absent means unchanged.
    await put(summary.id, { meta: { revision: 2, ciphertext: sealedBlob() } })
    expect((await list())[0]?.rotationDays).toBeNull()
    expect(await details()).toEqual([
      'version 1',
      'rotation every 90 days',
      'version 2 (pending); rotation every 7 days',
      'no rotation interval',
      'meta revision 2',
    ])
  })

  it.each([0, -1, 3651, 1.5, '30', true])(
    'refuses %j naming rotationDays, on create and update, and changes nothing',
    async (bad) => {
      const created = await t.call(
        '/api/secrets',
        jsonInit('POST', { ...secretBody(alice.folderId), rotationDays: bad }, alice.auth),
      )
      expect(created.status).toBe(400)
      expect((await errorOf(created)).field).toBe('rotationDays')
      expect(await list()).toEqual([])

      const { summary } = await createSecret(
        t,
        alice,
        secretBody(alice.folderId, { rotationDays: 30 }),
      )
      const res = await put(summary.id, { rotationDays: bad })
      expect(res.status).toBe(400)
      expect((await errorOf(res)).field).toBe('rotationDays')
      expect(await list()).toEqual([expect.objectContaining({ revision: 1, rotationDays: 30 })])
    },
  )

  it('takes the bounds 1 and 3650', async () => {
    const { summary } = await createSecret(
      t,
      alice,
      secretBody(alice.folderId, { rotationDays: 1 }),
    )
    expect(summary.rotationDays).toBe(1)
    expect(
      ((await (await put(summary.id, { rotationDays: 3650 })).json()) as SecretSummary)
        .rotationDays,
    ).toBe(3650)
  })

  it('another account cannot change it: 404, as for any other change', async () => {
    const bob = await registerUser(t, 'bob')
    const { summary } = await createSecret(t, alice)
    const res = await t.call(
      `/api/secrets/${summary.id}`,
      jsonInit('PUT', { rotationDays: 1 }, bob.auth),
    )
    expect(res.status).toBe(404)
    expect((await list())[0]?.rotationDays).toBeNull()
  })
})
