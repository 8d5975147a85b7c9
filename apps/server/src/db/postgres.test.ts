/** PostgreSQL-only (the `postgres` vitest project): start-up with DATABASE_URL, readiness while the database is away, and the rules across two instances on one database. */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { CompiledQuery } from 'kysely'
import { afterEach, describe, expect, inject, it } from 'vitest'
import crypto from 'node:crypto'
import pg from 'pg'
import { testConfig } from '../config.ts'
import { openBackend } from './backend.ts'
import { LATEST_MIGRATION, migrateToLatest } from './migrate.ts'
import { createLogger, memorySink } from '../logger.ts'
import { startServer } from '../server.ts'
import {
  createOk,
  jsonInit,
  makeTestApp,
  openInit,
  scrapeMetrics,
  shareFixture,
  type TestApp,
} from '../test/test-app.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-pg-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Two instances of one deployment: separate apps (queues, caches), one database. */
async function twoInstances(): Promise<[TestApp, TestApp]> {
  const a = await makeTestApp()
  const b = await makeTestApp({ sameDatabaseAs: a })
  cleanups.push(async () => {
    for (const t of [a, b]) {
      await t.close()
      await t.db.destroy()
    }
  })
  return [a, b]
}

/** A TCP relay to PostgreSQL that can be cut and restored: the database "goes away" and returns. */
async function relay(target: URL) {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  let port = 0
  const open = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on('error', () => s.destroy())
          s.on('close', () => sockets.delete(s))
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as net.AddressInfo).port
        resolve()
      })
    })
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      if (server) server.close(() => resolve())
      else resolve()
    })
  await open()
  cleanups.push(cut)
  return { port: () => port, cut, restore: open }
}

describe('DATABASE_URL', () => {
  it('an unreachable server is a start-up error naming DATABASE_URL, without a stack trace', async () => {
    const config = testConfig({
      dataDir: tempDir(),
      port: 0,
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
    })
    const err = await startServer(config, { announce: () => {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/^Cannot reach the database at DATABASE_URL: ECONNREFUSED$/)
    expect(err?.message).not.toMatch(/\n\s+at /)
  })

  it('a database that does not exist is a start-up error naming DATABASE_URL and the database', async () => {
    const url = new URL(inject('pgTestUrl'))
    url.pathname = '/ss_no_such_database'
    const config = testConfig({ dataDir: tempDir(), port: 0, databaseUrl: url.toString() })
    await expect(startServer(config, { announce: () => {} })).rejects.toThrow(
      /^Cannot reach the database at DATABASE_URL: database "ss_no_such_database" does not exist \(3D000\)$/,
    )
  })

  it('serves from PostgreSQL; /readyz turns 503 while the database is away and recovers by itself', async () => {
    const target = new URL(inject('pgTestUrl'))
    const link = await relay(target)
    const url = new URL(target)
    url.host = `127.0.0.1:${link.port()}`
    const running = await startServer(
      testConfig({ dataDir: tempDir(), port: 0, databaseUrl: url.toString() }),
      { logger: createLogger({ level: 'silent', sink: memorySink() }), announce: () => {} },
    )
    cleanups.push(() => running.stop('test end'))
    await running.ready
    const readyz = () => fetch(`${running.url}/readyz`).then((r) => r.status)
    expect(await readyz()).toBe(200)

    const f = shareFixture()
    const created = await fetch(`${running.url}/api/share`, jsonInit('POST', f.body))
    expect(created.status).toBe(201)

    await link.cut()
    expect(await readyz()).toBe(503)
    const whileAway = await fetch(`${running.url}/api/share/${f.id}/open`, openInit(f.access))
    expect(whileAway.status).toBe(503)
    expect(await whileAway.text()).not.toMatch(/\n\s+at /)

    await link.restore()
    await expect.poll(readyz, { timeout: 10_000, interval: 100 }).toBe(200)
    const opened = await fetch(`${running.url}/api/share/${f.id}/open`, openInit(f.access))
    expect(opened.status).toBe(200)
  })
})

/** Backends on one new, empty schema, as several instances starting against a fresh database. */
async function emptySchemaBackends(n: number) {
  const schema = `t_${crypto.randomBytes(8).toString('hex')}`
  const admin = new pg.Client({ connectionString: inject('pgTestUrl') })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  const backends = await Promise.all(
    Array.from({ length: n }, () =>
      openBackend({ kind: 'postgres', url: inject('pgTestUrl'), schema, forTests: true, max: 2 }),
    ),
  )
  cleanups.push(() => Promise.all(backends.map((b) => b.close())))
  return backends
}

describe('migrations on PostgreSQL', () => {
  it('run once when several instances start together (advisory lock)', async () => {
    const backends = await emptySchemaBackends(3)
    const applied = await Promise.all(backends.map((b) => migrateToLatest(b.db)))
    // One instance applied everything; the others found it done.
    expect(applied.filter((names) => names.length > 0)).toHaveLength(1)
    expect(applied.flat().at(-1)).toBe(LATEST_MIGRATION)
    const first = backends[0]
    if (!first) throw new Error('no backend')
    const { rows } = await first.db.executeQuery<{ n: number }>(
      CompiledQuery.raw('select count(*) as n from kysely_migration'),
    )
    expect(rows[0]?.n).toBe(applied.flat().length)
  })

  it('refuse a database that holds a migration newer than this build knows', async () => {
    const [b] = await emptySchemaBackends(1)
    if (!b) throw new Error('no backend')
    await migrateToLatest(b.db)
    await b.db.executeQuery(
      CompiledQuery.raw(
        "insert into kysely_migration (name, timestamp) values ('29991231-000000-from-the-future', 'x')",
      ),
    )
    await expect(migrateToLatest(b.db)).rejects.toThrow(/29991231-000000-from-the-future/)
  })
})

describe('two instances on one PostgreSQL database', () => {
  it('of 50 concurrent opens of a one-view share, split over both, exactly one gets it (20 rounds)', async () => {
    const [a, b] = await twoInstances()
    for (let round = 0; round < 20; round++) {
      const f = shareFixture({ maxViews: 1 })
      await createOk(round % 2 === 0 ? a : b, f)
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? a : b)
            .call(`/api/share/${f.id}/open`, openInit(f.access))
            .then((r) => r.status),
        ),
      )
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s !== 200).every((s) => s === 404)).toBe(true)
    }
  })

  it('sweepers of both instances running at once delete and audit every expired share exactly once', async () => {
    const [a, b] = await twoInstances()
    const n = 60
    for (let i = 0; i < n; i++)
      await createOk(i % 2 === 0 ? a : b, shareFixture({ ttlSeconds: 300 }))
    for (const t of [a, b]) t.clock.advance(301_000)
    const deleted = await Promise.all([a, b, a, b].map((t) => t.sweeper.runOnce()))
    expect(deleted.reduce((x, y) => x + y, 0)).toBe(n)
    expect(await a.rows('select id from shares')).toEqual([])
    const [row] = await b.rows<{ n: number }>(
      "select count(*) as n from audit where event = 'share_expired'",
    )
    expect(row?.n).toBe(n)
  })

  it('five wrong access values spread over both instances destroy the share', async () => {
    const [a, b] = await twoInstances()
    const f = shareFixture()
    await createOk(a, f)
    const wrong = shareFixture().access
    for (const [i, left] of [4, 3, 2, 1, 0].entries()) {
      const res = await (i % 2 === 0 ? a : b).call(`/api/share/${f.id}/open`, openInit(wrong))
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ error: { attemptsLeft: left } })
    }
    expect((await b.call(`/api/share/${f.id}/open`, openInit(f.access))).status).toBe(404)
    expect(await a.rows('select id from shares')).toEqual([])
  })
})

describe('group commit on PostgreSQL', () => {
  it('under 50 concurrent creates, writes commit in fewer transactions than operations', async () => {
    const t = await makeTestApp({ config: { rateLimitPerMin: 0 } })
    cleanups.push(async () => {
      await t.close()
      await t.db.destroy()
    })
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.call('/api/share', jsonInit('POST', shareFixture().body)).then((r) => r.status),
      ),
    )
    expect(statuses.filter((s) => s === 201)).toHaveLength(50)
    const text = await scrapeMetrics(t)
    const value = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `))
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
    }
    // Every create went through the queue, and they shared transactions (each its own: 50).
    expect(value('secretsentry_write_batch_size_sum')).toBe(50)
    expect(value('secretsentry_write_batch_size_count')).toBeLessThan(50)
    const [row] = await t.rows<{ n: number }>('select count(*) as n from shares')
    expect(row?.n).toBe(50)
  })
})
