/** @module HTTP tests of the vault's write limits (per session, per account) and its per-account storage quota (issue 8). */
import { afterEach, describe, expect, it } from 'vitest'
import type { SecretSummary } from '@secretsentry/contract/types'
import type { Config } from '../config.ts'
import { jsonInit, makeTestApp, type TestApp } from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  newId,
  registerUser,
  relogin,
  sealedBlob,
  secretBody,
  wrapped,
  type TestUser,
} from '../test/vault-fixtures.ts'

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  await t?.db.destroy()
  t = undefined
})

async function start(config: Partial<Config>): Promise<TestApp> {
  t = await makeTestApp({ config: { maxSecretBytes: 4096, ...config } })
  return t
}

/** Everything the vault holds, to show a refused write changed nothing. */
const snapshot = async (app: TestApp) =>
  Promise.all(
    ['folders', 'secrets', 'secret_versions', 'shares', 'vault_shares'].map(
      (table) => app.rows(`select * from ${table} order by 1, 2`) as Promise<unknown[]>,
    ),
  )

const create = (app: TestApp, user: TestUser, body = secretBody(user.folderId)) =>
  app.call('/api/secrets', jsonInit('POST', body, user.auth))

describe('vault write limits', () => {
  it('with the default settings a script creating 300 secrets at once is stopped by 429s', async () => {
    const app = await start({ rateLimitPerMin: 60 })
    const alice = await registerUser(app, 'alice')
    const statuses: number[] = []
    for (let i = 0; i < 300; i++) statuses.push((await create(app, alice)).status)
    const accepted = statuses.filter((s) => s === 201).length
    expect(accepted).toBeGreaterThan(50)
    expect(accepted).toBeLessThan(300)
    expect(statuses.filter((s) => s !== 201).every((s) => s === 429)).toBe(true)
  })

  it('per session: VAULT_WRITES_PER_MIN writes, then 429 with Retry-After saying what and when; a refused write changes nothing', async () => {
    const app = await start({
      rateLimitPerMin: 60,
      vaultWritesPerMin: 3,
      vaultAccountWritesPerMin: 100,
    })
    const alice = await registerUser(app, 'alice')
    const bob = await registerUser(app, 'bob')
    for (let i = 0; i < 3; i++) expect((await create(app, alice)).status).toBe(201)
    const before = await snapshot(app)
    const body = secretBody(alice.folderId)
    const refused = await create(app, alice, body)
    expect(refused.status).toBe(429)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    const error = await errorOf(refused)
    expect(error.code).toBe('rate_limited')
    expect(error.message).toMatch(/this session/)
    expect(error.message).toContain('3 a minute')
    expect(error.message).toContain(`${retryAfter} s`)
    expect(await snapshot(app)).toEqual(before)
    // Every kind of write spends the same budget: folders, updates, deletes, restores, shares.
    expect(
      (
        await app.call(
          '/api/folders',
          jsonInit(
            'POST',
            { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(40) },
            alice.auth,
          ),
        )
      ).status,
    ).toBe(429)
    expect((await app.call(`/api/secrets/${newId()}`, as(alice, 'DELETE'))).status).toBe(429)
    expect((await app.call(`/api/secrets/${newId()}/restore`, as(alice, 'POST'))).status).toBe(429)
    expect(await snapshot(app)).toEqual(before)
    // Reads are not writes; another account and a later minute are unaffected.
    expect((await app.call('/api/secrets', as(alice))).status).toBe(200)
    expect((await create(app, bob)).status).toBe(201)
    app.clock.advance(60_000)
    expect((await create(app, alice, body)).status).toBe(201)
  })

  it('per account: VAULT_ACCOUNT_WRITES_PER_MIN across all its sessions', async () => {
    const app = await start({
      rateLimitPerMin: 60,
      vaultWritesPerMin: 3,
      vaultAccountWritesPerMin: 5,
    })
    const alice = await registerUser(app, 'alice')
    for (let i = 0; i < 3; i++) expect((await create(app, alice)).status).toBe(201)
    expect((await create(app, alice)).status).toBe(429)
    await relogin(app, alice)
    for (let i = 0; i < 2; i++) expect((await create(app, alice)).status).toBe(201)
    const before = await snapshot(app)
    const refused = await create(app, alice)
    expect(refused.status).toBe(429)
    expect((await errorOf(refused)).message).toMatch(/this account/)
    expect(await snapshot(app)).toEqual(before)
  })

  it('RATE_LIMIT_PER_MIN=0 or VAULT_WRITES_PER_MIN=0 turn the write limits off', async () => {
    for (const config of [
      { rateLimitPerMin: 0, vaultWritesPerMin: 2, vaultAccountWritesPerMin: 2 },
      { rateLimitPerMin: 60, vaultWritesPerMin: 0, vaultAccountWritesPerMin: 0 },
    ]) {
      const app = await start(config)
      const alice = await registerUser(app, 'alice')
      for (let i = 0; i < 5; i++) expect((await create(app, alice)).status).toBe(201)
      await app.close()
      await app.db.destroy()
      t = undefined
    }
  })
})

describe('vault storage quota', () => {
  it('refuses a create past VAULT_QUOTA_BYTES with 413 quota_exceeded naming used and limit, and changes nothing', async () => {
    const app = await start({ vaultQuotaBytes: 4000 })
    const alice = await registerUser(app, 'alice')
    const bob = await registerUser(app, 'bob')
    let refused: Response | undefined
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await create(app, alice)
      if (res.status !== 201) refused = res
    }
    expect(refused?.status).toBe(413)
    const error = await errorOf(refused as Response)
    expect(error.code).toBe('quota_exceeded')
    const usedBytes = await bytesOf(app, alice)
    expect(usedBytes).toBeLessThanOrEqual(4000)
    expect(error.message).toContain(`${usedBytes} of 4000 bytes`)
    const before = await snapshot(app)
    expect((await create(app, alice)).status).toBe(413)
    expect(await snapshot(app)).toEqual(before)
    // The quota is per account: bob still writes.
    expect((await create(app, bob)).status).toBe(201)
  })

  it('counts new versions and folders; edits that do not grow pass; purging frees space', async () => {
    const app = await start({ vaultQuotaBytes: 3000 })
    const alice = await registerUser(app, 'alice')
    const { body, summary } = await createSecret(app, alice)
    let revision = summary.revision
    let latest = 1
    let refused: Response | undefined
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await app.call(
        `/api/secrets/${body.id}`,
        jsonInit(
          'PUT',
          { value: { version: latest + 1, wrappedKey: wrapped(), ciphertext: sealedBlob(200) } },
          alice.auth,
        ),
      )
      if (res.status === 200) {
        latest++
        revision = ((await res.json()) as SecretSummary).revision
      } else refused = res
    }
    expect(refused?.status).toBe(413)
    expect((await errorOf(refused as Response)).code).toBe('quota_exceeded')
    const before = await snapshot(app)
    const folder = await app.call(
      '/api/folders',
      jsonInit('POST', { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(400) }, alice.auth),
    )
    expect(folder.status).toBe(413)
    expect(await snapshot(app)).toEqual(before)
    // Same-size metadata replaces the old one: no growth, so it passes at the quota.
    const edit = await app.call(
      `/api/secrets/${body.id}`,
      jsonInit(
        'PUT',
        { meta: { revision: 2, ciphertext: sealedBlob(120) } },
        { ...alice.auth, 'if-match': `"${revision}"` },
      ),
    )
    expect(edit.status).toBe(200)
    // A deleted secret still counts until purged; then its space is free again.
    expect((await app.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))).status).toBe(200)
    expect((await create(app, alice)).status).toBe(413)
    expect((await app.call(`/api/secrets/${body.id}?purge=true`, as(alice, 'DELETE'))).status).toBe(
      204,
    )
    expect((await create(app, alice)).status).toBe(201)
  })

  it('is race-safe: 30 concurrent creates never take the account past its quota', async () => {
    const app = await start({ vaultQuotaBytes: 4000 })
    const alice = await registerUser(app, 'alice')
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () => create(app, alice).then((res) => res.status)),
    )
    const accepted = statuses.filter((s) => s === 201).length
    expect(statuses.filter((s) => s !== 201).every((s) => s === 413)).toBe(true)
    expect(accepted).toBeGreaterThan(0)
    expect(await bytesOf(app, alice)).toBeLessThanOrEqual(4000)
    const secrets = (await app.rows('select count(*) as n from secrets'))[0] as { n: number }
    expect(secrets.n).toBe(accepted)
  })

  it('VAULT_QUOTA_BYTES=0 means no quota', async () => {
    const app = await start({ vaultQuotaBytes: 0 })
    const alice = await registerUser(app, 'alice')
    for (let i = 0; i < 30; i++) expect((await create(app, alice)).status).toBe(201)
  })
})

/** Bytes stored for `user` as the quota counts them: ciphertext and wrapped keys of every version, secret and folder metadata. */
async function bytesOf(app: TestApp, user: TestUser): Promise<number> {
  const id = Buffer.from(user.userId, 'base64url')
  return (
    (
      await app.rows(
        `select
           (select coalesce(sum(length(v.ciphertext) + length(v.wrapped_key)), 0)
              from secret_versions v join secrets s on s.id = v.secret_id where s.user_id = ?) +
           (select coalesce(sum(length(meta)), 0) from secrets where user_id = ?) +
           (select coalesce(sum(length(meta) + length(wrapped_key)), 0) from folders where user_id = ?) as n`,
        id,
        id,
        id,
      )
    )[0] as { n: number }
  ).n
}
