/**
 * The folder tree against the real server app (issue 11): mkdir with parents, rename, move,
 * delete, the environments helper, and moving a secret with its data keys re-wrapped here.
 */
import { makeTestApp } from '@secretsentry/server/test/test-app'
import { dataKeyContext, openFolder, unwrapKey } from '@secretsentry/keyring'
import { fromB64url } from '@secretsentry/envelope'
import { describe, expect, it, vi } from 'vitest'
import { ClientError, createVaultClient } from './vault.ts'
import type { Folder, SecretKeysResponse } from '@secretsentry/contract/types'
import type { FetchLike } from './http.ts'

vi.mock('@secretsentry/keyring', async (importOriginal) => {
  const real = await importOriginal<typeof import('@secretsentry/keyring')>()
  return { ...real, KDF_DEFAULTS: { algorithm: 'argon2id', ...real.KDF_MINIMUMS } }
})

const ORIGIN = 'https://vault.example.test'
const PASSWORD = 'a long master password 1'
const FOLDER_CANARY = 'folder-canary-7c2e'

async function setup() {
  const t = await makeTestApp()
  const bodies: string[] = []
  const fetch: FetchLike = (url, init) => {
    if (init.body !== null) bodies.push(init.body)
    return t.call(url.slice(ORIGIN.length), init)
  }
  const c = createVaultClient({ origin: ORIGIN, fetch, session: 'bearer' })
  const session = await c.register('alice', PASSWORD)
  const raw = async <T>(path: string) =>
    (await (await t.call(path, { headers: { authorization: `Bearer ${c.token()}` } })).json()) as T
  return { t, bodies, c, session, raw }
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p
  } catch (e) {
    return e instanceof ClientError ? e.code : String(e)
  }
  return 'no error'
}

describe('folders (client ↔ server)', () => {
  it('mkdir creates missing parents once; without parents it refuses like mkdir(1)', async () => {
    const { session, t } = await setup()
    expect(session.folders().map((f) => f.path)).toEqual([''])
    const db = await session.mkdir('/app/production/database')
    expect(db.path).toBe('/app/production/database')
    expect(session.folders().map((f) => f.path)).toEqual([
      '',
      '/app',
      '/app/production',
      '/app/production/database',
    ])
    expect((await session.mkdir('/app/production/database/')).id).toBe(db.id)
    expect(session.folders()).toHaveLength(4)
    expect(await codeOf(session.mkdir('/app', { parents: false }))).toBe('folder_exists')
    expect(await codeOf(session.mkdir('/web/x', { parents: false }))).toBe('folder_not_found')
    expect(await codeOf(session.mkdir('/app/bad name'))).toBe('bad_input')
    expect(await codeOf(session.mkdir('/app/..'))).toBe('bad_input')
    await t.close()
  })

  it('environments makes development, staging, production under a project, idempotently', async () => {
    const { session } = await setup()
    const first = await session.environments('/shop')
    expect(first.map((f) => f.path)).toEqual([
      '/shop/development',
      '/shop/staging',
      '/shop/production',
    ])
    const again = await session.environments('shop/')
    expect(again.map((f) => f.id)).toEqual(first.map((f) => f.id))
    expect(session.folders()).toHaveLength(5)
  })

  it('renames and moves folders; paths of secrets inside follow; a cycle is refused', async () => {
    const { session } = await setup()
    await session.mkdir('/app/staging')
    await session.mkdir('/archive')
    const s = await session.create({
      meta: { name: 'TOKEN', description: '', tags: [], path: '/app/staging' },
      value: 'v',
    })
    expect(s.folderPath).toBe('/app/staging')
    expect(s.meta?.path).toBe('')
    await session.renameFolder('/app/staging', 'stage')
    expect((await session.resolve('/app/stage/TOKEN')).id).toBe(s.id)
    await session.moveFolder('/app', '/archive')
    expect((await session.resolve('/archive/app/stage/TOKEN')).id).toBe(s.id)
    const renamed = await session.moveFolder('/archive/app', '/old-app')
    expect(renamed.path).toBe('/old-app')
    expect(await codeOf(session.moveFolder('/old-app', '/old-app/stage'))).toBe('conflict')
    expect(await codeOf(session.moveFolder('/', '/archive'))).toBe('bad_input')
    expect(await codeOf(session.renameFolder('/archive', 'old-app'))).toBe('folder_exists')
  })

  it('removeFolder refuses a non-empty folder (server 409) and deletes an empty one', async () => {
    const { session } = await setup()
    await session.mkdir('/a/b')
    expect(await codeOf(session.removeFolder('/a'))).toBe('conflict')
    await session.removeFolder('/a/b')
    await session.removeFolder('/a')
    expect(session.folders().map((f) => f.path)).toEqual([''])
    expect(await codeOf(session.removeFolder('/'))).toBe('bad_input')
  })

  it('moveSecret re-wraps every version: all decrypt under the new folder, the old key opens none', async () => {
    const { session, raw, bodies } = await setup()
    const dest = await session.mkdir(`/app/${FOLDER_CANARY}`)
    let item = await session.create({
      meta: { name: 'DB_PASSWORD', description: '', tags: [], path: '/legacy' },
      value: 'one',
    })
    item = await session.update(item.summary, { value: 'two' })
    item = await session.update(item.summary, { value: 'three', stage: 'pending' })
    const rootId = session.defaultFolderId!
    expect(item.summary.folderId).toBe(rootId)

    const moved = await session.moveSecret(item.summary, `/app/${FOLDER_CANARY}`)
    expect(moved.summary.folderId).toBe(dest.id)
    expect(moved.folderPath).toBe(`/app/${FOLDER_CANARY}`)
    expect(moved.meta).toMatchObject({ name: 'DB_PASSWORD', path: '' })
    const found = await session.resolve(`/app/${FOLDER_CANARY}/DB_PASSWORD`)
    expect(found.id).toBe(item.id)
    for (const [version, value] of [
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ] as const) {
      expect((await session.read(found.summary, { version })).value).toBe(value)
    }

    // The old folder key (the root's) no longer opens any version's data key.
    const userKey = session.exportUserKey()
    const { folders } = await raw<{ folders: Folder[] }>('/api/folders')
    const oldKey = openFolder(
      userKey,
      folders.find((f) => f.id === rootId)!,
    ).key
    const keys = await raw<SecretKeysResponse>(`/api/secrets/${item.id}/keys`)
    expect(keys.versions).toHaveLength(3)
    for (const v of keys.versions) {
      expect(() =>
        unwrapKey(oldKey, fromB64url(v.wrappedKey), dataKeyContext(item.id, v.version)),
      ).toThrow(expect.objectContaining({ code: 'decrypt_failed' }))
    }
    // A stale summary is refused by the server (If-Match), not half applied.
    expect(await codeOf(session.moveSecret(item.summary, '/'))).toBe('bad_input')
    const back = await codeOf(session.moveSecret({ ...item.summary, folderId: dest.id }, '/'))
    expect(back).toBe('conflict')
    expect(bodies.some((b) => b.includes(FOLDER_CANARY))).toBe(false)
  })

  it('paths come from the parent sealed in each folder: a server that rearranges the tree changes nothing', async () => {
    const { session, t } = await setup()
    const prod = await session.mkdir('/app/production')
    const other = await session.mkdir('/other')
    await t.rows(
      'update folders set parent_id = ? where id = ?',
      Buffer.from(other.id, 'base64url'),
      Buffer.from(prod.id, 'base64url'),
    )
    const tree = await session.refreshFolders()
    expect(tree.find((f) => f.id === prod.id)?.path).toBe('/app/production')
  })
})
