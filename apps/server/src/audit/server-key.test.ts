/** The server key: where it comes from, that it never enters the database, and that instances sharing a PostgreSQL database must share it. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { SettingError, testConfig } from '../config.ts'
import { createLogger, memorySink } from '../logger.ts'
import { startServer } from '../server.ts'
import { makeTestApp, TEST_BACKEND } from '../test/test-app.ts'
import { AUDIT_KEY_FILE } from './audit.ts'
import {
  checkSharedServerKey,
  loadServerKey,
  parseServerKey,
  readServerKeyFile,
  serverKeyFingerprint,
} from './server-key.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-key-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const KEY = crypto.randomBytes(32)

describe('SERVER_KEY_FILE', () => {
  it('holds the 32 bytes raw, or as base64, base64url or hex text (trailing newline allowed)', () => {
    for (const content of [
      KEY,
      Buffer.from(`${KEY.toString('base64')}\n`),
      Buffer.from(KEY.toString('base64url')),
      Buffer.from(`${KEY.toString('hex')}\n`),
      Buffer.from(KEY.toString('hex').toUpperCase()),
    ]) {
      expect(Buffer.from(parseServerKey(content) ?? []).equals(KEY)).toBe(true)
    }
  })

  it('refuses anything else: too short, too long, not base64 or hex', () => {
    for (const content of [
      KEY.subarray(0, 31),
      Buffer.concat([KEY, KEY]),
      Buffer.from(`${crypto.randomBytes(20).toString('base64')}\n`),
      Buffer.from('correct horse battery staple correct horse batt'),
      Buffer.from(''),
    ]) {
      expect(parseServerKey(content)).toBeNull()
    }
  })

  it('a missing or malformed file is a start-up error naming the setting, never echoing the content', () => {
    const dir = tempDir()
    const missing = path.join(dir, 'nope')
    expect(() => readServerKeyFile(missing)).toThrow(SettingError)
    expect(() => readServerKeyFile(missing)).toThrow(
      /^SERVER_KEY_FILE: cannot read .*nope \(ENOENT\)$/,
    )
    const bad = path.join(dir, 'bad')
    fs.writeFileSync(bad, 'hunter2-is-not-a-key')
    const err = (() => {
      try {
        readServerKeyFile(bad)
      } catch (e) {
        return e as SettingError
      }
    })()
    expect(err?.message).toMatch(/^SERVER_KEY_FILE: .*must hold 32 bytes/)
    expect(err?.message).not.toContain('hunter2')
    expect(err?.render('--server-key-file')).toMatch(/^--server-key-file: /)
  })

  it('wins over DATA_DIR; without it the key is DATA_DIR/audit-key, made on first start', () => {
    const dataDir = tempDir()
    const file = path.join(tempDir(), 'server-key')
    fs.writeFileSync(file, KEY.toString('base64'))
    expect(Buffer.from(loadServerKey({ dataDir, serverKeyFile: file })).equals(KEY)).toBe(true)
    expect(fs.existsSync(path.join(dataDir, AUDIT_KEY_FILE))).toBe(false)
    const made = loadServerKey({ dataDir, serverKeyFile: null })
    expect(Buffer.from(fs.readFileSync(path.join(dataDir, AUDIT_KEY_FILE))).equals(made)).toBe(true)
  })
})

describe('one key per database', () => {
  it('the first instance records a fingerprint, never the key; the same key passes, another is refused', async () => {
    const t = await makeTestApp()
    cleanups.push(() => t.close())
    await checkSharedServerKey(t.db, KEY, 1)
    await checkSharedServerKey(t.db, KEY, 2)
    const rows = await t.rows<{ fingerprint: string }>('select fingerprint from server_key_check')
    expect(rows).toEqual([{ fingerprint: serverKeyFingerprint(KEY) }])
    expect(JSON.stringify(rows)).not.toContain(KEY.toString('hex'))
    const other = crypto.randomBytes(32)
    await expect(checkSharedServerKey(t.db, other, 3)).rejects.toThrow(
      /^SERVER_KEY_FILE: this instance's server key .* is not the one the other instances on this database use/,
    )
  })
})

describe.skipIf(TEST_BACKEND !== 'postgres')('instances on one PostgreSQL database', () => {
  it('an instance with a different key does not open its API; with the shared SERVER_KEY_FILE it does', async () => {
    const schema = `t_${crypto.randomBytes(8).toString('hex')}`
    const admin = new pg.Client({ connectionString: inject('pgTestUrl') })
    await admin.connect()
    await admin.query(`create schema ${schema}`)
    await admin.end()
    const url = new URL(inject('pgTestUrl'))
    url.searchParams.set('options', `-c search_path=${schema}`)
    const start = (serverKeyFile: string | null) =>
      startServer(
        testConfig({ dataDir: tempDir(), port: 0, databaseUrl: url.toString(), serverKeyFile }),
        { logger: createLogger({ level: 'silent', sink: memorySink() }), announce: () => {} },
      ).then((running) => {
        cleanups.push(() => running.stop('test end'))
        return running
      })

    const keyFile = path.join(tempDir(), 'server-key')
    fs.writeFileSync(keyFile, `${KEY.toString('base64')}\n`, { mode: 0o600 })
    const first = await start(keyFile)
    await first.ready

    // Its own DATA_DIR/audit-key: a new random key.
    const stray = await start(null)
    await expect(stray.ready).rejects.toThrow(/SERVER_KEY_FILE: .*same key: one key file/)
    expect(stray.lifecycle()).toBe('stopped')

    const second = await start(keyFile)
    await second.ready
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200)
  })
})
