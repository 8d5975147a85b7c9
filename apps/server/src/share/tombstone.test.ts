/** @module Share receipts (tombstones): every way a share ends, what status says after, what is kept and for how long. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ShareStatusResponse } from '@secretsentry/contract/types'
import { SHARE_LIMITS } from '@secretsentry/contract/limits'
import {
  b64url,
  createOk,
  makeTestApp,
  openInit,
  shareFixture,
  TEST_BACKEND,
  type ShareFixture,
  type TestApp,
} from '../test/test-app.ts'
import { MAX_TOMBSTONE_OPENS, parseOpenTimes, tombstoneOf, type ShareEnded } from './tombstone.ts'

let t: TestApp
let ended: ShareEnded[]

beforeEach(async () => {
  ended = []
  t = await makeTestApp({
    onShareEnded: async (trx, e) => {
      // Runs inside the burn's transaction: it can read what the burn wrote.
      const rows = await trx
        .selectFrom('share_tombstones')
        .select('how')
        .where('id', '=', e.shareId)
        .execute()
      if (rows[0]?.how !== e.how) throw new Error('hook ran before the tombstone was written')
      ended.push(e)
    },
  })
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } })
const HOUR = 3_600_000

async function status(id: string, token: string): Promise<ShareStatusResponse> {
  const res = await t.call(`/api/share/${id}/status`, bearer(token))
  if (res.status !== 200) throw new Error(`status answered ${res.status}`)
  return (await res.json()) as ShareStatusResponse
}

const open = (f: ShareFixture) => t.call(`/api/share/${f.id}/open`, openInit(f.access))
const wrongOpen = (f: ShareFixture) =>
  t.call(`/api/share/${f.id}/open`, openInit(b64url(crypto.randomBytes(32))))
const iso = (ms: number) => new Date(ms).toISOString()
const tombstones = async () =>
  (await t.rows<{ n: number }>('select count(*) as n from share_tombstones'))[0]?.n

/** Every value in every table of the database, so a test can look for bytes that must be gone. */
async function everyStoredValue(): Promise<unknown[]> {
  const tables =
    TEST_BACKEND === 'postgres'
      ? await t.rows<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
        )
      : await t.rows<{ name: string }>("select name from sqlite_master where type = 'table'")
  const values: unknown[] = []
  for (const { name } of tables) {
    for (const row of await t.rows(`select * from ${name}`)) values.push(...Object.values(row))
  }
  return values
}

/** True when some stored value holds `bytes` (raw, or as base64url or hex text). */
async function stored(bytes: Buffer): Promise<boolean> {
  const texts = [bytes.toString('base64url'), bytes.toString('hex')]
  return (await everyStoredValue()).some((v) =>
    Buffer.isBuffer(v) || v instanceof Uint8Array
      ? Buffer.from(v).includes(bytes)
      : typeof v === 'string' && texts.some((text) => v.includes(text)),
  )
}

describe('share receipts: how a share ended', () => {
  it('read: the last view leaves a receipt with its open time', async () => {
    const f = shareFixture()
    const { manageToken, expiresAt } = await createOk(t, f)
    t.clock.advance(120_000)
    expect((await open(f)).status).toBe(200)
    const readAt = t.clock.now
    t.clock.advance(120_000)
    expect(await status(f.id, manageToken)).toEqual({
      id: f.id,
      state: 'read',
      viewsLeft: 0,
      maxViews: 1,
      ttlSeconds: 3600,
      createdAt: iso(readAt - 120_000),
      expiresAt,
      endedAt: iso(readAt),
      failedAttempts: 0,
      opens: [{ at: iso(readAt) }],
    })
    expect(ended).toEqual([
      {
        shareId: Buffer.from(f.id, 'base64url'),
        how: 'read',
        at: readAt,
        opens: [readAt],
        createdAt: readAt - 120_000,
        expiresAt: Date.parse(expiresAt),
        maxViews: 1,
      },
    ])
  })

  it('read: a multi-view share lists every view, live and after its last', async () => {
    const f = shareFixture({ maxViews: 3 })
    const { manageToken } = await createOk(t, f)
    const times: number[] = []
    for (let i = 0; i < 3; i++) {
      t.clock.advance(60_000)
      times.push(t.clock.now)
      expect((await open(f)).status).toBe(200)
      if (i === 1) {
        const live = await status(f.id, manageToken)
        expect(live.state).toBe('live')
        expect(live.opens).toEqual(times.map((at) => ({ at: iso(at) })))
      }
    }
    const after = await status(f.id, manageToken)
    expect(after.state).toBe('read')
    expect(after.opens).toEqual(times.map((at) => ({ at: iso(at) })))
    expect(ended.map((e) => e.opens)).toEqual([times])
  })

  it('expired unread, found on open: status says so until 7 days after the expiry', async () => {
    const f = shareFixture({ ttlSeconds: 300 })
    const { manageToken, expiresAt } = await createOk(t, f)
    t.clock.advance(400_000)
    expect((await open(f)).status).toBe(404)
    expect(await t.rows('select id from shares')).toEqual([])
    const s = await status(f.id, manageToken)
    expect(s).toMatchObject({ state: 'expired', endedAt: expiresAt, opens: [], viewsLeft: 0 })
    expect(ended.map((e) => [e.how, e.at])).toEqual([['expired', Date.parse(expiresAt)]])
    t.clock.advance(SHARE_LIMITS.expiredReceiptSeconds * 1000 - 100_001)
    expect((await status(f.id, manageToken)).state).toBe('expired')
    t.clock.advance(1)
    expect((await t.call(`/api/share/${f.id}/status`, bearer(manageToken))).status).toBe(404)
  })

  it('expired, by the sweeper: one receipt per share, with the views it had', async () => {
    const unread = shareFixture({ ttlSeconds: 300 })
    const once = shareFixture({ ttlSeconds: 300, maxViews: 2 })
    const a = await createOk(t, unread)
    const b = await createOk(t, once)
    await open(once)
    const openedAt = t.clock.now
    t.clock.advance(HOUR)
    // Before the sweeper: status already says expired, and writes nothing.
    expect((await status(unread.id, a.manageToken)).state).toBe('expired')
    expect(await tombstones()).toBe(0)
    expect(await t.sweeper.runOnce()).toBe(2)
    expect(await tombstones()).toBe(2)
    expect(await status(unread.id, a.manageToken)).toMatchObject({
      state: 'expired',
      endedAt: a.expiresAt,
      opens: [],
    })
    expect(await status(once.id, b.manageToken)).toMatchObject({
      state: 'expired',
      opens: [{ at: iso(openedAt) }],
      maxViews: 2,
    })
    expect(ended.map((e) => e.how)).toEqual(['expired', 'expired'])
  })

  it('deleted: with the manage token or with the link', async () => {
    const byOwner = shareFixture()
    const byLink = shareFixture()
    const a = await createOk(t, byOwner)
    const b = await createOk(t, byLink)
    t.clock.advance(1000)
    const del = (f: ShareFixture, token: string) =>
      t.call(`/api/share/${f.id}`, { method: 'DELETE', ...bearer(token) })
    expect((await del(byOwner, a.manageToken)).status).toBe(204)
    expect((await del(byLink, byLink.access)).status).toBe(204)
    for (const [f, token] of [
      [byOwner, a.manageToken],
      [byLink, b.manageToken],
    ] as const) {
      expect(await status(f.id, token)).toMatchObject({
        state: 'deleted',
        endedAt: iso(t.clock.now),
        opens: [],
      })
    }
    // A deleted share stays deleted: a second DELETE is an ordinary 404.
    expect((await del(byOwner, a.manageToken)).status).toBe(404)
  })

  it('destroyed: the 5th wrong access value, on open or on DELETE', async () => {
    const f = shareFixture({ maxViews: 2 })
    const { manageToken } = await createOk(t, f)
    await open(f)
    for (let i = 0; i < SHARE_LIMITS.maxFailedAttempts; i++) await wrongOpen(f)
    expect(await status(f.id, manageToken)).toMatchObject({
      state: 'destroyed',
      failedAttempts: 5,
      opens: [{ at: iso(t.clock.now) }],
    })
    const g = shareFixture()
    const other = await createOk(t, g)
    for (let i = 0; i < SHARE_LIMITS.maxFailedAttempts; i++) {
      await t.call(`/api/share/${g.id}`, {
        method: 'DELETE',
        ...bearer(b64url(crypto.randomBytes(32))),
      })
    }
    expect((await status(g.id, other.manageToken)).state).toBe('destroyed')
    expect(ended.map((e) => e.how)).toEqual(['destroyed', 'destroyed'])
  })
})

describe('share receipts: what they keep and who may read them', () => {
  it('no ciphertext, verifier or access value is left anywhere in the database after each ending', async () => {
    const read = shareFixture()
    const expiredOnOpen = shareFixture({ ttlSeconds: 300 })
    const swept = shareFixture({ ttlSeconds: 300 })
    const deleted = shareFixture()
    const destroyed = shareFixture()
    const all = [read, expiredOnOpen, swept, deleted, destroyed]
    const tokens = new Map<ShareFixture, string>()
    for (const f of all) tokens.set(f, (await createOk(t, f)).manageToken)
    await open(read)
    await t.call(`/api/share/${deleted.id}`, {
      method: 'DELETE',
      ...bearer(tokens.get(deleted) ?? ''),
    })
    for (let i = 0; i < SHARE_LIMITS.maxFailedAttempts; i++) await wrongOpen(destroyed)
    t.clock.advance(400_000)
    await open(expiredOnOpen)
    await t.sweeper.runOnce()
    expect(await t.rows('select id from shares')).toEqual([])
    expect(await tombstones()).toBe(5)
    for (const f of all) {
      expect(await stored(Buffer.from(f.ciphertext, 'base64url').subarray(100, 132))).toBe(false)
      expect(await stored(Buffer.from(f.verifier, 'base64url'))).toBe(false)
      expect(await stored(Buffer.from(f.access, 'base64url'))).toBe(false)
      // The token itself never was stored; its hash is, so status keeps needing the token.
      expect(await stored(Buffer.from(tokens.get(f) ?? '', 'base64url'))).toBe(false)
    }
    // The scan does find what is there: a receipt's manage token hash.
    const hash = crypto
      .createHash('sha256')
      .update(Buffer.from(tokens.get(read) ?? '', 'base64url'))
    expect(await stored(hash.digest())).toBe(true)
  })

  it('an ended share without its manage token is the same 404 as an unknown id', async () => {
    const f = shareFixture()
    const { manageToken } = await createOk(t, f)
    await open(f)
    const wrong = await t.call(`/api/share/${f.id}/status`, bearer(b64url(crypto.randomBytes(32))))
    const unknown = await t.call(
      `/api/share/${shareFixture().id}/status`,
      bearer(b64url(crypto.randomBytes(32))),
    )
    expect(wrong.status).toBe(404)
    expect(unknown.status).toBe(404)
    expect(await wrong.text()).toBe(await unknown.text())
    expect([...wrong.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort())
    // The access value opens a share; it never manages one, nor reads its receipt.
    expect((await t.call(`/api/share/${f.id}/status`, bearer(f.access))).status).toBe(404)
    // No token at all: 401, whether the share exists or not.
    expect((await t.call(`/api/share/${f.id}/status`)).status).toBe(401)
    expect((await status(f.id, manageToken)).state).toBe('read')
  })

  it('a receipt is swept at the original expiry; an expired one 7 days after it', async () => {
    const read = shareFixture({ ttlSeconds: 3600 })
    const unread = shareFixture({ ttlSeconds: 3600 })
    const a = await createOk(t, read)
    const b = await createOk(t, unread)
    await open(read)
    t.clock.advance(HOUR - 1)
    expect((await status(read.id, a.manageToken)).state).toBe('read')
    t.clock.advance(1)
    // Its time is up even before the sweeper comes.
    expect((await t.call(`/api/share/${read.id}/status`, bearer(a.manageToken))).status).toBe(404)
    expect(await t.sweeper.runOnce()).toBe(1)
    const left = await t.rows<{ id: Buffer }>('select id from share_tombstones')
    expect(left.map((r) => b64url(r.id))).toEqual([unread.id])
    t.clock.advance(SHARE_LIMITS.expiredReceiptSeconds * 1000 - 1)
    await t.sweeper.runOnce()
    expect((await status(unread.id, b.manageToken)).state).toBe('expired')
    t.clock.advance(1)
    await t.sweeper.runOnce()
    expect(await tombstones()).toBe(0)
  })

  it('a hook that throws rolls the burn back: the share still opens, and has no receipt', async () => {
    const failing = await makeTestApp({
      onShareEnded: () => Promise.reject(new Error('outbox unavailable')),
    })
    try {
      const f = shareFixture()
      await createOk(failing, f)
      const first = await failing.call(`/api/share/${f.id}/open`, openInit(f.access))
      expect(first.status).toBe(500)
      expect(
        (await failing.rows<{ n: number }>('select count(*) as n from share_tombstones'))[0]?.n,
      ).toBe(0)
      expect(await failing.rows('select id from shares')).toHaveLength(1)
    } finally {
      await failing.close()
      await failing.db.destroy()
    }
  })

  it('a new share under the id of one that ended replaces its receipt when it ends', async () => {
    const f = shareFixture()
    const first = await createOk(t, f)
    await open(f)
    const again = await createOk(t, f)
    await t.call(`/api/share/${f.id}`, { method: 'DELETE', ...bearer(again.manageToken) })
    expect((await status(f.id, again.manageToken)).state).toBe('deleted')
    expect((await t.call(`/api/share/${f.id}/status`, bearer(first.manageToken))).status).toBe(404)
  })
})

describe('share receipts with two instances on one database', () => {
  it('their sweepers write each receipt once and sweep each once', async () => {
    // PostgreSQL: two schemas' worth of pools on one schema; SQLite: two handles on one file (WORKERS).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-tomb-'))
    const file = TEST_BACKEND === 'postgres' ? undefined : path.join(dir, 'db.sqlite')
    const a = file ? await makeTestApp({ file }) : t
    const b = file ? await makeTestApp({ file }) : await makeTestApp({ sameDatabaseAs: t })
    try {
      b.clock.now = a.clock.now
      for (let i = 0; i < 40; i++) await createOk(a, shareFixture({ ttlSeconds: 300 }))
      const both = async (ms: number) => {
        a.clock.advance(ms)
        b.clock.advance(ms)
        const counts: number[] = []
        for (let round = 0; round < 5; round++)
          counts.push(...(await Promise.all([a.sweeper.runOnce(), b.sweeper.runOnce()])))
        return counts.reduce((x, y) => x + y, 0)
      }
      const receipts = async () =>
        (await a.rows<{ n: number }>('select count(*) as n from share_tombstones'))[0]?.n
      expect(await both(400_000)).toBe(40)
      expect(await receipts()).toBe(40)
      expect(await both(SHARE_LIMITS.expiredReceiptSeconds * 1000)).toBe(0)
      expect(await receipts()).toBe(0)
    } finally {
      for (const app of file ? [b, a] : [b]) {
        await app.close()
        await app.backend.close()
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('tombstoneOf', () => {
  const row = (openedAt: string) => ({
    id: Buffer.alloc(16),
    manage_token_hash: Buffer.alloc(32),
    max_views: 3,
    failed_attempts: 0,
    opened_at: openedAt,
    created_at: 1,
    expires_at: 2,
    from_vault: 0,
    receipt_email: null,
    receipt_user_id: null,
    receipt_label: null,
  })
  const list = (n: number) => Array.from({ length: n }, (_, i) => `${1000 + i},`).join('')

  it('keeps an open list of up to MAX_TOMBSTONE_OPENS entries as it is, and the latest ones of a longer list', () => {
    for (const n of [0, 1, MAX_TOMBSTONE_OPENS]) {
      expect(tombstoneOf(row(list(n)), 'read', 5).opened_at).toBe(list(n))
    }
    const long = list(MAX_TOMBSTONE_OPENS + 2)
    const kept = tombstoneOf(row(long), 'read', 5).opened_at
    expect(parseOpenTimes(kept)).toEqual(parseOpenTimes(long).slice(2))
  })
})
