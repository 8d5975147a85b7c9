/** @module Asset sources: the web app served from memory (the single executable) as it is from disk. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, type SecretSentryApp } from '../app.ts'
import { testConfig } from '../config.ts'
import { openDatabase, type OpenedDatabase } from '../db/database.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { diskAssetSource, memoryAssetSource } from './asset-source.ts'

const js = `export const greeting = ${JSON.stringify('hello '.repeat(300))}\n`
const files: Record<string, string> = {
  'index.html': '<!doctype html><title>app</title>',
  's/index.html': '<!doctype html><title>share</title>',
  'assets/app-3f9a1c.js': js,
  'assets/app-3f9a1c.css': 'body{color:red}',
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'manifest.sha256.json': '{}',
}

describe('memoryAssetSource behind the app', () => {
  let database: OpenedDatabase
  let server: SecretSentryApp
  const reads: string[] = []

  beforeAll(async () => {
    database = openDatabase(':memory:')
    await migrateToLatest(database.db)
    const assets = memoryAssetSource(Object.keys(files), (name) => {
      reads.push(name)
      return new TextEncoder().encode(files[name])
    })
    // The configured directory does not exist: every byte below comes from memory.
    const config = testConfig({ staticDir: path.join(os.tmpdir(), 'ss-no-such-dir') })
    server = createApp({ db: database.db, config, assets })
  })
  afterAll(async () => {
    await server.close()
    await database.close()
  })
  const call = (url: string, init?: RequestInit) => Promise.resolve(server.app.request(url, init))

  it('serves hashed assets immutable with their content type', async () => {
    const res = await call('/assets/app-3f9a1c.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await res.text()).toBe(js)
    const css = await call('/assets/app-3f9a1c.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  })

  it('serves pages no-store: /, app routes and the share page', async () => {
    for (const [url, title] of [
      ['/', 'app'],
      ['/links', 'app'],
      ['/s', 'share'],
    ] as const) {
      const res = await call(url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(await res.text()).toContain(`<title>${title}</title>`)
    }
  })

  it('serves unhashed files with revalidation and the right types', async () => {
    const svg = await call('/favicon.svg')
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    expect(svg.headers.get('cache-control')).toBe('no-cache')
    const manifest = await call('/manifest.sha256.json')
    expect(manifest.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await manifest.text()).toBe('{}')
  })

  it('compresses as the client accepts, as from disk', async () => {
    const br = await call('/assets/app-3f9a1c.js', { headers: { 'accept-encoding': 'br, gzip' } })
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(zlib.brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(js)
    const gz = await call('/assets/app-3f9a1c.js', { headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(zlib.gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(js)
  })

  it('reads each embedded file once, on first request', () => {
    expect(reads.filter((name) => name === 'assets/app-3f9a1c.js')).toHaveLength(1)
    expect(reads).not.toContain('assets/never-asked.js')
  })

  it.each([['/assets/missing.js'], ['/assets/..%2findex.html'], ['/.env'], ['/assets/']])(
    'answers %s with a JSON 404',
    async (url) => {
      const res = await call(url)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    },
  )
})

describe('memoryAssetSource', () => {
  it('knows only the names it was given', async () => {
    const source = memoryAssetSource(['b.txt', 'a/c.txt'], () => new Uint8Array([1]))
    expect(await source.list()).toEqual(['a/c.txt', 'b.txt'])
    expect(await source.get('a/c.txt')).not.toBeNull()
    for (const name of ['a', 'a/', 'c.txt', '../b.txt', 'a/../b.txt']) {
      expect(await source.get(name)).toBeNull()
    }
  })
})

describe('diskAssetSource', () => {
  let root: string
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-assets-'))
    fs.mkdirSync(path.join(root, 'assets'))
    fs.writeFileSync(path.join(root, 'index.html'), 'one')
    fs.writeFileSync(path.join(root, 'assets', 'a.js'), 'a')
    fs.writeFileSync(path.join(root, '.env'), 'SECRET=1')
  })
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

  it('lists files as relative POSIX paths, leaving out hidden ones', async () => {
    expect(await diskAssetSource(root).list()).toEqual(['assets/a.js', 'index.html'])
  })

  it('re-reads a file whose size changed, under a new version', async () => {
    const source = diskAssetSource(root)
    const first = await source.get('index.html')
    fs.writeFileSync(path.join(root, 'index.html'), 'two!')
    const second = await source.get('index.html')
    expect(second?.bytes.toString()).toBe('two!')
    expect(second?.version).not.toBe(first?.version)
  })

  it('reads nothing outside its root, even given a path that climbs', async () => {
    fs.writeFileSync(path.join(path.dirname(root), 'ss-outside.txt'), 'outside')
    const source = diskAssetSource(root)
    expect(await source.get('../ss-outside.txt')).toBeNull()
    expect(await source.get('assets')).toBeNull()
    fs.rmSync(path.join(path.dirname(root), 'ss-outside.txt'))
  })
})
