// @vitest-environment node
/** @module Builds the app into a temporary folder and checks what ships: strict CSP, SRI, the hash manifest and the /s budget. */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdir } from 'node:fs/promises'
import { findEval, findInlineCode, findInlineWorker } from './csp-check.plugin.ts'
import { MANIFEST_FILE, PINS_PLACEHOLDER } from './sri.plugin.ts'
import type { PinEntry } from './sri.plugin.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
let outDir = ''
const read = (file: string) => readFile(join(outDir, file))
const readText = async (file: string) => (await read(file)).toString('utf8')

/** Every same-origin script, modulepreload and stylesheet a page loads. */
function subresources(html: string): { tag: string; url: string; integrity: string | undefined }[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.startsWith('<script') || /rel="(stylesheet|modulepreload)"/.test(tag))
    .map((tag) => ({
      tag,
      url: /(?:src|href)="([^"]+)"/.exec(tag)![1]!,
      integrity: /integrity="([^"]+)"/.exec(tag)?.[1],
    }))
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'secretsentry-web-build-'))
  // As `pnpm build` runs it: vitest's NODE_ENV=test would make import.meta.env.DEV true.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      root,
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}, 120_000)

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

describe('the built web app', () => {
  it('has the two pages and the favicon', async () => {
    for (const f of ['index.html', 's/index.html', 'favicon.svg']) {
      expect((await read(f)).length, f).toBeGreaterThan(0)
    }
  })

  it('runs under the strict CSP: no inline scripts or styles, no eval', async () => {
    for (const page of ['index.html', 's/index.html']) {
      const html = await readText(page)
      expect(findInlineCode(html), page).toEqual([])
      for (const { url } of subresources(html)) {
        if (url.endsWith('.js')) expect(findEval(await readText(url.slice(1))), url).toEqual([])
      }
    }
  })

  it('ships Subresource Integrity on every script and stylesheet, matching the files', async () => {
    for (const page of ['index.html', 's/index.html']) {
      const tags = subresources(await readText(page))
      expect(tags.length).toBeGreaterThanOrEqual(2)
      for (const { tag, url, integrity } of tags) {
        expect(integrity, tag).toBeDefined()
        expect(tag).toContain('crossorigin')
        const digest = createHash('sha384')
          .update(await read(url.slice(1)))
          .digest('base64')
        expect(integrity).toBe(`sha384-${digest}`)
      }
    }
  })

  it('ships a manifest with the SHA-256 of every served file', async () => {
    const manifest = JSON.parse(await readText(MANIFEST_FILE)) as Record<string, string>
    expect(Object.keys(manifest)).toEqual(
      expect.arrayContaining(['index.html', 's/index.html', 'favicon.svg']),
    )
    expect(manifest[MANIFEST_FILE]).toBeUndefined()
    const pages = await Promise.all(['index.html', 's/index.html'].map(readText))
    for (const { url } of pages.flatMap(subresources)) {
      expect(manifest[url.slice(1)], url).toBeDefined()
    }
    for (const [file, hash] of Object.entries(manifest)) {
      expect(
        createHash('sha256')
          .update(await read(file))
          .digest('hex'),
        file,
      ).toBe(hash)
    }
  })

  it('keeps the JavaScript of /s under 60 KB gzip, without the QR code, router, store or zod', async () => {
    const html = await readText('s/index.html')
    const scripts = subresources(html).filter((s) => s.url.endsWith('.js'))
    let total = 0
    let code = ''
    for (const { url } of scripts) {
      const js = await read(url.slice(1))
      total += gzipSync(js).length
      code += js.toString('utf8')
    }
    expect(total).toBeLessThan(60 * 1024)
    expect(html).not.toMatch(/assets\/main-/)
    // Strings that only Pinia, vue-router and uqr contain; the creator's page proves they are telling.
    const markers = [/\bpinia\b/, /router-link-active/, /uqr only/]
    const mainHtml = await readText('index.html')
    let mainCode = ''
    for (const { url } of subresources(mainHtml)) {
      if (url.endsWith('.js')) mainCode += await readText(url.slice(1))
    }
    for (const marker of markers) {
      expect(mainCode, String(marker)).toMatch(marker)
      expect(code, String(marker)).not.toMatch(marker)
    }
    // zod stays on the server: the web app imports only the contract's limits and types.
    expect(code + mainCode).not.toMatch(/\bZod[A-Z]/)
  })

  it('loads the vault lazily: neither /s nor the create page downloads it; no worker file', async () => {
    const assets = (await readdir(join(outDir, 'assets'))).filter((f) => f.endsWith('.js'))
    const code = new Map(
      await Promise.all(assets.map(async (f) => [f, await readText(`assets/${f}`)] as const)),
    )
    // Strings only the keyring (account key schedule) and the vault pages contain.
    const vaultMarkers = ['secretsentry/v1/account/kek', 'Unlock your vault']
    const holders = (marker: string) => [...code].filter(([, js]) => js.includes(marker))
    for (const marker of vaultMarkers) expect(holders(marker).length, marker).toBeGreaterThan(0)
    for (const page of ['index.html', 's/index.html']) {
      for (const { url } of subresources(await readText(page))) {
        if (!url.endsWith('.js')) continue
        const js = code.get(url.slice('/assets/'.length)) ?? ''
        for (const marker of vaultMarkers)
          expect(js, `${page} ${url} ${marker}`).not.toContain(marker)
      }
    }
    // A worker's script cannot carry integrity: the master password goes to no worker.
    expect(assets.filter((f) => /worker/i.test(f))).toEqual([])
    for (const [file, js] of code) {
      expect(js, file).not.toMatch(/new\s+(?:Shared)?Worker\s*\(/)
      expect(findInlineWorker(js), file).toEqual([])
      expect(findEval(js), file).toEqual([])
    }
  })

  it('pins the lazy vault chunk and its stylesheet in the SRI-pinned entry, with hashes that match', async () => {
    const html = await readText('index.html')
    const entry = subresources(html).find((s) => s.tag.startsWith('<script'))!
    const entryCode = await readText(entry.url.slice(1))
    expect(entryCode).not.toContain(PINS_PLACEHOLDER)
    // The JSON string literal the build wrote in place of the placeholder.
    const literal = /("\{\\"src\/vault\/index\.ts.*?\}\}")/.exec(entryCode)?.[1]
    expect(literal, 'the pins literal in the entry').toBeDefined()
    const pins = JSON.parse(JSON.parse(literal!) as string) as Record<string, PinEntry>
    // A new lazy chunk gets a pin here, but only a pinnedImport() call site checks it: add one.
    expect(Object.keys(pins)).toEqual(['src/vault/index.ts'])
    const vault = pins['src/vault/index.ts']!
    expect(vault.js.map((p) => p.url)).toEqual([expect.stringMatching(/^\/assets\/vault-.*\.js$/)])
    expect(vault.css.map((p) => p.url)).toEqual([
      expect.stringMatching(/^\/assets\/vault-.*\.css$/),
    ])
    for (const pin of [...vault.js, ...vault.css]) {
      const digest = createHash('sha384')
        .update(await read(pin.url.slice(1)))
        .digest('base64')
      expect(pin.integrity, pin.url).toBe(`sha384-${digest}`)
    }
    // The vault chunk holds the vault; the entry imports exactly the pinned file.
    const vaultCode = await readText(vault.js[0]!.url.slice(1))
    expect(vaultCode).toContain('Unlock your vault')
    expect(entryCode).toContain(`import(\`./${vault.js[0]!.url.slice('/assets/'.length)}\`)`)
    // /s never loads the loader (nor the pins).
    for (const { url } of subresources(await readText('s/index.html'))) {
      if (url.endsWith('.js'))
        expect(await readText(url.slice(1)), url).not.toContain('integrity_failed')
    }
  })
})
