/** @module The published manifest: the web build's SHA-256 list at a fixed path, never cached, never compressed away from its bytes. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestApp, type TestApp } from '../test/test-app.ts'
import { MANIFEST_PATH } from './static.routes.ts'

const opened: { t: TestApp; dir: string }[] = []
afterEach(async () => {
  for (const { t, dir } of opened.splice(0)) {
    await t.close()
    await t.db.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

async function appWith(files: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-manifest-'))
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), content)
  const t = await makeTestApp({ config: { staticDir: dir } })
  opened.push({ t, dir })
  return t
}

describe(MANIFEST_PATH, () => {
  it('serves the build manifest as JSON with no-store, byte for byte', async () => {
    const manifest = JSON.stringify(
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`assets/f${i}.js`, 'a'.repeat(64)])),
      null,
      2,
    )
    const t = await appWith({ 'index.html': '<!doctype html>', 'manifest.sha256.json': manifest })
    expect(MANIFEST_PATH).toBe('/.well-known/secretsentry/manifest.json')
    const res = await t.call(MANIFEST_PATH, { headers: { 'accept-encoding': 'identity' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(await res.text()).toBe(manifest)
    // Compressed when asked, like every other file; the bytes inside are the same.
    const gz = await t.call(MANIFEST_PATH, { headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(gz.headers.get('cache-control')).toBe('no-store')
  })

  it('is a 404, not the single-page app, when the build has no manifest', async () => {
    const t = await appWith({ 'index.html': '<!doctype html>' })
    const res = await t.call(MANIFEST_PATH)
    expect(res.status).toBe(404)
    // Other dot paths stay refused as before.
    expect((await t.call('/.well-known/secretsentry/other.json')).status).toBe(404)
  })
})
