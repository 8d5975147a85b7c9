/** @module Static web app: entry pages, hashed assets, content types, caching, compression, path safety. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestApp, type TestApp } from '../test/test-app.ts'
import { staticRelPath } from './asset-source.ts'

let base: string
let root: string
let t: TestApp
const js = `export const greeting = ${JSON.stringify('hello '.repeat(300))}\n`

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-static-'))
  root = path.join(base, 'dist')
  fs.mkdirSync(path.join(root, 's'), { recursive: true })
  fs.mkdirSync(path.join(root, 'assets'))
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>')
  fs.writeFileSync(path.join(root, 's', 'index.html'), '<!doctype html><title>share</title>')
  fs.writeFileSync(path.join(root, 'assets', 'app-3f9a1c.js'), js)
  fs.writeFileSync(path.join(root, 'assets', 'app-3f9a1c.css'), 'body{color:red}')
  fs.writeFileSync(path.join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]))
  fs.writeFileSync(path.join(root, 'manifest.webmanifest'), '{}')
  fs.writeFileSync(path.join(root, '.env'), 'SECRET=1')
  fs.writeFileSync(path.join(base, 'outside.txt'), 'outside')
  t = await makeTestApp({ config: { staticDir: root } })
})
afterAll(async () => {
  await t.close()
  await t.db.destroy()
  fs.rmSync(base, { recursive: true, force: true })
})

describe('entry pages', () => {
  it('GET /s serves s/index.html with no-store and never touches the database', async () => {
    const before = t.queries()
    const res = await t.call('/s')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<title>share</title>')
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(t.queries()).toBe(before)
  })

  it('HEAD /s answers with the headers and no body', async () => {
    const res = await t.call('/s', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await res.text()).toBe('')
  })

  it.each([['/'], ['/links'], ['/vault/items']])(
    'GET %s serves index.html with no-store',
    async (url) => {
      const res = await t.call(url)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('<title>app</title>')
      expect(res.headers.get('cache-control')).toBe('no-store')
    },
  )
})

describe('files', () => {
  it('serves hashed assets as immutable with the right content type', async () => {
    const res = await t.call('/assets/app-3f9a1c.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await res.text()).toBe(js)
    const css = await t.call('/assets/app-3f9a1c.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
  })

  it('compresses text assets with brotli or gzip as the client accepts', async () => {
    const br = await t.call('/assets/app-3f9a1c.js', { headers: { 'accept-encoding': 'gzip, br' } })
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('vary')).toBe('Accept-Encoding')
    const brBytes = Buffer.from(await br.arrayBuffer())
    expect(brBytes.length).toBeLessThan(js.length / 4)
    expect(zlib.brotliDecompressSync(brBytes).toString()).toBe(js)

    const gz = await t.call('/assets/app-3f9a1c.js', {
      headers: { 'accept-encoding': 'gzip, br;q=0' },
    })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(zlib.gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(js)
  })

  it('serves unhashed root files with revalidation', async () => {
    const res = await t.call('/favicon.ico')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/x-icon')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    const manifest = await t.call('/manifest.webmanifest')
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8')
  })

  it.each([
    ['/assets/missing.js'],
    ['/missing.txt'],
    ['/.env'],
    ['/assets/../../outside.txt'],
    ['/assets/%2e%2e/%2e%2e/outside.txt'],
    ['/assets/..%2f..%2foutside.txt'],
    ['/assets/'],
  ])('answers %s with a JSON 404 and the security headers', async (url) => {
    const res = await t.call(url)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).not.toContain('outside')
  })

  it('answers other methods on app paths with 404', async () => {
    expect((await t.call('/', { method: 'POST' })).status).toBe(404)
    expect((await t.call('/s', { method: 'DELETE' })).status).toBe(404)
  })
})

describe('staticRelPath', () => {
  it('maps a URL path to a relative file path and refuses anything that could leave the app', () => {
    expect(staticRelPath('/assets/a.js')).toBe('assets/a.js')
    expect(staticRelPath('//s//index.html')).toBe('s/index.html')
    expect(staticRelPath('/../etc/passwd')).toBeNull()
    expect(staticRelPath('/assets/.git/config')).toBeNull()
    expect(staticRelPath('/a\\..\\b')).toBeNull()
    expect(staticRelPath('/a\0b')).toBeNull()
    expect(staticRelPath('/c:/windows')).toBeNull()
    expect(staticRelPath('/')).toBeNull()
  })
})

describe('without a built web app', () => {
  it('answers app routes with a JSON 404, not an error', async () => {
    const bare = await makeTestApp({ config: { staticDir: path.join(base, 'nothing-here') } })
    for (const url of ['/', '/s', '/assets/x.js']) expect((await bare.call(url)).status).toBe(404)
    await bare.close()
    await bare.db.destroy()
  })

  it('falls back to index.html for /s when the build has no separate share page', async () => {
    const single = path.join(base, 'single')
    fs.mkdirSync(single)
    fs.writeFileSync(path.join(single, 'index.html'), '<!doctype html><title>one</title>')
    const app = await makeTestApp({ config: { staticDir: single } })
    const res = await app.call('/s')
    expect(await res.text()).toContain('<title>one</title>')
    expect(res.headers.get('cache-control')).toBe('no-store')
    await app.close()
    await app.db.destroy()
  })
})
