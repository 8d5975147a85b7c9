/** @module The session file: where it lives, its modes, atomic writes, and no key in clear. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CommandError, EXIT_NOT_AUTHORISED } from './io.ts'
import {
  configDir,
  deleteSession,
  fileKdfMemory,
  openUserKey,
  readSession,
  sealUserKey,
  SESSION_FILE,
  writeSession,
  type SessionData,
} from './session-file.ts'
import { cleanUp, tempDir } from './test/support.ts'

afterAll(cleanUp)

const SERVER = 'https://secrets.example.org'

function fixture() {
  const k = new Uint8Array(crypto.randomBytes(32))
  const userKey = new Uint8Array(crypto.randomBytes(32))
  const data: SessionData = {
    server: SERVER,
    username: 'alice',
    token: crypto.randomBytes(32).toString('base64url'),
    sealedUserKey: sealUserKey(k, userKey, SERVER, 'alice'),
  }
  return { k, userKey, data }
}

describe('configDir', () => {
  it('is $XDG_CONFIG_HOME/secretsentry, else ~/.config/secretsentry', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/a' })).toBe('/x/cfg/secretsentry')
    expect(configDir({ HOME: '/home/a' })).toBe('/home/a/.config/secretsentry')
    // A relative XDG_CONFIG_HOME is invalid by the XDG spec and ignored.
    expect(configDir({ XDG_CONFIG_HOME: 'rel', HOME: '/home/a' })).toBe(
      '/home/a/.config/secretsentry',
    )
  })
})

describe('the session file', () => {
  it('is written 0600 in a 0700 directory, atomically (no temporary file left), and read back', () => {
    const dir = path.join(tempDir(), 'secretsentry')
    const { data } = fixture()
    writeSession(dir, data)
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(dir, SESSION_FILE)).mode & 0o777).toBe(0o600)
    expect(fs.readdirSync(dir)).toEqual([SESSION_FILE])
    expect(readSession(dir)).toEqual(data)
    // A looser directory is tightened on the next write.
    fs.chmodSync(dir, 0o755)
    writeSession(dir, data)
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    expect(deleteSession(dir)).toBe(true)
    expect(readSession(dir)).toBeUndefined()
  })

  it('holds the userKey only sealed: neither it nor K appears in any encoding', () => {
    const dir = path.join(tempDir(), 'secretsentry')
    const { k, userKey, data } = fixture()
    writeSession(dir, data)
    const text = fs.readFileSync(path.join(dir, SESSION_FILE))
    for (const key of [userKey, k]) {
      const b = Buffer.from(key)
      for (const spelling of [b.toString('base64url'), b.toString('base64'), b.toString('hex')]) {
        expect(text.includes(spelling)).toBe(false)
      }
      expect(text.includes(b)).toBe(false)
    }
    expect(openUserKey(k, data)).toEqual(userKey)
  })

  it('opens only with the same K, server and username', () => {
    const { data } = fixture()
    const other = new Uint8Array(crypto.randomBytes(32))
    expect(() => openUserKey(other, data)).toThrow(CommandError)
    const { k, data: mine } = fixture()
    expect(() => openUserKey(k, { ...mine, username: 'mallory' })).toThrow(
      'the session file does not match this session',
    )
    expect(() => openUserKey(k, { ...mine, server: 'https://evil.example' })).toThrow(CommandError)
    // Not authorised (exit 4), like an ended session: logging in again is what fixes it.
    let caught: unknown
    try {
      openUserKey(other, data)
    } catch (err) {
      caught = err
    }
    expect(caught).toMatchObject({ exitCode: EXIT_NOT_AUTHORISED })
  })

  it('refuses a file other users can read, and a damaged one, naming the file', () => {
    const dir = path.join(tempDir(), 'secretsentry')
    writeSession(dir, fixture().data)
    const file = path.join(dir, SESSION_FILE)
    fs.chmodSync(file, 0o644)
    expect(() => readSession(dir)).toThrow(`${file} can be read by other users`)
    fs.chmodSync(file, 0o600)
    fs.writeFileSync(file, '{"version":1,"server":"x"}')
    expect(() => readSession(dir)).toThrow(`${file} is damaged`)
  })

  it('refuses a symbolic link in its place, and writing replaces the link, never its target', () => {
    const dir = path.join(tempDir(), 'secretsentry')
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const elsewhere = path.join(tempDir(), 'theirs.json')
    const theirs = `${JSON.stringify({ version: 1, ...fixture().data })}\n`
    fs.writeFileSync(elsewhere, theirs, { mode: 0o600 })
    const file = path.join(dir, SESSION_FILE)
    fs.symlinkSync(elsewhere, file)
    expect(() => readSession(dir)).toThrow(`${file} is not a plain file`)
    writeSession(dir, fixture().data)
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false)
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe(theirs)
  })
})

describe('fileKdfMemory', () => {
  it('remembers the KDF settings per key, and only those', async () => {
    const dir = path.join(tempDir(), 'secretsentry')
    const memory = fileKdfMemory(dir)
    expect(await memory.get('a')).toBeNull()
    const params = { memoryKiB: 65536, iterations: 3, parallelism: 1 }
    await memory.set('a', { ...params, algorithm: 'argon2id' } as typeof params)
    expect(await fileKdfMemory(dir).get('a')).toEqual(params)
    expect(fs.statSync(path.join(dir, 'kdf.json')).mode & 0o777).toBe(0o600)
  })
})
