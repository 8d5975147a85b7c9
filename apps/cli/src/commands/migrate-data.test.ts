/**
 * @module `secretsentry migrate-data`: a SQLite deployment filled by the real client (shares,
 * accounts, vault secrets with versions, audit) moved to PostgreSQL, where a server then opens
 * every share and decrypts every version; refusals (a non-empty target, a bad URL, a missing
 * source, a newer source) and a copy that does not match rolled back.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { createShareClient, type ShareClient } from '@secretsentry/client/share'
import { createVaultClient, type VaultSession } from '@secretsentry/client/vault'
import { openTokenSession } from '@secretsentry/client/token'
import { loadConfig } from '@secretsentry/server/config'
import {
  checksumRows,
  compareSummaries,
  MigrateDataError,
} from '@secretsentry/server/db/migrate-data'
import { startServer, type RunningServer } from '@secretsentry/server/server'
import { createPgDatabase, type TestPgDatabase } from '@secretsentry/server/test/pg-database'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeFetch } from '../client.ts'
import { baseEnv, cleanUp, cli, tempDir } from '../test/support.ts'

const ADMIN_URL = process.env.TEST_PG_URL
if (!ADMIN_URL) {
  console.log(
    'migrate-data tests against PostgreSQL skipped: set TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)',
  )
}

const PASSWORD = 'correct horse battery staple'
/** Tables every database has; the copy takes whatever else the migrations made as well. */
const KNOWN_TABLES = [
  'shares',
  'audit',
  'users',
  'sessions',
  'folders',
  'secrets',
  'secret_versions',
  'vault_shares',
  'login_addresses',
]

/** What the source holds, as its users know it: links and every version of every secret. */
interface Fixture {
  dataDir: string
  file: string
  shares: { link: string; text: string; passphrase?: string; views: number }[]
  vaultLink: { link: string; text: string }
  alice: { token: string; userKey: Uint8Array }
  /** Secret id → every version's value (index 0 = version 1). */
  secrets: Map<string, string[]>
  deletedId: string
  /** Alice's audit trail before the move (ids and events). */
  trail: { id: string; event: string }[]
  bobSecret: { id: string; value: string }
  /** A service token of alice's with a subfolder granted after it was made. */
  serviceToken: { text: string; secrets: { path: string; value: string }[] }
}

function startSqlite(dataDir: string): Promise<RunningServer> {
  return start({ DATA_DIR: dataDir })
}

async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer(
    loadConfig({
      PORT: '0',
      RATE_LIMIT_PER_MIN: '0',
      LOGIN_RATE_LIMIT_PER_MIN: '0',
      VAULT_WRITES_PER_MIN: '0',
      VAULT_ACCOUNT_WRITES_PER_MIN: '0',
      LOG_LEVEL: 'silent',
      ...env,
    }),
    { announce: () => {} },
  )
  await server.ready
  return server
}

const vaultClient = (url: string) =>
  createVaultClient({ origin: url, fetch: nodeFetch, session: 'bearer' })

/** Fills a SQLite DATA_DIR through a real server with the real client's encryption. */
async function populate(): Promise<Fixture> {
  const dataDir = path.join(tempDir('ss-migrate-'), 'data')
  const server = await startSqlite(dataDir)
  try {
    const shareClient = createShareClient({ origin: server.url, fetch: nodeFetch })
    const shares: Fixture['shares'] = []
    for (let i = 0; i < 6; i++) {
      const text = `share ${i} ✓ ${crypto.randomBytes(8).toString('hex')}`
      const passphrase = i % 3 === 0 ? `pass-${i}` : undefined
      const created = await shareClient.create(
        { kind: 'text', text },
        { ttlSeconds: 3600, maxViews: 3, ...(passphrase ? { passphrase } : {}) },
      )
      shares.push({ link: created.link, text, views: 3, ...(passphrase ? { passphrase } : {}) })
    }
    // One view spent before the move: the target must carry views_left and opened_at along.
    const first = shares[1] as Fixture['shares'][number]
    expect((await shareClient.open(first.link)).record).toEqual({ kind: 'text', text: first.text })
    first.views = 2

    const aliceClient = vaultClient(server.url)
    const alice = await aliceClient.register('alice', PASSWORD)
    const secrets = new Map<string, string[]>()
    const meta = (name: string) => ({ name, description: 'd', tags: ['t'], path: '/app/prod' })
    const a = await alice.create({ meta: meta('DB_PASSWORD'), value: 'db-v1' })
    let summary = a.summary
    for (const value of ['db-v2', 'db-v3']) {
      summary = (await alice.update(summary, { value })).summary
    }
    summary = (await alice.update(summary, { value: 'db-v4', stage: 'pending' })).summary
    summary = (await alice.promote(summary)).summary
    secrets.set(a.id, ['db-v1', 'db-v2', 'db-v3', 'db-v4'])
    const b = await alice.create({ meta: meta('API_TOKEN'), value: 'token-v1\n' })
    await alice.update(b.summary, { value: 'token-v2 ünïcode' })
    secrets.set(b.id, ['token-v1\n', 'token-v2 ünïcode'])
    const gone = await alice.create({ meta: meta('OLD'), value: 'old' })
    await alice.delete(gone.id)
    const vaultLink = await alice.share(a.id, { ttlSeconds: 3600, maxViews: 1 })
    const trail = (await alice.audit({ limit: 100 })).events.map((e) => ({
      id: e.id,
      event: e.event,
    }))
    const token = aliceClient.token() as string
    await alice.mkdir('/svc/prod')
    const svc = await alice.create({
      meta: { ...meta('SVC_KEY'), path: '/svc/prod' },
      value: 'svc-1',
    })
    const service = await alice.createToken({ path: '/svc', includeSubfolders: true })
    await alice.mkdir('/svc/later')
    const later = await alice.create({
      meta: { ...meta('LATER'), path: '/svc/later' },
      value: 'later-1',
    })
    secrets.set(svc.id, ['svc-1'])
    secrets.set(later.id, ['later-1'])

    const bob = await vaultClient(server.url).register('bob', PASSWORD)
    const bobSecret = await bob.create({ meta: meta('BOB'), value: 'bob-value' })
    return {
      dataDir,
      file: path.join(dataDir, 'secretsentry.db'),
      shares,
      vaultLink: { link: vaultLink.link, text: 'db-v4' },
      alice: { token, userKey: alice.exportUserKey() },
      secrets,
      deletedId: gone.id,
      trail,
      bobSecret: { id: bobSecret.id, value: 'bob-value' },
      serviceToken: {
        text: service.text,
        secrets: [
          { path: '/svc/later/LATER', value: 'later-1' },
          { path: '/svc/prod/SVC_KEY', value: 'svc-1' },
        ],
      },
    }
  } finally {
    await server.stop('test')
  }
}

/** The app's tables in the SQLite file: all but SQLite's and Kysely's own. */
function sqliteTables(db: BetterSqlite3.Database): string[] {
  return (
    db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite%' and name not like 'kysely%' order by name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name)
}

/** Row counts of every app table in the SQLite file. */
function sqliteCounts(file: string): Record<string, number> {
  const db = new BetterSqlite3(file, { readonly: true })
  try {
    const tables = sqliteTables(db)
    expect(tables).toEqual(expect.arrayContaining(KNOWN_TABLES))
    return Object.fromEntries(
      tables.map((t) => [
        t,
        (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n,
      ]),
    )
  } finally {
    db.close()
  }
}

async function pgCounts(db: TestPgDatabase): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely%' order by 1",
  )
  const counts: Record<string, number> = {}
  for (const { name } of tables) {
    const [row] = await db.query<{ n: string }>(`select count(*) as n from ${name}`)
    counts[name] = Number(row?.n)
  }
  return counts
}

const sha256File = (file: string) =>
  crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')

const migrate = (args: string[]) =>
  cli(['migrate-data', ...args], { env: baseEnv({ LOG_LEVEL: 'silent' }) })

describe.skipIf(!ADMIN_URL)('secretsentry migrate-data (PostgreSQL)', () => {
  let fixture: Fixture
  const databases: TestPgDatabase[] = []
  const freshDatabase = async () => {
    const db = await createPgDatabase(ADMIN_URL as string, 'ss_migrate')
    databases.push(db)
    return db
  }

  beforeAll(async () => {
    fixture = await populate()
  }, 120_000)
  afterAll(async () => {
    for (const db of databases) await db.drop()
    cleanUp()
  })

  it('moves a populated SQLite DATA_DIR (while a server runs on it); a server on PostgreSQL then opens every share and decrypts every version', async () => {
    const target = await freshDatabase()
    const before = sha256File(fixture.file)
    // The source stays live during the move: the snapshot lets it keep serving.
    const live = await startSqlite(fixture.dataDir)
    let result: Awaited<ReturnType<typeof migrate>>
    try {
      result = await migrate(['--from', fixture.dataDir, '--to', target.url])
    } finally {
      await live.stop('test')
    }
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    const counts = sqliteCounts(fixture.file)
    const tables = Object.keys(counts)
    for (const t of tables) {
      expect(result.out).toMatch(
        new RegExp(`^ {2}${t} +${counts[t]} rows {2}sha256 [0-9a-f]{64}$`, 'm'),
      )
    }
    const total = Object.values(counts).reduce((s, n) => s + n, 0)
    expect(result.out).toContain(`Moved ${total} rows in ${tables.length} tables`)
    expect(result.out).toContain(`one copy of ${path.join(fixture.dataDir, 'audit-key')} (the key`)
    expect(await pgCounts(target)).toEqual(counts)
    expect(counts.audit).toBeGreaterThan(5)
    // Only read: the server that ran meanwhile wrote nothing, and neither did the move.
    expect(sha256File(fixture.file)).toBe(before)
    expect(fs.readdirSync(fixture.dataDir).filter((f) => f.includes('.migrate-'))).toEqual([])

    const pg = await start({ DATA_DIR: fixture.dataDir, DATABASE_URL: target.url })
    try {
      const shareClient: ShareClient = createShareClient({ origin: pg.url, fetch: nodeFetch })
      // Every share opens with its link (and passphrase), as many times as it had views left.
      for (const s of fixture.shares) {
        const link = s.link.replace(/^http:\/\/[^/]+/, pg.url)
        for (let v = s.views; v > 0; v--) {
          const opened = await shareClient.open(
            link,
            s.passphrase ? { passphrase: s.passphrase } : {},
          )
          expect(opened.record).toEqual({ kind: 'text', text: s.text })
          expect(opened.viewsLeft).toBe(v - 1)
        }
        await expect(
          shareClient.open(link, s.passphrase ? { passphrase: s.passphrase } : {}),
        ).rejects.toMatchObject({
          code: 'not_found',
        })
      }
      const vaultOpened = await shareClient.open(
        fixture.vaultLink.link.replace(/^http:\/\/[^/]+/, pg.url),
      )
      expect(vaultOpened.record).toEqual({ kind: 'text', text: fixture.vaultLink.text })

      // Alice's session moved with her (sessions table): every version of every secret decrypts.
      const alice: VaultSession = await vaultClient(pg.url).openWithUserKey(
        fixture.alice.token,
        fixture.alice.userKey,
      )
      const listed = await alice.list()
      expect(listed.map((i) => i.id).sort()).toEqual([...fixture.secrets.keys()].sort())
      for (const [id, values] of fixture.secrets) {
        for (const [i, value] of values.entries()) {
          expect((await alice.read(id, { version: i + 1 })).value).toBe(value)
        }
        expect((await alice.read(id)).value).toBe(values.at(-1))
      }
      expect((await alice.list({ deleted: true })).map((i) => i.id)).toEqual([fixture.deletedId])
      const trail = (await alice.audit({ limit: 100 })).events
      const ids = new Set(trail.map((e) => `${e.id} ${e.event}`))
      for (const e of fixture.trail) expect(ids.has(`${e.id} ${e.event}`)).toBe(true)

      // The service token and its grants moved too: it reads both folders, the later one included.
      const holder = await openTokenSession({
        origin: pg.url,
        fetch: nodeFetch,
        token: fixture.serviceToken.text,
      })
      expect((await holder.secrets()).map((x) => ({ path: x.path, value: x.value }))).toEqual(
        fixture.serviceToken.secrets,
      )

      // Bob logs in with his password (users table, salts, wrapped keys) and reads his secret.
      const bob = await vaultClient(pg.url).login('bob', PASSWORD)
      expect((await bob.read(fixture.bobSecret.id)).value).toBe(fixture.bobSecret.value)

      // New rows after the move: audit ids continue past the copied ones (identity reset).
      const created = await shareClient.create(
        { kind: 'text', text: 'after the move' },
        { ttlSeconds: 600, maxViews: 1 },
      )
      expect((await shareClient.open(created.link)).record).toEqual({
        kind: 'text',
        text: 'after the move',
      })
    } finally {
      await pg.stop('test')
    }
  })

  it('refuses a target that holds rows unless --force, leaving it untouched; --force replaces it', async () => {
    const target = await freshDatabase()
    expect((await migrate(['--from', fixture.file, '--to', target.url])).code).toBe(0)
    // The target now differs from the source: one share less, one audit row changed.
    await target.query('delete from shares where id = (select id from shares order by id limit 1)')
    await target.query(
      "update audit set result = 'tampered' where id = (select min(id) from audit)",
    )
    const snapshot = async () => ({
      counts: await pgCounts(target),
      audit: await target.query('select id, result from audit order by id'),
    })
    const before = await snapshot()

    const refused = await migrate(['--from', fixture.file, '--to', target.url])
    expect(refused.code).toBe(1)
    expect(refused.out).toBe('')
    expect(refused.err).toMatch(
      /^secretsentry migrate-data: the target postgres:\/\/.*already holds rows \(in .*shares.*\); nothing was changed\. Pass --force to replace everything in it\n$/,
    )
    expect(await snapshot()).toEqual(before)

    const forced = await migrate(['--force', '--from', fixture.file, '--to', target.url])
    expect(forced.err).toBe('')
    expect(forced.code).toBe(0)
    expect(forced.out).toContain('Replaced what the target held in ')
    expect(await pgCounts(target)).toEqual(sqliteCounts(fixture.file))
    expect(await target.query("select id from audit where result = 'tampered'")).toEqual([])
  })

  it('a copy that does not read back the same is rolled back: exit 1, the target as it was', async () => {
    const target = await freshDatabase()
    expect((await migrate(['--from', fixture.file, '--to', target.url])).code).toBe(0)
    const before = await target.query<{ id: Buffer; ciphertext: Buffer }>(
      'select id, ciphertext from shares order by id',
    )
    // The target changes what it is given: one byte more on every share's ciphertext.
    await target.query(`
      create function corrupt() returns trigger language plpgsql as $$
      begin new.ciphertext := new.ciphertext || '\\x00'::bytea; return new; end $$;
      create trigger corrupt before insert on shares for each row execute function corrupt();
    `)
    const failed = await migrate(['--force', '--from', fixture.file, '--to', target.url])
    expect(failed.code).toBe(1)
    expect(failed.out).toBe('')
    expect(failed.err).toBe(
      'secretsentry migrate-data: the copy does not match the source (shares: checksums differ); nothing was committed\n',
    )
    // TRUNCATE and the inserts were undone with the transaction.
    expect(await target.query('select id, ciphertext from shares order by id')).toEqual(before)
    expect(await pgCounts(target)).toEqual(sqliteCounts(fixture.file))
  })

  it('names --to when its URL is wrong or unreachable, never printing its password', async () => {
    const missing = await migrate(['--from', fixture.file])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('migrate-data: missing --to (a postgres:// URL)')

    const mysql = await migrate(['--from', fixture.file, '--to', 'mysql://u:hunter2@db/x'])
    expect(mysql.code).toBe(2)
    expect(mysql.err).toContain('migrate-data: --to must start with postgres:// or postgresql://')
    expect(mysql.err).not.toContain('hunter2')

    const garbage = await migrate(['--from', fixture.file, '--to', 'not a url hunter2'])
    expect(garbage.code).toBe(2)
    expect(garbage.err).toContain('--to must be a URL like postgres://user:pass@host:5432/db')
    expect(garbage.err).not.toContain('hunter2')

    // Port 9 (discard) on loopback: nothing listens there.
    const down = await migrate([
      '--from',
      fixture.file,
      '--to',
      'postgres://someone:hunter2@127.0.0.1:9/secrets',
    ])
    expect(down.code).toBe(1)
    expect(down.err).toMatch(
      /^secretsentry migrate-data: --to: Cannot reach the database at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:9\/secrets: ECONNREFUSED\n$/,
    )
    expect(down.err).not.toContain('hunter2')
  })

  it('says clearly when --from holds no database, or one a newer release wrote', async () => {
    const nowhere = path.join(tempDir(), 'nope')
    const missing = await migrate(['--from', nowhere, '--to', `${ADMIN_URL}`])
    expect(missing.code).toBe(1)
    expect(missing.err).toBe(
      `secretsentry migrate-data: --from: nothing at ${nowhere} (give a SQLite file or a DATA_DIR holding secretsentry.db)\n`,
    )
    const emptyDir = tempDir()
    const noDb = await migrate(['--from', emptyDir, '--to', `${ADMIN_URL}`])
    expect(noDb.code).toBe(1)
    expect(noDb.err).toBe(
      `secretsentry migrate-data: --from: no database at ${path.join(emptyDir, 'secretsentry.db')} (is ${emptyDir} a DATA_DIR?)\n`,
    )
    const noFrom = await migrate(['--to', `${ADMIN_URL}`])
    expect(noFrom.code).toBe(2)
    expect(noFrom.err).toContain('migrate-data: missing --from')

    const newer = path.join(tempDir(), 'newer.db')
    fs.copyFileSync(fixture.file, newer)
    const db = new BetterSqlite3(newer)
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(
      '99991231-000000-from-the-future',
      new Date().toISOString(),
    )
    db.close()
    const target = await freshDatabase()
    const refused = await migrate(['--from', newer, '--to', target.url])
    expect(refused.code).toBe(1)
    expect(refused.err).toContain(
      `${newer} was written by a newer SecretSentry (migration 99991231-000000-from-the-future;`,
    )
    const [tables] = await target.query<{ n: string }>(
      "select count(*) as n from information_schema.tables where table_schema = 'public'",
    )
    expect(Number(tables?.n)).toBe(0)
  })
})

describe('the copy check', () => {
  const rows = [
    [Buffer.from('a1', 'hex'), 1, 'text', null],
    [Buffer.from('b2', 'hex'), 2 ** 40, 'ünï|code', 7],
  ]

  it('computes the same checksum from SQLite values and their PostgreSQL read-back', () => {
    // SQLite with safe integers gives bigint; PostgreSQL's bigint comes back as a number.
    const fromSqlite = rows.map((r) => r.map((v) => (typeof v === 'number' ? BigInt(v) : v)))
    expect(checksumRows(fromSqlite)).toEqual(checksumRows(rows))
  })

  it.each([
    ['a flipped blob byte', [Buffer.from('a0', 'hex'), 1, 'text', null]],
    ['a changed number', [Buffer.from('a1', 'hex'), 2, 'text', null]],
    ['null for empty text', [Buffer.from('a1', 'hex'), 1, null, null]],
    ['text moved across a field', [Buffer.from('a1', 'hex'), 1, 'text|n', undefined]],
  ])('tells apart a copy with %s, and refuses it naming the table', (_, tampered) => {
    const source = { table: 'shares', ...checksumRows(rows) }
    const copy = { table: 'shares', ...checksumRows([tampered, rows[1] as unknown[]]) }
    expect(copy.rows).toBe(source.rows)
    expect(copy.checksum).not.toBe(source.checksum)
    const check = () => compareSummaries([source], [copy])
    expect(check).toThrow(MigrateDataError)
    expect(check).toThrow('the copy does not match the source (shares: checksums differ)')
    expect(() => compareSummaries([source], [{ ...source }])).not.toThrow()
    expect(() => compareSummaries([source], [{ ...source, rows: 1 }])).toThrow(
      'shares: 2 rows copied, 1 in the target',
    )
  })
})
