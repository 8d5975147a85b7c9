/**
 * Service tokens end to end against the real server app (issue 11): the owner makes a token with
 * the vault client, a holder opens it with the token session and reads absolute paths and
 * values decrypted on its side; folders made later are granted by mkdir; revocation, expiry,
 * read-only and stage limits come back as ClientError codes that never quote the token.
 */
import { makeTestApp } from '@secretsentry/server/test/test-app'
import { describe, expect, it, vi } from 'vitest'
import { ClientError, createVaultClient } from './vault.ts'
import type { VaultSession } from './vault.ts'
import { openTokenSession } from './token.ts'
import type { FetchLike } from './http.ts'

vi.mock('@secretsentry/keyring', async (importOriginal) => {
  const real = await importOriginal<typeof import('@secretsentry/keyring')>()
  return { ...real, KDF_DEFAULTS: { algorithm: 'argon2id', ...real.KDF_MINIMUMS } }
})

const ORIGIN = 'https://vault.example.test'
const PASSWORD = 'a long master password 1'
const CANARY = 'canary-token-41f7c2'

async function setup() {
  const t = await makeTestApp()
  const sent: string[] = []
  const fetch: FetchLike = (url, init) => {
    sent.push(JSON.stringify(init.headers), init.body ?? '')
    return t.call(url.slice(ORIGIN.length), init)
  }
  const owner = await createVaultClient({ origin: ORIGIN, fetch, session: 'bearer' }).register(
    'alice',
    PASSWORD,
  )
  const open = (token: string) => openTokenSession({ origin: ORIGIN, fetch, token })
  return { t, sent, owner, open, fetch }
}

const put = (s: VaultSession, path: string, name: string, value: string) =>
  s.create({ meta: { name, description: '', tags: [], path }, value })

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (e) {
    return e instanceof ClientError ? e.code : String(e)
  }
  return 'no error'
}

describe('service tokens (client ↔ server)', () => {
  it('create → open as holder → every secret of the folder with its absolute path; nothing else; nothing in clear on the wire', async () => {
    const { owner, open, sent } = await setup()
    await owner.mkdir('/app/production')
    await owner.mkdir('/app/staging')
    await put(owner, '/app/production', 'DB_PASSWORD', CANARY)
    await put(owner, '/app/production', 'API_URL', 'https://api.example')
    await put(owner, '/app/staging', 'DB_PASSWORD', 'staging value')
    const { text, token } = await owner.createToken({ path: '/app/production', name: 'deploy' })
    expect(text).toMatch(/^sst_/)
    expect(token).toMatchObject({
      name: 'deploy',
      path: '/app/production',
      includeSubfolders: false,
      readWrite: false,
      stage: 'current',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    })

    const holder = await open(text)
    expect(holder.info).toMatchObject({
      id: token.id,
      name: 'deploy',
      rootPath: '/app/production',
      readWrite: false,
      stage: 'current',
    })
    const secrets = await holder.secrets()
    expect(secrets).toEqual([
      {
        path: '/app/production/API_URL',
        folderPath: '/app/production',
        name: 'API_URL',
        value: 'https://api.example',
        version: 1,
      },
      {
        path: '/app/production/DB_PASSWORD',
        folderPath: '/app/production',
        name: 'DB_PASSWORD',
        value: CANARY,
        version: 1,
      },
    ])
    expect((await holder.get('/app/production/DB_PASSWORD')).value).toBe(CANARY)
    expect((await holder.get('API_URL')).path).toBe('/app/production/API_URL')
    expect(await codeOf(holder.get('/app/staging/DB_PASSWORD'))).toBe('secret_not_found')
    expect(await codeOf(holder.secrets({ path: '/app/staging' }))).toBe('folder_not_found')
    expect(await codeOf(holder.secrets({ path: '/app' }))).toBe('folder_not_found')
    expect(await holder.secrets({ path: '/app/production/' })).toHaveLength(2)

    const secretPart = text.slice(27)
    for (const s of sent) {
      expect(s).not.toContain(text)
      expect(s).not.toContain(secretPart)
      expect(s).not.toContain(CANARY)
      expect(s).not.toContain('production')
    }
    const [listed] = await owner.tokens()
    expect(listed!.lastUsedAt).not.toBeNull()
    expect(listed!.lastUsedClient).toMatch(/^[0-9a-f]{32}$/)
  })

  it('a subfolder made later by mkdir (or moved in) is readable with includeSubfolders, and not without', async () => {
    const { owner, open } = await setup()
    await owner.mkdir('/app/production/db')
    await put(owner, '/app/production/db', 'DB_USER', 'u')
    const deep = await owner.createToken({ path: '/app/production', includeSubfolders: true })
    const flat = await owner.createToken({ path: '/app/production' })
    await owner.mkdir('/app/production/cache/redis')
    await put(owner, '/app/production/cache/redis', 'REDIS_URL', 'redis://x')
    await owner.mkdir('/elsewhere/queue')
    await put(owner, '/elsewhere/queue', 'QUEUE_URL', 'amqp://y')
    await owner.moveFolder('/elsewhere/queue', '/app/production')

    const paths = async (text: string) => (await (await open(text)).secrets()).map((s) => s.path)
    expect(await paths(deep.text)).toEqual([
      '/app/production/cache/redis/REDIS_URL',
      '/app/production/db/DB_USER',
      '/app/production/queue/QUEUE_URL',
    ])
    expect(await paths(flat.text)).toEqual([])
    const holder = await open(deep.text)
    expect((await holder.secrets({ path: '/app/production/cache' })).map((s) => s.name)).toEqual([
      'REDIS_URL',
    ])
    // environments() grants as mkdir does.
    await owner.environments('/app/production/svc')
    await put(owner, '/app/production/svc/staging', 'X', 'x')
    expect((await holder.secrets({ path: '/app/production/svc' })).map((s) => s.path)).toEqual([
      '/app/production/svc/staging/X',
    ])
  })

  it('renaming or moving the root (or a folder above it) seals the new root path for the holder', async () => {
    const { owner, open } = await setup()
    await owner.mkdir('/app/production')
    await put(owner, '/app/production', 'KEY', 'k')
    const { text } = await owner.createToken({ path: '/app/production', includeSubfolders: true })
    await owner.renameFolder('/app', 'shop')
    expect((await owner.tokens())[0]!.path).toBe('/shop/production')
    let holder = await open(text)
    expect(holder.info.rootPath).toBe('/shop/production')
    expect((await holder.secrets()).map((s) => s.path)).toEqual(['/shop/production/KEY'])
    await owner.mkdir('/archive')
    await owner.moveFolder('/shop', '/archive')
    holder = await open(text)
    expect((await holder.get('/archive/shop/production/KEY')).value).toBe('k')
  })

  it('read-only cannot set; a read-write token sets new values and new secrets the owner reads', async () => {
    const { owner, open } = await setup()
    await owner.mkdir('/svc')
    await put(owner, '/svc', 'TOKEN', 'v1')
    const ro = await open((await owner.createToken({ path: '/svc' })).text)
    expect(await codeOf(ro.set('/svc/TOKEN', 'x'))).toBe('read_only')
    const rw = await open(
      (await owner.createToken({ path: '/svc', readWrite: true, stage: 'any' })).text,
    )
    expect(await rw.set('/svc/TOKEN', 'v2')).toMatchObject({ path: '/svc/TOKEN', version: 2 })
    expect(await rw.set('/svc/TOKEN', 'v3', { pending: true })).toMatchObject({ version: 3 })
    expect((await rw.get('/svc/TOKEN')).value).toBe('v2')
    expect((await rw.get('/svc/TOKEN', { stage: 'pending' })).value).toBe('v3')
    expect((await rw.get('/svc/TOKEN', { version: 1 })).value).toBe('v1')
    expect((await ro.get('/svc/TOKEN')).value).toBe('v2')
    expect(await codeOf(ro.get('/svc/TOKEN', { stage: 'pending' }))).toBe('not_found')
    expect(await rw.set('NEW_ONE', 'n')).toMatchObject({ path: '/svc/NEW_ONE', version: 1 })
    expect(await codeOf(rw.set('/other/NEW', 'n'))).toBe('folder_not_found')
    const item = await owner.resolve('/svc/NEW_ONE')
    expect((await owner.read(item.summary)).value).toBe('n')
    const audit = await owner.audit({ limit: 100 })
    expect(audit.events.some((e) => e.actor === 'token' && e.event === 'secret.created')).toBe(true)
  })

  it('revoke (by name) and expiry: 401 token_revoked / token_expired, messages without the token', async () => {
    const { owner, open, t } = await setup()
    await owner.mkdir('/app')
    const { text } = await owner.createToken({ path: '/app', name: 'ci' })
    const holder = await open(text)
    await owner.revokeToken('ci')
    await owner.revokeToken('ci')
    let err = await holder.secrets().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClientError)
    expect(err).toMatchObject({ status: 401, code: 'token_revoked' })
    expect((err as Error).message).not.toContain(text.slice(4, 26))
    expect(await codeOf(open(text))).toBe('token_revoked')
    expect((await owner.tokens())[0]!.revokedAt).not.toBeNull()
    expect(await codeOf(owner.revokeToken('nope'))).toBe('not_found')

    const short = await owner.createToken({ path: '/app', expiresInSeconds: 60 })
    const expiring = await open(short.text)
    t.clock.advance(61_000)
    err = await expiring.secrets().catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 401, code: 'token_expired' })
  })

  it('a text that is not a token is bad_token, a well-formed stranger unauthenticated; neither message quotes it', async () => {
    const { open } = await setup()
    const bad = 'sst_not-a-real-token'
    const err = await open(bad).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'bad_token' })
    expect((err as Error).message).not.toContain(bad)
    const stranger = `sst_${'A'.repeat(22)}_${'B'.repeat(42)}A`
    const e2 = await open(stranger).catch((e: unknown) => e)
    expect(e2).toMatchObject({ status: 401, code: 'unauthenticated' })
    expect((e2 as Error).message).not.toContain('BBBB')
  })
})
