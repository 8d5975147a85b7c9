/** @module `secretsentry backup`: a consistent copy of a database a running server keeps writing, which opens and holds the shares. */
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as support from '../test/support.ts'
import { buildBundle, cleanUp, postShare, shareFixture, tempDir } from '../test/support.ts'
import type { Bundle, Share } from '../test/support.ts'
import { backupDatabase } from './backup.ts'

// The built command starts much faster than the sources through tsx, which keeps the timing honest.
let bundle: Bundle
beforeAll(() => {
  bundle = buildBundle()
})
afterEach(cleanUp)
afterAll(() => bundle.remove())

const cli = (args: string[], options: { env?: Record<string, string> } = {}) =>
  support.cli(args, { ...options, bundle: bundle.file })
const serve = (options: { dataDir?: string } = {}) =>
  support.serve([], { ...options, bundle: bundle.file })

const idsIn = (file: string) => {
  const db = new BetterSqlite3(file, { readonly: true })
  try {
    return new Set(
      (db.prepare('select id from shares').all() as { id: Buffer }[]).map((r) =>
        r.id.toString('base64url'),
      ),
    )
  } finally {
    db.close()
  }
}

describe('secretsentry backup', () => {
  it('copies a live database while the server keeps writing; the copy opens, holds every share acknowledged before it began, and serves them', async () => {
    const server = await serve()
    // Enough rows that the copy takes a while, so writes land while it runs.
    const created: Share[] = []
    const createMany = async (n: number, parallel: number) => {
      for (let i = 0; i < n; i += parallel) {
        const batch = Array.from({ length: Math.min(parallel, n - i) }, () => shareFixture(4096))
        const statuses = await Promise.all(
          batch.map((s) => postShare(server.url, s).then((r) => r.status)),
        )
        expect(statuses.every((s) => s === 201)).toBe(true)
        created.push(...batch)
      }
    }
    await createMany(1000, 50)
    const before = created.length

    // Keep writing during the backup; every write must still succeed.
    let writing = true
    let writeErrors = 0
    let duringBackup = 0
    const writer = (async () => {
      while (writing) {
        const batch = Array.from({ length: 20 }, () => shareFixture(4096))
        const statuses = await Promise.all(
          batch.map((s) => postShare(server.url, s).then((r) => r.status)),
        )
        writeErrors += statuses.filter((s) => s !== 201).length
        created.push(...batch)
        duringBackup += batch.length
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const file = path.join(tempDir(), 'backup.db')
    const result = await cli(['backup', file, '--data-dir', server.dataDir])
    writing = false
    await writer

    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    expect(result.out).toMatch(
      new RegExp(
        `^Backed up .*secretsentry\\.db to ${file}: [\\d.]+ MiB \\(\\d+ bytes\\), \\d+ shares, in \\d+ ms\\n$`,
      ),
    )
    expect(writeErrors).toBe(0)
    expect(duringBackup).toBeGreaterThan(0)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)

    const db = new BetterSqlite3(file, { readonly: true })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
    const copied = idsIn(file)
    for (const s of created.slice(0, before)) expect(copied.has(s.id)).toBe(true)
    const printed = Number(/, (\d+) shares,/.exec(result.out)?.[1])
    expect(printed).toBe(copied.size)
    expect(copied.size).toBeGreaterThanOrEqual(before)
    expect(copied.size).toBeLessThanOrEqual(created.length)

    // Restored: a server on the copy opens a share that was acknowledged before the backup.
    const restoredDir = path.join(tempDir(), 'data')
    fs.mkdirSync(restoredDir)
    fs.copyFileSync(file, path.join(restoredDir, 'secretsentry.db'))
    const restored = await serve({ dataDir: restoredDir })
    const share = created[0] as Share
    const open = await fetch(`${restored.url}/api/share/${share.id}/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access: share.access }),
    })
    expect(open.status).toBe(200)
    expect(((await open.json()) as { ciphertext: string }).ciphertext).toBe(share.body.ciphertext)
  })

  it('refuses to overwrite an existing file unless --force, and leaves it untouched', async () => {
    const server = await serve()
    const share = shareFixture()
    expect((await postShare(server.url, share)).status).toBe(201)
    const file = path.join(tempDir(), 'existing.db')
    fs.writeFileSync(file, 'keep me')
    const refused = await cli(['backup', file, '--data-dir', server.dataDir])
    expect(refused.code).toBe(1)
    expect(refused.err).toContain(`${file} exists; pass --force to replace it`)
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me')
    expect(fs.readdirSync(path.dirname(file))).toEqual(['existing.db'])

    const forced = await cli(['backup', '--force', file, '--data-dir', server.dataDir])
    expect(forced.code).toBe(0)
    expect(idsIn(file).has(share.id)).toBe(true)
  })

  it('fails with exit 1 and no file when there is no database, or the target cannot be written', async () => {
    const empty = tempDir()
    const file = path.join(tempDir(), 'out.db')
    const none = await cli(['backup', file], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: empty },
    })
    expect(none.code).toBe(1)
    expect(none.err).toContain(
      `no database at ${path.join(empty, 'secretsentry.db')} (check DATA_DIR)`,
    )
    expect(fs.existsSync(file)).toBe(false)

    const server = await serve()
    const nowhere = await cli(['backup', '/proc/ss-backup.db', '--data-dir', server.dataDir])
    expect(nowhere.code).toBe(1)
    expect(nowhere.err).toMatch(/^secretsentry backup: /)
  })

  it('with DATABASE_URL (PostgreSQL) explains pg_dump and pg_restore instead of looking for a SQLite file, the password masked', async () => {
    const file = path.join(tempDir(), 'out.db')
    const url = 'postgres://app:hunter2@db.internal:5432/secrets'
    const fromFlag = await cli(['backup', file, '--database-url', url, '--data-dir', tempDir()])
    const fromEnv = await cli(['backup', file], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: tempDir(), DATABASE_URL: url },
    })
    for (const r of [fromFlag, fromEnv]) {
      expect(r.code).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toMatch(
        /^secretsentry backup: DATABASE_URL is set \(postgres:\/\/app:\*\*\*@db\.internal:5432\/secrets\): the data is in PostgreSQL/,
      )
      expect(r.err).toContain(
        '  pg_dump --format=custom --file=secretsentry.dump "$DATABASE_URL"\n',
      )
      expect(r.err).toContain(
        '  pg_restore --no-owner --dbname="$DATABASE_URL" secretsentry.dump\n',
      )
      expect(r.err).not.toContain('hunter2')
      expect(r.err).not.toContain('no database at')
    }
    expect(fs.existsSync(file)).toBe(false)
  })

  it('a copy never replaces the target without --force, even when the target appears during the copy', () => {
    const dir = tempDir()
    const source = path.join(dir, 'source.db')
    const db = new BetterSqlite3(source)
    db.exec('create table shares (id blob primary key)')
    db.close()
    const dest = path.join(dir, 'dest.db')
    // The check before copying passes; the file appears before the copy takes its name.
    const realLink = fs.linkSync
    fs.linkSync = (...args: Parameters<typeof fs.linkSync>) => {
      fs.writeFileSync(dest, 'arrived meanwhile')
      return realLink(...args)
    }
    try {
      expect(() => backupDatabase(source, dest, false)).toThrow('exists; pass --force')
    } finally {
      fs.linkSync = realLink
    }
    expect(fs.readFileSync(dest, 'utf8')).toBe('arrived meanwhile')
    expect(fs.readdirSync(dir).sort()).toEqual(['dest.db', 'source.db'])
  })
})
