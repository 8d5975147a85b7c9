/** @module The embedded addon loader: hash checks before and after writing, a private cache directory, one write per hash. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { addonCacheDirs, AddonError, loadEmbeddedAddon, type EmbeddedAddon } from './addon.ts'

const addonPath = createRequire(import.meta.url).resolve(
  'better-sqlite3/build/Release/better_sqlite3.node',
)
const realBytes = fs.readFileSync(addonPath)
const realHash = crypto.createHash('sha256').update(realBytes).digest('hex')
const embedded = (overrides: Partial<EmbeddedAddon> = {}): EmbeddedAddon => ({
  name: 'better_sqlite3',
  sha256: realHash,
  read: () => realBytes,
  ...overrides,
})

const temps: string[] = []
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-addon-'))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

describe('loadEmbeddedAddon', () => {
  it('writes the addon once, named by its hash, in a 0700 directory, and better-sqlite3 runs on it', () => {
    const cache = path.join(tempDir(), 'cache', 'secretsentry')
    const loaded = loadEmbeddedAddon(embedded(), [cache])
    expect(loaded.file).toBe(path.join(cache, `better_sqlite3-${realHash}.node`))
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700)
    expect(fs.readdirSync(cache)).toEqual([`better_sqlite3-${realHash}.node`])
    const db = new BetterSqlite3(':memory:', {
      nativeBinding: loaded.exports as unknown as string,
    })
    expect(db.prepare('select 1 + 1 as n').get()).toEqual({ n: 2 })
    db.close()
  })

  it('reuses the cached file on the next start instead of writing it again', () => {
    const cache = tempDir()
    const first = loadEmbeddedAddon(embedded(), [cache])
    const before = fs.statSync(first.file)
    const second = loadEmbeddedAddon(embedded(), [cache])
    const after = fs.statSync(second.file)
    expect(after.ino).toBe(before.ino)
    expect(after.mtimeMs).toBe(before.mtimeMs)
  })

  it('replaces a cached file that was altered, so only the embedded bytes are ever loaded', () => {
    const cache = tempDir()
    const file = path.join(cache, `better_sqlite3-${realHash}.node`)
    fs.chmodSync(cache, 0o700)
    fs.writeFileSync(file, 'not the addon')
    const loaded = loadEmbeddedAddon(embedded(), [cache])
    expect(loaded.file).toBe(file)
    expect(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(realHash)
  })

  it('refuses embedded bytes that do not match the manifest, and writes no addon file', () => {
    const cache = tempDir()
    const other = tempDir()
    const damaged = Buffer.from(realBytes)
    damaged[damaged.length - 1]! ^= 1
    expect(() => loadEmbeddedAddon(embedded({ read: () => damaged }), [cache, other])).toThrow(
      /^the embedded better_sqlite3 addon does not match its SHA-256/,
    )
    expect([...fs.readdirSync(cache), ...fs.readdirSync(other)]).toEqual([])
  })

  it('does not read the embedded bytes again when the cached copy is intact', () => {
    const cache = tempDir()
    loadEmbeddedAddon(embedded(), [cache])
    let reads = 0
    const counting = embedded({
      read: () => {
        reads++
        return realBytes
      },
    })
    loadEmbeddedAddon(counting, [cache])
    expect(reads).toBe(0)
  })

  it('refuses a manifest entry that is not a hash or a plain name', () => {
    expect(() => loadEmbeddedAddon(embedded({ sha256: 'abc' }), [tempDir()])).toThrow(AddonError)
    expect(() => loadEmbeddedAddon(embedded({ name: '../x' }), [tempDir()])).toThrow(AddonError)
  })

  it('narrows a cache directory of ours that others could write to', () => {
    const cache = tempDir()
    fs.chmodSync(cache, 0o777)
    loadEmbeddedAddon(embedded(), [cache])
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700)
  })

  it('skips a symlinked cache directory and one that is not a directory, using the next', () => {
    const base = tempDir()
    const target = path.join(base, 'elsewhere')
    fs.mkdirSync(target)
    fs.symlinkSync(target, path.join(base, 'link'))
    fs.writeFileSync(path.join(base, 'file'), '')
    const good = path.join(base, 'good')
    const loaded = loadEmbeddedAddon(embedded(), [
      path.join(base, 'link'),
      path.join(base, 'file'),
      good,
    ])
    expect(path.dirname(loaded.file)).toBe(good)
    expect(fs.readdirSync(target)).toEqual([])
  })

  it.skipIf(process.getuid?.() !== 0)(
    "skips a cache directory owned by another user (another user's file could be swapped in)",
    () => {
      const base = tempDir()
      const theirs = path.join(base, 'theirs')
      fs.mkdirSync(theirs, { mode: 0o700 })
      fs.chownSync(theirs, 65534, 65534)
      const mine = path.join(base, 'mine')
      const loaded = loadEmbeddedAddon(embedded(), [theirs, mine])
      expect(path.dirname(loaded.file)).toBe(mine)
      expect(fs.readdirSync(theirs)).toEqual([])
    },
  )

  it('names every directory it tried when none works', () => {
    const base = tempDir()
    fs.writeFileSync(path.join(base, 'a'), '')
    expect(() => loadEmbeddedAddon(embedded(), [path.join(base, 'a')])).toThrow(
      new RegExp(`cannot load .*${path.join(base, 'a')}: EEXIST`),
    )
  })
})

describe('addonCacheDirs', () => {
  it('prefers systemd, XDG, then ~/.cache, then DATA_DIR, then the temp directory', () => {
    const dirs = addonCacheDirs(
      { CACHE_DIRECTORY: '/var/cache/ss', XDG_CACHE_HOME: '/x', HOME: '/home/u' },
      '/srv/data',
    )
    expect(dirs.slice(0, 4)).toEqual([
      '/var/cache/ss/addons',
      '/x/secretsentry',
      '/home/u/.cache/secretsentry',
      '/srv/data/.cache',
    ])
    expect(dirs[4]).toBe(path.join(os.tmpdir(), `secretsentry-${process.getuid?.()}`))
  })

  it('under env -i (no HOME) starts with the data directory; relative variables are ignored', () => {
    expect(addonCacheDirs({ XDG_CACHE_HOME: 'rel', HOME: 'also-rel' }, '/srv/data')[0]).toBe(
      '/srv/data/.cache',
    )
    expect(addonCacheDirs({})).toEqual([
      path.join(os.tmpdir(), `secretsentry-${process.getuid?.()}`),
    ])
  })
})
