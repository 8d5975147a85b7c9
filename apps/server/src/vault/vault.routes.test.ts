/** @module HTTP tests of the vault API: folders, secrets, versions and stages, check-and-set, delete/restore/purge, cross-account refusals. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditResponse, SecretSummary, SecretWithValue } from '@secretsentry/contract/types'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  newId,
  rand,
  registerUser,
  relogin,
  sealedBlob,
  secretBody,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'

let t: TestApp
let alice: TestUser
let bob: TestUser
beforeEach(async () => {
  t = await makeTestApp({ config: { maxSecretBytes: 4096 } })
  alice = await registerUser(t, 'alice')
  bob = await registerUser(t, 'bob')
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const count = async (sqlText: string, ...args: unknown[]) =>
  ((await t.rows(sqlText, ...args))[0] as { n: number }).n
const ownerEvents = async (user: TestUser) =>
  (await t.rows(
    'select event, result, detail from audit where user_id = ? order by id',
    Buffer.from(user.userId, 'base64url'),
  )) as {
    event: string
    result: string
    detail: string | null
  }[]
const get = (user: TestUser, path: string) => t.call(path, as(user))
const put = (user: TestUser, id: string, body: unknown, headers: Record<string, string> = {}) =>
  t.call(`/api/secrets/${id}`, jsonInit('PUT', body, { ...user.auth, ...headers }))
const valueOf = async (res: Response) => ((await res.json()) as SecretWithValue).value
const newValue = (version: number, extra: Record<string, unknown> = {}) => ({
  version,
  wrappedKey: wrapped(),
  ciphertext: sealedBlob(60),
  ...extra,
})
const stagesOf = (s: SecretSummary) =>
  Object.fromEntries(s.versions.map((v) => [v.version, v.stages.join(',')]))

describe('folders', () => {
  it('lists the first folder and creates more; an id in use is 409', async () => {
    const list = await get(alice, '/api/folders')
    expect(list.status).toBe(200)
    const { folders } = (await list.json()) as { folders: { id: string }[] }
    expect(folders.map((f) => f.id)).toEqual([alice.folderId])
    const body = { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(30) }
    const res = await t.call('/api/folders', jsonInit('POST', body, alice.auth))
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({
      ...body,
      parentId: null,
      revision: 1,
      createdAt: new Date(t.clock.now).toISOString(),
    })
    const again = await t.call(
      '/api/folders',
      jsonInit('POST', { ...body, wrappedKey: wrapped() }, bob.auth),
    )
    expect(again.status).toBe(409)
    expect(
      ((await (await get(bob, '/api/folders')).json()) as { folders: unknown[] }).folders,
    ).toHaveLength(1)
  })
})

describe('POST and GET /api/secrets', () => {
  it('creates a secret: meta revision 1, version 1 current; stores exactly the bytes sent', async () => {
    const body = secretBody(alice.folderId)
    const res = await t.call('/api/secrets', jsonInit('POST', body, alice.auth))
    expect(res.status).toBe(201)
    expect(res.headers.get('etag')).toBe('"1"')
    const summary = (await res.json()) as SecretSummary
    expect(summary).toMatchObject({
      id: body.id,
      folderId: alice.folderId,
      revision: 1,
      meta: { revision: 1, ciphertext: body.meta.ciphertext },
      versions: [
        {
          version: 1,
          size: Buffer.from(body.value.ciphertext, 'base64url').length,
          restoredFrom: null,
          stages: ['current'],
        },
      ],
      deletedAt: null,
      purgeAt: null,
    })
    const row = (await t.rows('select meta from secrets'))[0] as { meta: Buffer }
    expect(row.meta).toEqual(Buffer.from(body.meta.ciphertext, 'base64url'))
    const version = (
      await t.rows('select wrapped_key, ciphertext from secret_versions')
    )[0] as Record<string, Buffer>
    expect(version.wrapped_key).toEqual(Buffer.from(body.value.wrappedKey, 'base64url'))
    expect(version.ciphertext).toEqual(Buffer.from(body.value.ciphertext, 'base64url'))
    expect((await ownerEvents(alice)).at(-1)).toMatchObject({
      event: 'secret.created',
      result: 'ok',
    })
  })

  it('lists metadata only, never values or wrapped data keys, and only the caller’s', async () => {
    const a = await createSecret(t, alice)
    await createSecret(t, alice)
    await createSecret(t, bob)
    const res = await get(alice, '/api/secrets')
    expect(res.status).toBe(200)
    const text = await res.text()
    const { secrets } = JSON.parse(text) as { secrets: SecretSummary[] }
    expect(secrets).toHaveLength(2)
    expect(text).not.toContain(a.body.value.ciphertext)
    expect(text).not.toContain(a.body.value.wrappedKey)
    expect(secrets[0]).not.toHaveProperty('value')
  })

  it('gets the current value with its ETag and audits the read', async () => {
    const { body } = await createSecret(t, alice)
    const res = await get(alice, `/api/secrets/${body.id}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBe('"1"')
    expect(await valueOf(res)).toEqual({
      version: 1,
      ...body.value,
      createdAt: new Date(t.clock.now).toISOString(),
    })
    expect((await ownerEvents(alice)).at(-1)).toEqual({
      event: 'secret.read',
      result: 'ok',
      detail: 'version 1',
    })
  })

  it('an id in use is 409; a folder of another account is 404 naming folderId', async () => {
    const { body } = await createSecret(t, alice)
    const dup = await t.call(
      '/api/secrets',
      jsonInit('POST', secretBody(alice.folderId, { id: body.id }), alice.auth),
    )
    expect(dup.status).toBe(409)
    const foreign = await t.call(
      '/api/secrets',
      jsonInit('POST', secretBody(bob.folderId), alice.auth),
    )
    expect(foreign.status).toBe(404)
    expect(await errorOf(foreign)).toMatchObject({ field: 'folderId' })
    expect(await count('select count(*) as n from secrets')).toBe(1)
  })

  const bad: [string, (b: ReturnType<typeof secretBody>) => unknown, string][] = [
    ['an unknown top-level field', (b) => ({ ...b, name: 'prod db' }), 'name'],
    ['an unknown field in meta', (b) => ({ ...b, meta: { ...b.meta, tags: ['x'] } }), 'meta.tags'],
    ['a short id', (b) => ({ ...b, id: rand(15) }), 'id'],
    [
      'metadata above 16 KiB',
      (b) => ({ ...b, meta: { ciphertext: rand(16 * 1024 + 1) } }),
      'meta.ciphertext',
    ],
    [
      'a value shorter than a sealed empty field',
      (b) => ({ ...b, value: { ...b.value, ciphertext: rand(28) } }),
      'value.ciphertext',
    ],
    [
      'a wrapped key of the wrong size',
      (b) => ({ ...b, value: { ...b.value, wrappedKey: rand(32) } }),
      'value.wrappedKey',
    ],
  ]
  it.each(bad)(
    'refuses %s with 400 naming the field and stores nothing',
    async (_l, patch, field) => {
      const res = await t.call(
        '/api/secrets',
        jsonInit('POST', patch(secretBody(alice.folderId)), alice.auth),
      )
      expect(res.status).toBe(400)
      expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field })
      expect(await count('select count(*) as n from secrets')).toBe(0)
    },
  )

  it('a value above MAX_SECRET_BYTES is 413 naming value.ciphertext', async () => {
    const body = secretBody(alice.folderId, {
      value: { wrappedKey: wrapped(), ciphertext: rand(4097) },
    })
    const res = await t.call('/api/secrets', jsonInit('POST', body, alice.auth))
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toMatchObject({ field: 'value.ciphertext' })
  })

  it('needs a session', async () => {
    expect((await t.call('/api/secrets')).status).toBe(401)
    expect(
      (await t.call('/api/secrets', jsonInit('POST', secretBody(alice.folderId)))).status,
    ).toBe(401)
  })
})

describe('another account’s secret', () => {
  it('is the same 404 as an unknown id for GET, PUT, DELETE, restore, share and shares, and each attempt is on the owner’s trail', async () => {
    const { body } = await createSecret(t, alice)
    const unknown = newId()
    const attempts: [string, (id: string) => Promise<Response>][] = [
      ['GET', (id) => get(bob, `/api/secrets/${id}`)],
      ['PUT', (id) => put(bob, id, { meta: { revision: 2, ciphertext: sealedBlob() } })],
      ['DELETE', (id) => t.call(`/api/secrets/${id}`, as(bob, 'DELETE'))],
      ['restore', (id) => t.call(`/api/secrets/${id}/restore`, as(bob, 'POST'))],
      [
        'share',
        (id) => t.call(`/api/secrets/${id}/share`, jsonInit('POST', shareBody(), bob.auth)),
      ],
      ['shares', (id) => get(bob, `/api/secrets/${id}/shares`)],
      ['revoke', (id) => t.call(`/api/secrets/${id}/shares/${newId()}`, as(bob, 'DELETE'))],
    ]
    for (const [label, send] of attempts) {
      const theirs = await send(body.id)
      const none = await send(unknown)
      expect(theirs.status, label).toBe(404)
      expect(await theirs.json(), label).toEqual(await none.json())
    }
    const denied = (await ownerEvents(alice)).filter((e) => e.event === 'access.denied')
    expect(denied).toHaveLength(attempts.length)
    expect(denied.every((e) => e.result === 'denied')).toBe(true)
    // Nothing changed: still revision 1, not deleted, no shares.
    const mine = (await (await get(alice, `/api/secrets/${body.id}`)).json()) as SecretWithValue
    expect(mine).toMatchObject({ revision: 1, deletedAt: null })
    expect(await count('select count(*) as n from shares')).toBe(0)
    expect((await ownerEvents(bob)).filter((e) => e.event === 'access.denied')).toHaveLength(0)
  })

  it('is on the owner’s trail as done by another account, never as the owner, and without its name', async () => {
    const { body } = await createSecret(t, alice)
    // A name with a dot, which no id or hash in the answer can contain by chance.
    const mallory = await registerUser(t, 'mallory.probe')
    await get(mallory, `/api/secrets/${body.id}`)
    const res = await get(alice, '/api/audit?event=access.denied')
    expect(res.status).toBe(200)
    const text = await res.text()
    const { events } = JSON.parse(text) as AuditResponse
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ actor: 'other_account', secretId: body.id, result: 'denied' })
    // The owner learns that another account tried, not which one.
    expect(text).not.toContain(mallory.username)
    expect(text).not.toContain(mallory.userId)
  })

  it('denied accesses raise one alert on the owner’s trail at ALERT_THRESHOLD within 15 minutes', async () => {
    const { body } = await createSecret(t, alice)
    for (let i = 0; i < 4; i++) await get(bob, `/api/secrets/${body.id}`)
    expect((await ownerEvents(alice)).filter((e) => e.event === 'alert')).toHaveLength(0)
    await get(bob, `/api/secrets/${body.id}`)
    await get(bob, `/api/secrets/${body.id}`)
    const alerts = (await ownerEvents(alice)).filter((e) => e.event === 'alert')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]?.detail).toContain('5 failed logins or denied accesses')
    t.clock.advance(16 * 60_000)
    for (let i = 0; i < 4; i++) await get(bob, `/api/secrets/${body.id}`)
    expect((await ownerEvents(alice)).filter((e) => e.event === 'alert')).toHaveLength(1)
    await get(bob, `/api/secrets/${body.id}`)
    expect((await ownerEvents(alice)).filter((e) => e.event === 'alert')).toHaveLength(2)
  })
})

describe('PUT /api/secrets/:id: versions, stages, check-and-set', () => {
  it('new metadata needs the next meta revision; a wrong one is 409 and changes nothing', async () => {
    const { body } = await createSecret(t, alice)
    const wrong = await put(alice, body.id, { meta: { revision: 3, ciphertext: sealedBlob() } })
    expect(wrong.status).toBe(409)
    expect(await errorOf(wrong)).toMatchObject({ code: 'conflict', field: 'meta.revision' })
    const meta = sealedBlob()
    const ok = await put(alice, body.id, { meta: { revision: 2, ciphertext: meta } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('etag')).toBe('"2"')
    const summary = (await ok.json()) as SecretSummary
    expect(summary).toMatchObject({ revision: 2, meta: { revision: 2, ciphertext: meta } })
    expect(summary.versions).toHaveLength(1)
  })

  it('a new value needs the next version number; a wrong one is 409', async () => {
    const { body } = await createSecret(t, alice)
    const skipped = await put(alice, body.id, { value: newValue(3) })
    expect(skipped.status).toBe(409)
    expect(await errorOf(skipped)).toMatchObject({ code: 'conflict', field: 'value.version' })
    // Version 1 exists from the start: below the schema's minimum.
    expect(await errorOf(await put(alice, body.id, { value: newValue(1) }))).toMatchObject({
      code: 'invalid_input',
      field: 'value.version',
    })
    expect(await count('select count(*) as n from secret_versions')).toBe(1)
  })

  it('a new current moves the old current to previous; ?stage=previous and ?version=N read them', async () => {
    const { body } = await createSecret(t, alice)
    const v2 = newValue(2)
    const res = await put(alice, body.id, { value: v2 })
    expect(stagesOf((await res.json()) as SecretSummary)).toEqual({ 1: 'previous', 2: 'current' })
    expect((await valueOf(await get(alice, `/api/secrets/${body.id}`))).ciphertext).toBe(
      v2.ciphertext,
    )
    expect(
      (await valueOf(await get(alice, `/api/secrets/${body.id}?stage=previous`))).ciphertext,
    ).toBe(body.value.ciphertext)
    expect((await valueOf(await get(alice, `/api/secrets/${body.id}?version=1`))).ciphertext).toBe(
      body.value.ciphertext,
    )
    const v3 = await put(alice, body.id, { value: newValue(3) })
    expect(stagesOf((await v3.json()) as SecretSummary)).toEqual({
      1: '',
      2: 'previous',
      3: 'current',
    })
  })

  it('pending, then promote: current to previous, pending to current; promote without pending is 409', async () => {
    const { body } = await createSecret(t, alice)
    const none = await put(alice, body.id, { promote: 'pending' })
    expect(none.status).toBe(409)
    expect(await errorOf(none)).toMatchObject({ field: 'promote' })
    const pending = newValue(2, { stage: 'pending' })
    const staged = (await (await put(alice, body.id, { value: pending })).json()) as SecretSummary
    expect(stagesOf(staged)).toEqual({ 1: 'current', 2: 'pending' })
    expect(
      (await valueOf(await get(alice, `/api/secrets/${body.id}?stage=pending`))).ciphertext,
    ).toBe(pending.ciphertext)
    // A newer pending replaces the label.
    const pending3 = (await (
      await put(alice, body.id, { value: newValue(3, { stage: 'pending' }) })
    ).json()) as SecretSummary
    expect(stagesOf(pending3)).toEqual({ 1: 'current', 2: '', 3: 'pending' })
    const promoted = (await (
      await put(alice, body.id, { promote: 'pending' })
    ).json()) as SecretSummary
    expect(stagesOf(promoted)).toEqual({ 1: 'previous', 2: '', 3: 'current' })
    expect((await get(alice, `/api/secrets/${body.id}?stage=pending`)).status).toBe(404)
  })

  it('restores an old version as a new current one, audited as secret.version_restored', async () => {
    const { body } = await createSecret(t, alice)
    await put(alice, body.id, { value: newValue(2) })
    const res = await put(alice, body.id, { value: newValue(3, { restoredFrom: 1 }) })
    expect(res.status).toBe(200)
    const summary = (await res.json()) as SecretSummary
    expect(summary.versions.at(-1)).toMatchObject({
      version: 3,
      restoredFrom: 1,
      stages: ['current'],
    })
    expect(stagesOf(summary)).toEqual({ 1: '', 2: 'previous', 3: 'current' })
    expect((await ownerEvents(alice)).at(-1)).toMatchObject({
      event: 'secret.version_restored',
      detail: 'version 3 restored from version 1',
    })
    const pendingRestore = await put(alice, body.id, {
      value: newValue(4, { restoredFrom: 1, stage: 'pending' }),
    })
    expect(pendingRestore.status).toBe(400)
    const future = await put(alice, body.id, { value: newValue(4, { restoredFrom: 4 }) })
    expect(await errorOf(future)).toMatchObject({ field: 'value.restoredFrom' })
  })

  it('If-Match: the current revision passes, a stale one is 409 and changes nothing', async () => {
    const { body } = await createSecret(t, alice)
    const first = await put(alice, body.id, { value: newValue(2) }, { 'if-match': '"1"' })
    expect(first.status).toBe(200)
    const stale = await put(
      alice,
      body.id,
      { meta: { revision: 2, ciphertext: sealedBlob() } },
      { 'if-match': '"1"' },
    )
    expect(stale.status).toBe(409)
    expect(await errorOf(stale)).toMatchObject({ code: 'conflict', field: 'If-Match' })
    const after = (await (await get(alice, `/api/secrets/${body.id}`)).json()) as SecretWithValue
    expect(after).toMatchObject({ revision: 2, meta: { revision: 1 } })
    const malformed = await put(alice, body.id, { promote: 'pending' }, { 'if-match': '2' })
    expect(malformed.status).toBe(400)
    expect(await errorOf(malformed)).toMatchObject({ field: 'If-Match' })
  })

  it('an empty body, promote with a value, or an unknown field is 400', async () => {
    const { body } = await createSecret(t, alice)
    expect((await put(alice, body.id, {})).status).toBe(400)
    expect(
      await errorOf(await put(alice, body.id, { value: newValue(2), promote: 'pending' })),
    ).toMatchObject({ field: 'promote' })
    expect(
      await errorOf(await put(alice, body.id, { value: { ...newValue(2), name: 'x' } })),
    ).toMatchObject({ field: 'value.name' })
    expect(await count('select revision as n from secrets')).toBe(1)
  })

  it('a version or stage that does not exist is 404; both at once is 400', async () => {
    const { body } = await createSecret(t, alice)
    expect((await get(alice, `/api/secrets/${body.id}?version=2`)).status).toBe(404)
    expect((await get(alice, `/api/secrets/${body.id}?stage=previous`)).status).toBe(404)
    expect((await get(alice, `/api/secrets/${body.id}?stage=pending`)).status).toBe(404)
    const both = await get(alice, `/api/secrets/${body.id}?stage=current&version=1`)
    expect(both.status).toBe(400)
    expect((await get(alice, `/api/secrets/${body.id}?stage=latest`)).status).toBe(400)
    expect((await get(alice, `/api/secrets/${body.id}?version=0`)).status).toBe(400)
  })
})

describe('DELETE, restore and purge', () => {
  it('a deleted secret is hidden from the list, GET and PUT, listed with deleted=true, and restorable', async () => {
    const { body } = await createSecret(t, alice)
    const del = await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    expect(del.status).toBe(200)
    expect(await del.json()).toEqual({
      deletedAt: new Date(t.clock.now).toISOString(),
      purgeAt: new Date(t.clock.now + 7 * 86_400_000).toISOString(),
    })
    expect(
      ((await (await get(alice, '/api/secrets')).json()) as { secrets: unknown[] }).secrets,
    ).toEqual([])
    const deleted = (await (await get(alice, '/api/secrets?deleted=true')).json()) as {
      secrets: SecretSummary[]
    }
    expect(deleted.secrets.map((s) => s.id)).toEqual([body.id])
    expect(deleted.secrets[0]?.deletedAt).not.toBeNull()
    expect((await get(alice, `/api/secrets/${body.id}`)).status).toBe(404)
    expect((await put(alice, body.id, { value: newValue(2) })).status).toBe(404)
    const again = await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    expect(again.status).toBe(409)
    expect(await errorOf(again)).toMatchObject({ code: 'already_deleted' })
    const restored = await t.call(`/api/secrets/${body.id}/restore`, as(alice, 'POST'))
    expect(restored.status).toBe(200)
    expect((await restored.json()) as SecretSummary).toMatchObject({
      deletedAt: null,
      purgeAt: null,
    })
    expect((await get(alice, `/api/secrets/${body.id}`)).status).toBe(200)
    expect((await t.call(`/api/secrets/${body.id}/restore`, as(alice, 'POST'))).status).toBe(409)
    expect((await ownerEvents(alice)).map((e) => e.event)).toEqual(
      expect.arrayContaining(['secret.deleted', 'secret.restored']),
    )
  })

  it('the sweeper purges after the recovery window: the rows and ciphertext are gone, restore is 404', async () => {
    const kept = await createSecret(t, alice)
    const { body } = await createSecret(t, alice)
    await put(alice, body.id, { value: newValue(2) })
    await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    t.clock.advance(7 * 86_400_000 - 1)
    expect((await t.vaultSweeper.runOnce()).secrets).toBe(0)
    t.clock.advance(1)
    expect((await t.vaultSweeper.runOnce()).secrets).toBe(1)
    await relogin(t, alice)
    const id = Buffer.from(body.id, 'base64url')
    expect(await count('select count(*) as n from secrets where id = ?', id)).toBe(0)
    expect(await count('select count(*) as n from secret_versions where secret_id = ?', id)).toBe(0)
    expect(await count('select count(*) as n from secret_versions')).toBe(1)
    expect((await t.call(`/api/secrets/${body.id}/restore`, as(alice, 'POST'))).status).toBe(404)
    expect((await get(alice, `/api/secrets/${kept.body.id}`)).status).toBe(200)
    const purged = (await ownerEvents(alice)).find((e) => e.event === 'secret.purged')
    expect(purged).toMatchObject({ result: 'ok', detail: 'recovery window over' })
  })

  it('purges in batches', async () => {
    for (let i = 0; i < 120; i++) {
      const { body } = await createSecret(t, alice)
      await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    }
    t.clock.advance(8 * 86_400_000)
    expect((await t.vaultSweeper.runOnce()).secrets).toBe(100)
    expect((await t.vaultSweeper.runOnce()).secrets).toBe(20)
    expect(await count('select count(*) as n from secret_versions')).toBe(0)
  })

  it('?purge=true purges a deleted secret now (204); on a live one it is 409', async () => {
    const { body } = await createSecret(t, alice)
    const live = await t.call(`/api/secrets/${body.id}?purge=true`, as(alice, 'DELETE'))
    expect(live.status).toBe(409)
    await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    expect((await t.call(`/api/secrets/${body.id}?purge=true`, as(alice, 'DELETE'))).status).toBe(
      204,
    )
    expect(await count('select count(*) as n from secret_versions')).toBe(0)
    expect(await count('select count(*) as n from secrets')).toBe(0)
  })
})

function shareBody() {
  return {
    id: rand(16),
    verifier: rand(32),
    ciphertext: sealedBlob(100),
    ttlSeconds: 3600,
    maxViews: 1,
  }
}
