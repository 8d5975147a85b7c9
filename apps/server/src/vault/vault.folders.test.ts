/** @module HTTP tests of the folder tree (issue 11): create under a parent, rename/move with check-and-set, cycle refusal, delete only when empty, moving a secret with every data key re-wrapped at once. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Folder, SecretSummary } from '@secretsentry/contract/types'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  newId,
  registerUser,
  sealedBlob,
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

const mkdir = async (user: TestUser, parentId: string | null, extra: object = {}) => {
  const res = await t.call(
    '/api/folders',
    jsonInit(
      'POST',
      { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(40), parentId, ...extra },
      user.auth,
    ),
  )
  if (res.status !== 201) throw new Error(`mkdir ${res.status} ${await res.text()}`)
  return (await res.json()) as Folder
}
const putFolder = (user: TestUser, id: string, body: unknown, revision?: number | string) =>
  t.call(
    `/api/folders/${id}`,
    jsonInit('PUT', body, {
      ...user.auth,
      ...(revision === undefined ? {} : { 'if-match': `"${revision}"` }),
    }),
  )
const rmdir = (user: TestUser, id: string) => t.call(`/api/folders/${id}`, as(user, 'DELETE'))
const folders = async (user: TestUser) =>
  ((await (await t.call('/api/folders', as(user))).json()) as { folders: Folder[] }).folders
const move = (user: TestUser, s: SecretSummary, body: object, revision: number = s.revision) =>
  t.call(
    `/api/secrets/${s.id}/move`,
    jsonInit('POST', body, { ...user.auth, 'if-match': `"${revision}"` }),
  )
const moveBody = (
  s: SecretSummary,
  folderId: string,
  versions = s.versions.map((v) => v.version),
) => ({
  folderId,
  meta: { revision: s.meta.revision + 1, ciphertext: sealedBlob(120) },
  versions: versions.map((version) => ({ version, wrappedKey: wrapped() })),
})
const events = async (user: TestUser) =>
  (
    (await t.rows(
      'select event, detail from audit where user_id = ? order by id',
      Buffer.from(user.userId, 'base64url'),
    )) as { event: string; detail: string | null }[]
  ).filter((e) => e.event.startsWith('folder.') || e.event === 'secret.moved')

describe('folder tree', () => {
  it('creates subfolders under a parent; the first folder is top-level at revision 1', async () => {
    const [root] = await folders(alice)
    expect(root).toMatchObject({ id: alice.folderId, parentId: null, revision: 1 })
    const app = await mkdir(alice, alice.folderId)
    const prod = await mkdir(alice, app.id)
    expect(prod).toMatchObject({ parentId: app.id, revision: 1 })
    expect((await folders(alice)).map((f) => f.parentId)).toEqual([null, alice.folderId, app.id])
    expect((await events(alice)).map((e) => e.event)).toEqual(['folder.created', 'folder.created'])
  })

  it('refuses a parent that is unknown or another account’s, naming parentId', async () => {
    const res = await t.call(
      '/api/folders',
      jsonInit(
        'POST',
        { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(40), parentId: bob.folderId },
        alice.auth,
      ),
    )
    expect(res.status).toBe(404)
    expect(await errorOf(res)).toMatchObject({ code: 'not_found', field: 'parentId' })
    expect(await folders(alice)).toHaveLength(1)
  })

  it('renames with check-and-set: a stale or missing If-Match changes nothing', async () => {
    const f = await mkdir(alice, alice.folderId)
    const meta = sealedBlob(50)
    const noTag = await putFolder(alice, f.id, { parentId: alice.folderId, meta })
    expect(noTag.status).toBe(400)
    expect((await errorOf(noTag)).field).toBe('If-Match')
    const ok = await putFolder(alice, f.id, { parentId: alice.folderId, meta }, 1)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('etag')).toBe('"2"')
    expect(await ok.json()).toMatchObject({ id: f.id, revision: 2, meta })
    const stale = await putFolder(alice, f.id, { parentId: alice.folderId, meta: sealedBlob(9) }, 1)
    expect(stale.status).toBe(409)
    expect(await errorOf(stale)).toMatchObject({ code: 'conflict', field: 'If-Match' })
    expect((await folders(alice)).find((x) => x.id === f.id)?.meta).toBe(meta)
    expect((await events(alice)).at(-1)?.detail).toBe(`folder ${f.id} renamed, revision 2`)
  })

  it('moves a folder to a new parent; refuses itself and its own subfolders (no cycles)', async () => {
    const a = await mkdir(alice, alice.folderId)
    const b = await mkdir(alice, a.id)
    const c = await mkdir(alice, b.id)
    const other = await mkdir(alice, alice.folderId)
    for (const parentId of [a.id, b.id, c.id]) {
      const res = await putFolder(alice, a.id, { parentId, meta: sealedBlob(40) }, 1)
      expect(res.status).toBe(409)
      expect(await errorOf(res)).toMatchObject({ code: 'conflict', field: 'parentId' })
    }
    const moved = await putFolder(alice, b.id, { parentId: other.id, meta: sealedBlob(40) }, 1)
    expect(moved.status).toBe(200)
    expect(await moved.json()).toMatchObject({ parentId: other.id, revision: 2 })
    // Now a (alone) can go under c, which moved away with b.
    const under = await putFolder(alice, a.id, { parentId: c.id, meta: sealedBlob(40) }, 1)
    expect(under.status).toBe(200)
    const top = await putFolder(alice, a.id, { parentId: null, meta: sealedBlob(40) }, 2)
    expect(top.status).toBe(200)
    expect((await top.json()) as Folder).toMatchObject({ parentId: null, revision: 3 })
    expect((await events(alice)).filter((e) => e.event === 'folder.updated')).toHaveLength(3)
  })

  it('another account’s folder or parent is a 404, and nothing changes', async () => {
    const mine = await mkdir(alice, alice.folderId)
    const res = await putFolder(bob, mine.id, { parentId: null, meta: sealedBlob(40) }, 1)
    expect(res.status).toBe(404)
    expect((await errorOf(res)).field).toBe('id')
    const into = await putFolder(alice, mine.id, { parentId: bob.folderId, meta: sealedBlob(4) }, 1)
    expect(into.status).toBe(404)
    expect((await errorOf(into)).field).toBe('parentId')
    expect((await rmdir(bob, mine.id)).status).toBe(404)
    expect((await folders(alice)).find((f) => f.id === mine.id)?.revision).toBe(1)
  })

  it('deletes only an empty folder, naming what is left; never the last top-level one', async () => {
    const a = await mkdir(alice, alice.folderId)
    const b = await mkdir(alice, a.id)
    const { summary } = await createSecret(t, alice)
    expect((await move(alice, summary, moveBody(summary, b.id))).status).toBe(200)
    const refused = await rmdir(alice, a.id)
    expect(refused.status).toBe(409)
    expect(await errorOf(refused)).toMatchObject({
      field: 'id',
      message: expect.stringContaining('1 subfolder(s)'),
    })
    await t.call(`/api/secrets/${summary.id}`, as(alice, 'DELETE'))
    const deleted = await rmdir(alice, b.id)
    expect(deleted.status).toBe(409)
    expect((await errorOf(deleted)).message).toContain('1 deleted secret(s) in the recovery window')
    await t.call(`/api/secrets/${summary.id}?purge=true`, as(alice, 'DELETE'))
    expect((await rmdir(alice, b.id)).status).toBe(204)
    expect((await rmdir(alice, a.id)).status).toBe(204)
    const last = await rmdir(alice, alice.folderId)
    expect(last.status).toBe(409)
    expect((await errorOf(last)).message).toContain('last top-level folder')
    expect((await folders(alice)).map((f) => f.id)).toEqual([alice.folderId])
    expect((await events(alice)).filter((e) => e.event === 'folder.deleted')).toHaveLength(2)
  })
})

describe('POST /api/secrets/:id/move', () => {
  const wrappedKeys = async (id: string) =>
    (
      (await t.rows(
        'select version, wrapped_key from secret_versions where secret_id = ? order by version',
        Buffer.from(id, 'base64url'),
      )) as { version: number; wrapped_key: Buffer }[]
    ).map((r) => r.wrapped_key.toString('base64url'))

  async function secretWithVersions(n: number) {
    let { summary } = await createSecret(t, alice)
    for (let v = 2; v <= n; v++) {
      const res = await t.call(
        `/api/secrets/${summary.id}`,
        jsonInit(
          'PUT',
          { value: { version: v, wrappedKey: wrapped(), ciphertext: sealedBlob(40) } },
          { ...alice.auth, 'if-match': `"${summary.revision}"` },
        ),
      )
      summary = (await res.json()) as SecretSummary
    }
    return summary
  }

  it('swaps every data key, the metadata and the folder at once', async () => {
    const s = await secretWithVersions(3)
    const dest = await mkdir(alice, alice.folderId)
    const body = moveBody(s, dest.id)
    const res = await move(alice, s, body)
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBe(`"${s.revision + 1}"`)
    expect(await res.json()).toMatchObject({
      folderId: dest.id,
      revision: s.revision + 1,
      meta: { revision: 2, ciphertext: body.meta.ciphertext },
    })
    expect(await wrappedKeys(s.id)).toEqual(body.versions.map((v) => v.wrappedKey))
    expect((await events(alice)).at(-1)).toEqual({
      event: 'secret.moved',
      detail: `to folder ${dest.id}, 3 version(s) re-wrapped`,
    })
  })

  it('refuses a version set that differs from the stored one, changing nothing (409)', async () => {
    const s = await secretWithVersions(3)
    const dest = await mkdir(alice, alice.folderId)
    const before = await wrappedKeys(s.id)
    for (const versions of [
      [1, 2],
      [1, 2, 3, 4],
      [1, 2, 2],
      [1, 1, 3],
    ]) {
      const res = await move(alice, s, moveBody(s, dest.id, versions))
      expect(res.status).toBe(409)
      expect(await errorOf(res)).toMatchObject({ code: 'conflict', field: 'versions' })
    }
    expect(await wrappedKeys(s.id)).toEqual(before)
    const row = (
      await t.rows(
        'select folder_id, revision from secrets where id = ?',
        Buffer.from(s.id, 'base64url'),
      )
    )[0] as { folder_id: Buffer; revision: number }
    expect(row.folder_id.toString('base64url')).toBe(alice.folderId)
    expect(Number(row.revision)).toBe(s.revision)
  })

  it('a new version added meanwhile makes the move stale (If-Match), and nothing changes', async () => {
    const s = await secretWithVersions(2)
    const dest = await mkdir(alice, alice.folderId)
    const newer = await secretWithVersionsAfter(s)
    const res = await move(alice, s, moveBody(s, dest.id))
    expect(res.status).toBe(409)
    expect((await errorOf(res)).field).toBe('If-Match')
    // Even with the new revision, the body still names the old version set.
    const again = await move(alice, s, moveBody(s, dest.id), newer.revision)
    expect(again.status).toBe(409)
    expect((await errorOf(again)).field).toBe('versions')
    expect(await wrappedKeys(s.id)).toHaveLength(3)
  })

  async function secretWithVersionsAfter(s: SecretSummary) {
    const res = await t.call(
      `/api/secrets/${s.id}`,
      jsonInit(
        'PUT',
        { value: { version: 3, wrappedKey: wrapped(), ciphertext: sealedBlob(40) } },
        { ...alice.auth, 'if-match': `"${s.revision}"` },
      ),
    )
    expect(res.status).toBe(200)
    return (await res.json()) as SecretSummary
  }

  it('names the field of every refusal', async () => {
    const { summary: s } = await createSecret(t, alice)
    const dest = await mkdir(alice, alice.folderId)
    const noTag = await t.call(
      `/api/secrets/${s.id}/move`,
      jsonInit('POST', moveBody(s, dest.id), alice.auth),
    )
    expect(await errorOf(noTag)).toMatchObject({ code: 'invalid_input', field: 'If-Match' })
    const same = await move(alice, s, moveBody(s, alice.folderId))
    expect(same.status).toBe(409)
    expect((await errorOf(same)).field).toBe('folderId')
    const foreign = await move(alice, s, moveBody(s, bob.folderId))
    expect(foreign.status).toBe(404)
    expect((await errorOf(foreign)).field).toBe('folderId')
    const metaRev = await move(alice, s, {
      ...moveBody(s, dest.id),
      meta: { revision: 5, ciphertext: sealedBlob(40) },
    })
    expect((await errorOf(metaRev)).field).toBe('meta.revision')
    const badKey = await move(alice, s, {
      ...moveBody(s, dest.id),
      versions: [{ version: 1, wrappedKey: 'abc' }],
    })
    expect(badKey.status).toBe(400)
    expect((await errorOf(badKey)).field).toBe('versions.0.wrappedKey')
    const none = await move(alice, s, { ...moveBody(s, dest.id), versions: [] })
    expect((await errorOf(none)).field).toBe('versions')
    const bobs = await move(bob, s, moveBody(s, dest.id))
    expect(bobs.status).toBe(404)
    await t.call(`/api/secrets/${s.id}`, as(alice, 'DELETE'))
    const gone = await move(alice, s, moveBody(s, dest.id), s.revision + 1)
    expect(gone.status).toBe(409)
    expect((await errorOf(gone)).message).toContain('restore it first')
  })
})

describe('GET /api/secrets/:id/keys', () => {
  it('gives every version’s wrapped key and the revision, only to the owner, without a read event', async () => {
    const { body, summary } = await createSecret(t, alice)
    const res = await t.call(`/api/secrets/${summary.id}/keys`, as(alice))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      revision: 1,
      folderId: alice.folderId,
      versions: [{ version: 1, wrappedKey: body.value.wrappedKey }],
    })
    expect((await t.call(`/api/secrets/${summary.id}/keys`, as(bob))).status).toBe(404)
    const reads = await t.rows("select count(*) as n from audit where event = 'secret.read'")
    expect(Number((reads[0] as { n: number }).n)).toBe(0)
  })
})
