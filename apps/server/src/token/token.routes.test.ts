/**
 * @module HTTP tests of service tokens (issue 11): the owner's routes (create, list, revoke, grant
 * later) and the holder's (`Authorization: Token <id>.<authKey>`), on SQLite and PostgreSQL. The
 * bodies are client-shaped random bytes: the server cannot open them, only check shapes, ids,
 * the tree, flags and the verifier.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  AuditResponse,
  Folder,
  TokenInfoResponse,
  TokenSecretsResponse,
  TokenSelfResponse,
} from '@secretsentry/contract/types'
import { jsonInit, makeTestApp, scrapeMetrics, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  newId,
  rand,
  registerUser,
  sealedBlob,
  secretBody,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'
import { tokenVerifier } from './token.routes.ts'

let t: TestApp
let alice: TestUser
let bob: TestUser
beforeEach(async () => {
  t = await makeTestApp({ config: { maxSecretBytes: 4096, alertThreshold: 5 } })
  alice = await registerUser(t, 'alice')
  bob = await registerUser(t, 'bob')
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const mkdir = async (user: TestUser, parentId: string | null) => {
  const res = await t.call(
    '/api/folders',
    jsonInit(
      'POST',
      { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(40), parentId },
      user.auth,
    ),
  )
  if (res.status !== 201) throw new Error(`mkdir ${res.status} ${await res.text()}`)
  return (await res.json()) as Folder
}

interface MadeToken {
  id: string
  authKey: string
  header: Record<string, string>
  info: TokenInfoResponse
}

interface TokenChoices {
  name?: string
  subfolders?: string[]
  includeSubfolders?: boolean
  readWrite?: boolean
  stage?: 'current' | 'any'
  expiresInSeconds?: number | null
}

function tokenBody(root: string, c: TokenChoices = {}) {
  const id = rand(16)
  const authKey = crypto.randomBytes(32)
  const subfolders = c.subfolders ?? []
  return {
    authKey: authKey.toString('base64url'),
    body: {
      id,
      verifier: tokenVerifier(authKey).toString('base64url'),
      ownerWrappedKey: wrapped(),
      grants: [
        { folderId: root, role: 'root', wrappedKey: wrapped() },
        ...subfolders.map((f) => ({ folderId: f, role: 'subfolder', wrappedKey: wrapped() })),
      ],
      name: c.name ?? `token-${id.slice(0, 6)}`,
      tokenMeta: sealedBlob(30),
      includeSubfolders: c.includeSubfolders ?? subfolders.length > 0,
      readWrite: c.readWrite ?? false,
      stage: c.stage ?? 'current',
      expiresInSeconds: c.expiresInSeconds === undefined ? null : c.expiresInSeconds,
    },
  }
}

async function makeToken(user: TestUser, root: string, c: TokenChoices = {}): Promise<MadeToken> {
  const { authKey, body } = tokenBody(root, c)
  const res = await t.call('/api/tokens', jsonInit('POST', body, user.auth))
  if (res.status !== 201) throw new Error(`token ${res.status} ${await res.text()}`)
  return {
    id: body.id,
    authKey,
    header: { authorization: `Token ${body.id}.${authKey}` },
    info: (await res.json()) as TokenInfoResponse,
  }
}

const holder = (tok: MadeToken, path: string, init: RequestInit = {}, address?: string) =>
  t.call(path, { ...init, headers: { ...tok.header, ...(init.headers ?? {}) } }, address)
const holderJson = async <T>(tok: MadeToken, path: string) => {
  const res = await holder(tok, path)
  if (res.status !== 200) throw new Error(`${path} ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}
const audit = async (user: TestUser, query = '') =>
  ((await (await t.call(`/api/audit${query}`, as(user))).json()) as AuditResponse).events
const tokens = async (user: TestUser) =>
  ((await (await t.call('/api/tokens', as(user))).json()) as { tokens: TokenInfoResponse[] }).tokens
const put = (tok: MadeToken, s: { id: string; revision: number }, version: number, extra = {}) =>
  holder(tok, `/api/token/secrets/${s.id}`, {
    ...jsonInit('PUT', {
      value: { version, wrappedKey: wrapped(), ciphertext: sealedBlob(20), ...extra },
    }),
    headers: { 'content-type': 'application/json', 'if-match': `"${s.revision}"` },
  })

/** /app/production (with /db below) and /app/staging in alice's vault, each with a secret. */
async function tree() {
  const app = await mkdir(alice, null)
  const prod = await mkdir(alice, app.id)
  const db = await mkdir(alice, prod.id)
  const staging = await mkdir(alice, app.id)
  const inProd = (await createSecret(t, alice, secretBody(prod.id))).summary
  const inDb = (await createSecret(t, alice, secretBody(db.id))).summary
  const inStaging = (await createSecret(t, alice, secretBody(staging.id))).summary
  return { app, prod, db, staging, inProd, inDb, inStaging }
}

describe('owner: create, list, revoke', () => {
  it('creates a token and lists it with its flags; the name is stored in clear, nothing else', async () => {
    const { prod, db } = await tree()
    const tok = await makeToken(alice, prod.id, {
      name: 'deploy prod',
      subfolders: [db.id],
      expiresInSeconds: 3600,
    })
    expect(tok.info).toMatchObject({
      id: tok.id,
      name: 'deploy prod',
      rootFolderId: prod.id,
      includeSubfolders: true,
      readWrite: false,
      stage: 'current',
      grants: 2,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedClient: null,
      expiresAt: new Date(t.clock.now + 3_600_000).toISOString(),
    })
    expect((await tokens(alice)).map((x) => x.id)).toEqual([tok.id])
    expect(await tokens(bob)).toEqual([])
    const [row] = await t.rows<{ verifier: Uint8Array }>(
      'select verifier from service_tokens where id = ?',
      Buffer.from(tok.id, 'base64url'),
    )
    // The verifier, never the authKey the holder presents.
    expect(Buffer.from(row!.verifier).toString('base64url')).not.toBe(tok.authKey)
    const created = (await audit(alice, '?event=token.created'))[0]!
    expect(created.token).toEqual({ id: tok.id, name: 'deploy prod' })
    expect(created.detail).toMatch(/2 folder\(s\), read-only, stage current, expires /)
  })

  it('refuses grants of another account’s folder (404 naming the field) and folders not below the root', async () => {
    const { prod, staging, db } = await tree()
    const bobs = await mkdir(bob, null)
    const post = (body: unknown) => t.call('/api/tokens', jsonInit('POST', body, alice.auth))
    let res = await post(tokenBody(bobs.id).body)
    expect(res.status).toBe(404)
    expect((await errorOf(res)).field).toBe('grants.0.folderId')
    res = await post(tokenBody(prod.id, { subfolders: [db.id, bobs.id] }).body)
    expect(res.status).toBe(404)
    expect((await errorOf(res)).field).toBe('grants.2.folderId')
    res = await post(tokenBody(prod.id, { subfolders: [staging.id] }).body)
    expect(res.status).toBe(409)
    expect((await errorOf(res)).field).toBe('grants.1.folderId')
    // Subfolder grants without includeSubfolders, two roots, an unknown field: refused by shape.
    res = await post(tokenBody(prod.id, { subfolders: [db.id], includeSubfolders: false }).body)
    expect([res.status, (await errorOf(res)).field]).toEqual([400, 'grants'])
    res = await post({ ...tokenBody(prod.id).body, secret: rand(32) })
    expect(res.status).toBe(400)
    res = await post({ ...tokenBody(prod.id).body, name: 'a\u0007b' })
    expect([res.status, (await errorOf(res)).field]).toEqual([400, 'name'])
    res = await post({ ...tokenBody(prod.id).body, expiresInSeconds: 10 })
    expect([res.status, (await errorOf(res)).field]).toEqual([400, 'expiresInSeconds'])
    expect(await tokens(alice)).toEqual([])
    expect(await t.rows('select * from token_grants')).toEqual([])
  })

  it('a live token’s name is unique in the account; after revocation it can be used again', async () => {
    const { prod } = await tree()
    const first = await makeToken(alice, prod.id, { name: 'ci' })
    const res = await t.call(
      '/api/tokens',
      jsonInit('POST', tokenBody(prod.id, { name: 'ci' }).body, alice.auth),
    )
    expect([res.status, (await errorOf(res)).field]).toEqual([409, 'name'])
    expect((await t.call(`/api/tokens/${first.id}`, as(alice, 'DELETE'))).status).toBe(204)
    await makeToken(alice, prod.id, { name: 'ci' })
    await makeToken(bob, bob.folderId, { name: 'ci' })
  })

  it('revocation: 204 at once (again 204), the next request is 401 token_revoked, grants gone, row kept; unknown or another’s is 404', async () => {
    const { prod } = await tree()
    const tok = await makeToken(alice, prod.id, { name: 'to revoke' })
    expect((await holder(tok, '/api/token')).status).toBe(200)
    expect((await t.call(`/api/tokens/${tok.id}`, as(bob, 'DELETE'))).status).toBe(404)
    expect((await t.call(`/api/tokens/${rand(16)}`, as(alice, 'DELETE'))).status).toBe(404)
    expect((await t.call(`/api/tokens/${tok.id}`, as(alice, 'DELETE'))).status).toBe(204)
    expect((await t.call(`/api/tokens/${tok.id}`, as(alice, 'DELETE'))).status).toBe(204)
    const res = await holder(tok, '/api/token/secrets')
    expect(res.status).toBe(401)
    expect((await errorOf(res)).code).toBe('token_revoked')
    const [listed] = await tokens(alice)
    expect(listed).toMatchObject({ id: tok.id, grants: 0 })
    expect(listed!.revokedAt).not.toBeNull()
    expect(await t.rows('select * from token_grants')).toEqual([])
    expect((await audit(alice, '?event=token.revoked')).length).toBe(1)
    const denied = (await audit(alice, '?event=token.denied'))[0]!
    expect([denied.token?.name, denied.detail]).toEqual([
      'to revoke',
      'refused: the token is revoked',
    ])
  })

  it('expiry: 401 token_expired once the time has passed, audited', async () => {
    const { prod } = await tree()
    const tok = await makeToken(alice, prod.id, { expiresInSeconds: 60 })
    expect((await holder(tok, '/api/token')).status).toBe(200)
    t.clock.advance(60_000)
    const res = await holder(tok, '/api/token')
    expect([res.status, (await errorOf(res)).code]).toEqual([401, 'token_expired'])
    expect((await audit(alice, '?event=token.denied'))[0]!.detail).toBe(
      'refused: the token has expired',
    )
  })
})

describe('holder: authentication', () => {
  it('the verifier is the keyring’s (SPEC §11.2 vectors)', () => {
    const file = new URL('../../../../packages/keyring/test/vectors/v1.json', import.meta.url)
    const { tokens: vectors } = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      tokens: { authKey: string; verifier: string }[]
    }
    expect(vectors.length).toBeGreaterThan(0)
    for (const v of vectors) {
      expect(tokenVerifier(Buffer.from(v.authKey, 'base64url')).toString('base64url')).toBe(
        v.verifier,
      )
    }
  })

  it('wrong key, unknown id, malformed or missing header, the token text or a session token: 401 unauthenticated', async () => {
    const { prod } = await tree()
    const tok = await makeToken(alice, prod.id)
    const wrongKey = { authorization: `Token ${tok.id}.${rand(32)}` }
    const unknown = { authorization: `Token ${rand(16)}.${tok.authKey}` }
    const text = { authorization: `Token sst_${tok.id}_${tok.authKey}` }
    const cases: Record<string, string>[] = [
      wrongKey,
      unknown,
      text,
      { authorization: `Bearer ${tok.id}.${tok.authKey}` },
      { authorization: `Token ${tok.id}.${tok.authKey}x` },
      { authorization: `Token ${tok.id}.${tok.authKey.slice(0, -1)}B` },
      alice.auth,
      {},
    ]
    for (const headers of cases) {
      const res = await t.call('/api/token/secrets', { headers })
      expect(res.status, JSON.stringify(headers)).toBe(401)
      const error = await errorOf(res)
      expect(error.code).toBe('unauthenticated')
      expect(error.message).not.toContain(tok.authKey)
    }
    // Only the wrong key for a real token reaches its owner's trail.
    const denied = await audit(alice, '?event=token.denied')
    expect(denied.map((e) => e.detail)).toEqual(['refused: wrong key'])
    expect(await audit(bob, '?event=token.denied')).toEqual([])
  })

  it('failed authentications per address are limited like logins; the limited ones are not audited', async () => {
    await t.close()
    t = await makeTestApp({ config: { rateLimitPerMin: 3 } })
    alice = await registerUser(t, 'alice')
    const tok = await makeToken(alice, alice.folderId)
    const wrong = { authorization: `Token ${tok.id}.${rand(32)}` }
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      statuses.push((await t.call('/api/token', { headers: wrong }, '203.0.113.7')).status)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    expect((await audit(alice, '?event=token.denied')).length).toBe(3)
    // Another address, and the right key, are not held back.
    expect((await t.call('/api/token', { headers: wrong }, '203.0.113.8')).status).toBe(401)
    expect((await holder(tok, '/api/token', {}, '203.0.113.9')).status).toBe(200)
  })
})

describe('holder: reading', () => {
  it('GET /api/token: the token, its grants and the rows of its folders only', async () => {
    const { prod, db } = await tree()
    const tok = await makeToken(alice, prod.id, { subfolders: [db.id], name: 'reader' })
    const self = await holderJson<TokenSelfResponse>(tok, '/api/token')
    expect(self.token).toMatchObject({
      id: tok.id,
      name: 'reader',
      rootFolderId: prod.id,
      includeSubfolders: true,
      readWrite: false,
      stage: 'current',
      tokenMeta: tok.info.tokenMeta,
    })
    expect(self.grants.map((g) => [g.folderId, g.role]).sort()).toEqual(
      [
        [prod.id, 'root'],
        [db.id, 'subfolder'],
      ].sort(),
    )
    expect(self.folders.map((f) => f.id).sort()).toEqual([prod.id, db.id].sort())
    expect(Object.keys(self.folders[0]!).sort()).toEqual(['id', 'meta', 'revision'])
  })

  it('security promise: a token never receives another folder’s row, id or count, however many there are', async () => {
    const { app, prod, staging, inStaging } = await tree()
    const tok = await makeToken(alice, prod.id)
    const before = [
      await (await holder(tok, '/api/token')).text(),
      await (await holder(tok, '/api/token/secrets')).text(),
    ]
    // More folders and secrets elsewhere in the vault (and in another account) change nothing.
    for (let i = 0; i < 5; i++) {
      const f = await mkdir(alice, i % 2 ? app.id : null)
      await createSecret(t, alice, secretBody(f.id))
      await createSecret(t, alice, secretBody(staging.id))
    }
    await createSecret(t, bob, secretBody(bob.folderId))
    const after = [
      await (await holder(tok, '/api/token')).text(),
      await (await holder(tok, '/api/token/secrets')).text(),
    ]
    expect(after).toEqual(before)
    const others = (
      (await (await t.call('/api/folders', as(alice))).json()) as { folders: Folder[] }
    ).folders
      .map((f) => f.id)
      .filter((id) => id !== prod.id)
    for (const text of after) {
      for (const id of [...others, inStaging.id, app.id]) expect(text).not.toContain(id)
    }
  })

  it('GET /api/token/secrets: every secret of its folders with its current value, in one answer, audited with the count', async () => {
    const { prod, db, inProd, inDb, inStaging } = await tree()
    const tok = await makeToken(alice, prod.id, { subfolders: [db.id], name: 'runner' })
    const { secrets } = await holderJson<TokenSecretsResponse>(tok, '/api/token/secrets')
    expect(secrets.map((s) => s.id).sort()).toEqual([inProd.id, inDb.id].sort())
    const s = secrets.find((x) => x.id === inProd.id)!
    expect(s).toMatchObject({ folderId: prod.id, latestVersion: 1, meta: inProd.meta })
    expect(s.values.map((v) => [v.version, v.stages])).toEqual([[1, ['current']]])
    expect(JSON.stringify(secrets)).not.toContain(inStaging.id)
    const [read] = await audit(alice, '?event=token.read')
    expect([read!.detail, read!.token?.name, read!.actor]).toEqual([
      '2 secret(s)',
      'runner',
      'token',
    ])
    // Metadata only: no values, not a read.
    const meta = await holderJson<TokenSecretsResponse>(tok, '/api/token/secrets?values=false')
    expect(meta.secrets.every((x) => x.values.length === 0)).toBe(true)
    expect((await audit(alice, '?event=token.read')).length).toBe(1)
  })

  it('a token for folder A gets 404 for a secret of folder B exactly as for a missing one, audited as token.denied', async () => {
    const { prod, inProd, inStaging } = await tree()
    const tok = await makeToken(alice, prod.id, { name: 'prod only' })
    const ok = await holder(tok, `/api/token/secrets/${inProd.id}`)
    expect(ok.status).toBe(200)
    const outside = await holder(tok, `/api/token/secrets/${inStaging.id}`)
    const missing = await holder(tok, `/api/token/secrets/${newId()}`)
    const bobs = (await createSecret(t, bob, secretBody(bob.folderId))).summary
    const foreign = await holder(tok, `/api/token/secrets/${bobs.id}`)
    expect([outside.status, missing.status, foreign.status]).toEqual([404, 404, 404])
    const bodies = [await outside.json(), await missing.json(), await foreign.json()]
    expect(bodies[0]).toEqual(bodies[1])
    expect(bodies[2]).toEqual(bodies[1])
    const denied = await audit(alice, '?event=token.denied')
    expect(denied).toHaveLength(3)
    expect(denied.map((e) => e.secretId)).toEqual([null, null, inStaging.id])
    expect(denied.every((e) => e.token?.name === 'prod only' && e.result === 'denied')).toBe(true)
    // Nothing of this lands on bob's trail under alice's token.
    expect((await audit(bob)).some((e) => e.token !== null)).toBe(false)
  })

  it('a current-only token cannot read pending, previous or numbered versions (404, audited); an `any` token can', async () => {
    const { prod, inProd } = await tree()
    const reader = await makeToken(alice, prod.id, { stage: 'current' })
    const any = await makeToken(alice, prod.id, { stage: 'any' })
    const res = await t.call(
      `/api/secrets/${inProd.id}`,
      jsonInit(
        'PUT',
        {
          value: {
            version: 2,
            wrappedKey: wrapped(),
            ciphertext: sealedBlob(20),
            stage: 'pending',
          },
        },
        { ...alice.auth, 'if-match': `"${inProd.revision}"` },
      ),
    )
    expect(res.status).toBe(200)
    for (const q of ['?stage=pending', '?version=1', '?version=2', '?stage=previous']) {
      const r = await holder(reader, `/api/token/secrets/${inProd.id}${q}`)
      expect(r.status, q).toBe(404)
    }
    expect((await holder(reader, `/api/token/secrets/${inProd.id}?stage=current`)).status).toBe(200)
    const denied = await audit(alice, '?event=token.denied')
    expect(denied).toHaveLength(4)
    expect(denied[0]!.detail).toMatch(/current versions only/)
    const pending = await holder(any, `/api/token/secrets/${inProd.id}?stage=pending`)
    expect(pending.status).toBe(200)
    expect(((await pending.json()) as { value: { version: number } }).value.version).toBe(2)
    expect((await holder(any, `/api/token/secrets/${inProd.id}?version=1`)).status).toBe(200)
    // The list: the current value only, pending too for `any`.
    const listed = async (tok: MadeToken) =>
      (await holderJson<TokenSecretsResponse>(tok, '/api/token/secrets')).secrets[0]!.values.map(
        (v) => v.version,
      )
    expect(await listed(reader)).toEqual([1])
    expect(await listed(any)).toEqual([1, 2])
  })

  it('last use (time and client hash) shows in the list, written at most once a minute', async () => {
    const { prod } = await tree()
    const tok = await makeToken(alice, prod.id)
    await holder(tok, '/api/token', {}, '192.0.2.77')
    const [first] = await tokens(alice)
    expect(first!.lastUsedAt).toBe(new Date(t.clock.now).toISOString())
    expect(first!.lastUsedClient).toMatch(/^[0-9a-f]{32}$/)
    t.clock.advance(30_000)
    await holder(tok, '/api/token/secrets', {}, '192.0.2.77')
    expect((await tokens(alice))[0]!.lastUsedAt).toBe(first!.lastUsedAt)
    await holder(tok, '/api/token', {}, '192.0.2.78')
    const [moved] = await tokens(alice)
    expect(moved!.lastUsedAt).toBe(new Date(t.clock.now).toISOString())
    expect(moved!.lastUsedClient).not.toBe(first!.lastUsedClient)
  })
})

describe('holder: writing', () => {
  it('a read-only token cannot write: 403 read_only, audited, nothing stored', async () => {
    const { prod, inProd } = await tree()
    const tok = await makeToken(alice, prod.id, { name: 'ro' })
    const create = await holder(tok, '/api/token/secrets', jsonInit('POST', secretBody(prod.id)))
    expect([create.status, (await errorOf(create)).code]).toEqual([403, 'read_only'])
    const update = await put(tok, inProd, 2)
    expect([update.status, (await errorOf(update)).code]).toEqual([403, 'read_only'])
    const denied = await audit(alice, '?event=token.denied')
    expect(denied.map((e) => e.detail)).toEqual([
      'write refused: the token is read-only',
      'write refused: the token is read-only',
    ])
    const rows = await t.rows('select version from secret_versions')
    expect(rows).toHaveLength(3)
  })

  it('a read-write token writes in its folders only, through the vault rules (versions, quota, conflicts)', async () => {
    const { prod, staging, inProd, inStaging } = await tree()
    const tok = await makeToken(alice, prod.id, { readWrite: true, name: 'writer' })
    const created = await holder(tok, '/api/token/secrets', jsonInit('POST', secretBody(prod.id)))
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ folderId: prod.id, latestVersion: 1, revision: 1 })
    const elsewhere = await holder(
      tok,
      '/api/token/secrets',
      jsonInit('POST', secretBody(staging.id)),
    )
    expect([elsewhere.status, (await errorOf(elsewhere)).field]).toEqual([404, 'folderId'])
    const updated = await put(tok, inProd, 2, { stage: 'pending' })
    expect(updated.status).toBe(200)
    expect(await updated.json()).toMatchObject({ latestVersion: 2, revision: 2 })
    expect((await put(tok, inProd, 2)).status).toBe(409)
    expect((await put(tok, inStaging, 2)).status).toBe(404)
    const events = await audit(alice)
    const byToken = events.filter((e) => e.actor === 'token' && e.result === 'ok')
    expect(byToken.map((e) => e.event).sort()).toEqual(['secret.created', 'secret.updated'])
    expect(byToken.every((e) => e.token?.name === 'writer')).toBe(true)
    expect((await audit(alice, '?event=token.denied')).map((e) => [e.detail, e.secretId])).toEqual([
      ["write refused: no such secret in the token's folders", inStaging.id],
      ["write refused: the folder is not one of the token's", null],
    ])
  })
})

describe('grants after creation, moves and deletes', () => {
  it('POST /api/tokens/:id/grants adds folders below the root (idempotently); refused without includeSubfolders, outside the root, for another account', async () => {
    const { prod, staging } = await tree()
    const tok = await makeToken(alice, prod.id, { includeSubfolders: true, name: 'grows' })
    const flat = await makeToken(alice, prod.id, { includeSubfolders: false })
    const later = await mkdir(alice, prod.id)
    const grant = (id: string, folderId: string, user = alice) =>
      t.call(
        `/api/tokens/${id}/grants`,
        jsonInit(
          'POST',
          { grants: [{ folderId, role: 'subfolder', wrappedKey: wrapped() }] },
          user.auth,
        ),
      )
    let res = await grant(tok.id, later.id)
    expect(res.status).toBe(200)
    expect(((await res.json()) as TokenInfoResponse).grants).toBe(2)
    res = await grant(tok.id, later.id)
    expect(((await res.json()) as TokenInfoResponse).grants).toBe(2)
    expect((await audit(alice, '?event=token.granted')).length).toBe(1)
    res = await grant(flat.id, later.id)
    expect([res.status, (await errorOf(res)).field]).toEqual([409, 'includeSubfolders'])
    res = await grant(tok.id, staging.id)
    expect([res.status, (await errorOf(res)).field]).toEqual([409, 'grants.0.folderId'])
    res = await grant(tok.id, later.id, bob)
    expect(res.status).toBe(404)
    res = await t.call(
      `/api/tokens/${tok.id}/grants`,
      jsonInit(
        'POST',
        { grants: [{ folderId: later.id, role: 'root', wrappedKey: wrapped() }] },
        alice.auth,
      ),
    )
    expect(res.status).toBe(400)
    const self = await holderJson<TokenSelfResponse>(tok, '/api/token')
    expect(self.folders.map((f) => f.id)).toContain(later.id)
  })

  it('a granted folder moved out of the root is no longer served; deleting a folder deletes its grants', async () => {
    const { app, prod, db, inDb } = await tree()
    const tok = await makeToken(alice, prod.id, { subfolders: [db.id] })
    const move = await t.call(
      `/api/folders/${db.id}`,
      jsonInit(
        'PUT',
        { parentId: app.id, meta: sealedBlob(40) },
        { ...alice.auth, 'if-match': '"1"' },
      ),
    )
    expect(move.status).toBe(200)
    const self = await holderJson<TokenSelfResponse>(tok, '/api/token')
    expect(self.folders.map((f) => f.id)).toEqual([prod.id])
    expect((await holder(tok, `/api/token/secrets/${inDb.id}`)).status).toBe(404)
    expect((await tokens(alice))[0]!.grants).toBe(1)
    const empty = await mkdir(alice, prod.id)
    await t.call(
      `/api/tokens/${tok.id}/grants`,
      jsonInit(
        'POST',
        { grants: [{ folderId: empty.id, role: 'subfolder', wrappedKey: wrapped() }] },
        alice.auth,
      ),
    )
    expect((await tokens(alice))[0]!.grants).toBe(2)
    expect((await t.call(`/api/folders/${empty.id}`, as(alice, 'DELETE'))).status).toBe(204)
    expect((await tokens(alice))[0]!.grants).toBe(1)
    const grants = await t.rows<{ folder_id: Uint8Array }>(
      'select folder_id from token_grants where folder_id = ?',
      Buffer.from(empty.id, 'base64url'),
    )
    expect(grants).toEqual([])
  })
})

describe('the sealed root path', () => {
  it('PUT /api/tokens/:id/meta replaces it for the owner only, not for a revoked token', async () => {
    const { prod } = await tree()
    const tok = await makeToken(alice, prod.id)
    const meta = sealedBlob(31)
    const put = (user: TestUser, id = tok.id) =>
      t.call(`/api/tokens/${id}/meta`, jsonInit('PUT', { tokenMeta: meta }, user.auth))
    expect((await put(bob)).status).toBe(404)
    const res = await put(alice)
    expect(res.status).toBe(200)
    expect(((await res.json()) as TokenInfoResponse).tokenMeta).toBe(meta)
    expect((await holderJson<TokenSelfResponse>(tok, '/api/token')).token.tokenMeta).toBe(meta)
    await t.call(`/api/tokens/${tok.id}`, as(alice, 'DELETE'))
    expect((await put(alice)).status).toBe(409)
    const bad = await t.call(
      `/api/tokens/${tok.id}/meta`,
      jsonInit('PUT', { tokenMeta: 'x' }, alice.auth),
    )
    expect([bad.status, (await errorOf(bad)).field]).toEqual([400, 'tokenMeta'])
  })
})

describe('audit and alerts', () => {
  it('refused token accesses count toward the failed-access alert; the trail names the token and filters by it', async () => {
    const { prod, inStaging } = await tree()
    const tok = await makeToken(alice, prod.id, { name: 'probe' })
    const other = await makeToken(alice, prod.id, { name: 'quiet' })
    for (let i = 0; i < 5; i++) await holder(tok, `/api/token/secrets/${inStaging.id}`)
    const alerts = await audit(alice, '?event=alert')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.detail).toMatch(/^5 failed logins or denied accesses/)
    const mine = await audit(alice, `?tokenId=${tok.id}`)
    expect(mine.every((e) => e.token?.id === tok.id)).toBe(true)
    expect(mine.map((e) => e.event)).toContain('token.denied')
    expect(await audit(alice, `?tokenId=${other.id}&event=token.denied`)).toEqual([])
  })
})

describe('alert: a token used from a new address', () => {
  it('first address: none; another address: one alert on the trail and in the outbox, naming the token; known addresses: none', async () => {
    await t.close()
    await t.db.destroy()
    t = await makeTestApp({ config: { maxSecretBytes: 4096, webhookAllowPrivate: true } })
    alice = await registerUser(t, 'alice')
    const hook = await t.call('/api/account/webhook', {
      ...jsonInit('PUT', { url: 'http://127.0.0.1:9/hook' }),
      headers: { ...alice.auth, 'content-type': 'application/json' },
    })
    expect(hook.status).toBe(200)
    const { prod } = await tree()
    const tok = await makeToken(alice, prod.id, { name: 'web-prod' })
    const alertsNow = async () => (await audit(alice, '?event=alert')).map((e) => e.detail)
    const queued = async () =>
      (
        await t.rows<{ type: string; payload: string }>(
          "SELECT type, payload FROM outbox WHERE type = 'alert.token_new_address'",
        )
      ).map((r) => JSON.parse(r.payload) as { data: { token: string; username: string } })

    await holder(tok, '/api/token', {}, '192.0.2.10')
    t.clock.advance(120_000)
    await holder(tok, '/api/token/secrets', {}, '192.0.2.10')
    expect(await alertsNow()).toEqual([])

    await holder(tok, '/api/token/secrets', {}, '198.51.100.20')
    expect(await alertsNow()).toEqual(['token used from a new address'])
    const [event] = await audit(alice, '?event=alert')
    expect(event!.token).toMatchObject({ id: tok.id, name: 'web-prod' })
    const sent = await queued()
    expect(sent).toHaveLength(1)
    expect(sent[0]!.data).toEqual({ username: 'alice', token: 'web-prod' })

    // Back and forth between known addresses is no news.
    await holder(tok, '/api/token', {}, '192.0.2.10')
    await holder(tok, '/api/token', {}, '198.51.100.20')
    t.clock.advance(120_000)
    await holder(tok, '/api/token', {}, '198.51.100.20')
    expect(await alertsNow()).toHaveLength(1)
    expect(await queued()).toHaveLength(1)
    expect(await scrapeMetrics(t)).toMatch(
      /secretsentry_alerts_total\{kind="token_new_address"\} 1/,
    )
  })
})

describe('owner routes need the session', () => {
  it('401 without a session, 403 for a foreign Origin', async () => {
    expect((await t.call('/api/tokens')).status).toBe(401)
    const res = await t.call(
      '/api/tokens',
      jsonInit('POST', tokenBody(alice.folderId).body, {
        ...alice.auth,
        origin: 'https://evil.example',
      }),
    )
    expect(res.status).toBe(403)
  })
})
