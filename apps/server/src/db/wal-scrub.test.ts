/** @module Burned, deleted, expired and purged ciphertext leaves every file of the data directory within WAL_SCRUB_SECONDS, and at a clean stop. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { SHARE_LIMITS } from '@secretsentry/contract/limits'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listFiles, scanFiles } from '../../../../e2e/support/leak-scan.ts'
import { testConfig } from '../config.ts'
import { mayErase, startWalScrubber } from './wal-scrub.ts'
import { startServer } from '../server.ts'
import {
  createOk,
  jsonInit,
  makeTestApp,
  openInit,
  shareFixture,
  type ShareFixture,
  type TestApp,
} from '../test/test-app.ts'
import type { LoginResponse } from '@secretsentry/contract/types'
import { as, createSecret, registerBody, registerUser, secretBody } from '../test/vault-fixtures.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-scrub-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A file database in WAL mode with secure_delete, closed after the test; fake timers on. */
function walDatabase(): { sqlite: BetterSqlite3.Database; file: string; dir: string } {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] })
  const dir = tempDir()
  const file = path.join(dir, 'x.db')
  const sqlite = new BetterSqlite3(file)
  cleanups.push(() => sqlite.close())
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('secure_delete = ON')
  return { sqlite, file, dir }
}

/** Which of `secrets` (name → ciphertext, base64url as sent) appear in any file under `dir`. */
async function foundIn(dir: string, secrets: Record<string, string>): Promise<Set<string>> {
  const raw = Object.fromEntries(
    Object.entries(secrets).map(([name, b64]) => [name, Buffer.from(b64, 'base64url')]),
  )
  const findings = await scanFiles(await listFiles(dir), raw)
  return new Set(findings.map((f) => f.secret))
}

const names = (prefix: string, shares: ShareFixture[]) =>
  Object.fromEntries(shares.map((s, i) => [`${prefix}${i}`, s.ciphertext]))

describe('deleted content leaves the data directory', () => {
  it('burned, deleted, destroyed, expired and purged ciphertext is in no file within WAL_SCRUB_SECONDS; live ciphertext is', async () => {
    // Only the scrubber's interval is faked: the write queue's setImmediate stays real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const dir = tempDir()
    const t: TestApp = await makeTestApp({
      file: path.join(dir, 'secretsentry.db'),
      config: { vaultRecoveryDays: 0 },
    })
    cleanups.push(async () => {
      await t.close()
      await t.db.destroy()
    })
    const scrubMs = testConfig().walScrubSeconds * 1000

    const kept: ShareFixture[] = []
    const burned: Record<string, string> = {}
    const make = async (overrides: Parameters<typeof shareFixture>[0] = {}) => {
      const s = shareFixture(overrides)
      const created = await createOk(t, s)
      // A live share between burned ones: the pages it shares with them are rewritten, not freed.
      const live = shareFixture({ ttlSeconds: SHARE_LIMITS.ttlMaxSeconds })
      await createOk(t, live)
      kept.push(live)
      return { ...s, manageToken: created.manageToken }
    }

    for (let i = 0; i < 12; i++) {
      const opened = await make()
      expect((await t.call(`/api/share/${opened.id}/open`, openInit(opened.access))).status).toBe(
        200,
      )
      burned[`opened${i}`] = opened.ciphertext

      const twice = await make({ maxViews: 2 })
      for (let v = 0; v < 2; v++)
        expect((await t.call(`/api/share/${twice.id}/open`, openInit(twice.access))).status).toBe(
          200,
        )
      burned[`twice${i}`] = twice.ciphertext

      const deleted = await make()
      const del = await t.call(`/api/share/${deleted.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${deleted.manageToken}` },
      })
      expect(del.status).toBe(204)
      burned[`deleted${i}`] = deleted.ciphertext

      const destroyed = await make()
      const wrong = shareFixture().access
      for (let a = 0; a < 5; a++) await t.call(`/api/share/${destroyed.id}/open`, openInit(wrong))
      expect(
        (await t.call(`/api/share/${destroyed.id}/open`, openInit(destroyed.access))).status,
      ).toBe(404)
      burned[`destroyed${i}`] = destroyed.ciphertext

      burned[`swept${i}`] = (await make({ ttlSeconds: 300 })).ciphertext
      const expiredOnOpen = await make({ ttlSeconds: 300 })
      burned[`expiredOnOpen${i}`] = expiredOnOpen.ciphertext
      t.clock.advance(301_000)
      expect(
        (await t.call(`/api/share/${expiredOnOpen.id}/open`, openInit(expiredOnOpen.access)))
          .status,
      ).toBe(404)
      expect(await t.sweeper.runOnce()).toBe(1)
    }

    const alice = await registerUser(t, 'alice')
    const purged = await createSecret(t, alice)
    const live = await createSecret(t, alice)
    expect((await t.call(`/api/secrets/${purged.body.id}`, as(alice, 'DELETE'))).status).toBe(200)
    expect((await t.vaultSweeper.runOnce()).secrets).toBe(1)
    burned.purgedValue = purged.body.value.ciphertext
    burned.purgedMeta = purged.body.meta.ciphertext

    vi.advanceTimersByTime(scrubMs)
    expect([...(await foundIn(dir, burned))]).toEqual([])
    // The control: the same scan finds what is still stored, so an empty result means something.
    const liveSecrets = {
      ...names('kept', kept),
      liveValue: live.body.value.ciphertext,
      liveMeta: live.body.meta.ciphertext,
    }
    expect((await foundIn(dir, liveSecrets)).size).toBe(Object.keys(liveSecrets).length)

    // And again later: every burn is scrubbed, not only the first batch.
    const last = kept.splice(0, 3)
    for (const s of last)
      expect((await t.call(`/api/share/${s.id}/open`, openInit(s.access))).status).toBe(200)
    vi.advanceTimersByTime(scrubMs)
    expect([...(await foundIn(dir, names('later', last)))]).toEqual([])
    expect((await foundIn(dir, names('kept', kept))).size).toBe(kept.length)
  })

  it('a clean stop leaves no burned ciphertext, even while another connection keeps the database open', async () => {
    const dir = tempDir()
    // Scrubbing on a timer stays out of the way: only the stop's own scrub is under test.
    const running = await startServer(
      testConfig({ dataDir: dir, port: 0, sqliteSync: 'group', walScrubSeconds: 3600 }),
      { announce: () => {} },
    )
    cleanups.push(() => running.stop('test end'))
    await running.ready
    const api = (p: string, init: RequestInit) => fetch(`${running.url}${p}`, init)
    const burned: ShareFixture[] = []
    const kept: ShareFixture[] = []
    for (let i = 0; i < 30; i++) {
      for (const list of [burned, kept]) {
        const s = shareFixture()
        expect((await api('/api/share', jsonInit('POST', s.body))).status).toBe(201)
        list.push(s)
      }
    }
    for (const s of burned)
      expect((await api(`/api/share/${s.id}/open`, openInit(s.access))).status).toBe(200)
    // A reader that is open but idle (a backup tool, a sqlite3 shell): the server's close is then
    // not the last one, so SQLite itself would neither checkpoint nor remove the WAL.
    const other = new BetterSqlite3(path.join(dir, 'secretsentry.db'), { readonly: true })
    cleanups.push(() => other.close())
    other.prepare('select count(*) from shares').get()

    await running.stop('test')
    expect([...(await foundIn(dir, names('burned', burned)))]).toEqual([])
    expect((await foundIn(dir, names('kept', kept))).size).toBe(kept.length)
  })

  it('a running server purges a deleted vault secret past its window and scrubs it from every file', async () => {
    const dir = tempDir()
    const running = await startServer(
      testConfig({ dataDir: dir, port: 0, vaultRecoveryDays: 0, sweepIntervalSeconds: 1 }),
      { announce: () => {} },
    )
    cleanups.push(() => running.stop('test end'))
    await running.ready
    const api = (p: string, init: RequestInit) => fetch(`${running.url}${p}`, init)
    const register = registerBody('carol', { session: 'bearer' })
    const registered = await api('/api/register', jsonInit('POST', register))
    expect(registered.status).toBe(201)
    const auth = { authorization: `Bearer ${((await registered.json()) as LoginResponse).token}` }
    const doomed = secretBody(register.folder.id)
    const kept = secretBody(register.folder.id)
    for (const body of [doomed, kept])
      expect((await api('/api/secrets', jsonInit('POST', body, auth))).status).toBe(201)
    const del = await api(`/api/secrets/${doomed.id}`, { method: 'DELETE', headers: auth })
    expect(del.status).toBe(200)

    const secrets = {
      doomedValue: doomed.value.ciphertext,
      doomedMeta: doomed.meta.ciphertext,
      keptValue: kept.value.ciphertext,
      keptMeta: kept.meta.ciphertext,
    }
    // The sweeper runs every second and the scrub follows within WAL_SCRUB_SECONDS; the poll's
    // timeout only stops a broken server from hanging the test.
    await expect
      .poll(async () => [...(await foundIn(dir, secrets))].sort(), {
        timeout: 10_000,
        interval: 200,
      })
      .toEqual(['keptMeta', 'keptValue'])
  })

  it('never waits for another process reading the database: it tries again until the reader is gone', async () => {
    const { sqlite, file, dir } = walDatabase()
    sqlite.pragma('busy_timeout = 5000')
    sqlite.exec('create table t (c blob)')
    const scrubber = startWalScrubber(sqlite, { intervalSeconds: 1 })
    expect(scrubber.scrub()).toBe(true)
    const secret = shareFixture().ciphertext
    sqlite.prepare('insert into t values (?)').run(Buffer.from(secret, 'base64url'))
    // Inserts alone erase nothing: the WAL is left alone (no truncating under a stream of creates).
    vi.advanceTimersByTime(1000)
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0)
    sqlite.exec('delete from t')

    // A reader in another process (a backup) holds a snapshot that needs the WAL.
    const reader = new BetterSqlite3(file, { readonly: true })
    cleanups.push(() => reader.close())
    reader.exec('begin')
    reader.prepare('select count(*) from t').get()
    expect(scrubber.scrub()).toBe(false)
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
    vi.advanceTimersByTime(1000)
    expect([...(await foundIn(dir, { secret }))]).toEqual(['secret'])

    reader.exec('commit')
    // Inside this connection's own transaction it waits for the commit, then runs.
    sqlite.exec('begin')
    sqlite.prepare('insert into t values (?)').run(Buffer.from('x'))
    expect(scrubber.scrub()).toBe(false)
    sqlite.exec('commit')
    vi.advanceTimersByTime(100)
    expect([...(await foundIn(dir, { secret }))]).toEqual([])
    expect(fs.statSync(`${file}-wal`).size).toBe(0)
    expect(scrubber.close()).toBe(true)
  })

  it.each([
    ['an UPDATE', 'update t set c = ?', [Buffer.from('y')]],
    ['a DELETE', 'delete from t where c is not ?', [Buffer.from('y')]],
    [
      'an upsert that updates',
      'insert into t values (1, ?) on conflict (k) do update set c = excluded.c',
      [Buffer.from('y')],
    ],
    ['an insert or replace', 'insert or replace into t values (1, ?)', [Buffer.from('y')]],
  ])(
    'notices %s run through any statement method, and scrubs after it',
    (_name, sqlText, params) => {
      const { sqlite, file } = walDatabase()
      const scrubber = startWalScrubber(sqlite, { intervalSeconds: 1 })
      sqlite.exec('create table t (k integer primary key, c blob)')
      expect(scrubber.scrub()).toBe(true)
      const secret = shareFixture().ciphertext
      sqlite.prepare('insert into t values (?, ?)').run(1, Buffer.from(secret, 'base64url'))
      sqlite.prepare('insert into t values (?, ?) on conflict do nothing').run(2, Buffer.from('x'))
      expect(sqlite.prepare('select count(*) from t').pluck().get()).toBe(2)
      vi.advanceTimersByTime(1000)
      expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0)
      // Chained: bind() returns the statement, which must stay watched.
      sqlite
        .prepare(sqlText)
        .bind(...params)
        .run()
      vi.advanceTimersByTime(1000)
      expect(fs.statSync(`${file}-wal`).size).toBe(0)
      expect(scrubber.close()).toBe(true)
    },
  )
})

describe('mayErase', () => {
  it.each([
    ['select * from shares', false],
    ['  SELECT 1', false],
    ['insert into "audit" ("at") values (?)', false],
    ['insert into "shares" ("id") values (?) on conflict ("id") do nothing returning "id"', false],
    ['begin immediate', false],
    ['commit', false],
    ['rollback', false],
    ['savepoint a', false],
    ['insert into "t" ("id") values (?) on conflict ("id") do update set "c" = ?', true],
    ['INSERT OR REPLACE INTO t VALUES (1)', true],
    ['replace into t values (1)', true],
    ['update "shares" set "views_left" = ?', true],
    ['delete from "shares" where "id" = ?', true],
    ['with x as (select 1) delete from t', true],
    ['create table t (c)', true],
    ['drop table t', true],
    ['alter table t add column d', true],
    ['pragma incremental_vacuum', true],
    ['vacuum', true],
    ['', true],
  ])('%s: %s', (sqlText, expected) => {
    expect(mayErase(sqlText)).toBe(expected)
  })
})
