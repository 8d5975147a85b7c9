/** @module The package as published: one ESM bundle with the web app beside it and the manifest built in, run with plain `node` from an empty directory. */
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import { buildBundle, cleanUp, cli, serve, tempDir, type Bundle } from './test/support.ts'

const cliDir = path.resolve(import.meta.dirname, '..')
let bundle: Bundle

beforeAll(() => {
  bundle = buildBundle()
})
afterAll(() => {
  cleanUp()
  bundle.remove()
})

describe('build.mjs', () => {
  it('bundles the CLI and the server into one executable ESM file, with the web app beside it', () => {
    const text = fs.readFileSync(bundle.file, 'utf8')
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(fs.statSync(bundle.file).mode & 0o111).toBe(0o111)
    // better-sqlite3 is native: imported, not bundled.
    expect(text).not.toMatch(/function Database\(filenameGiven/)
    // The reference manifest is inside the code, not read from the web copy beside it.
    expect(Object.keys(bundle.manifest)).toContain('index.html')
    for (const [file, hash] of Object.entries(bundle.manifest)) {
      expect(text).toContain(hash)
      const copied = fs.readFileSync(path.join(bundle.web, file))
      expect(crypto.createHash('sha256').update(copied).digest('hex')).toBe(hash)
    }
    console.log(`bundle: ${fs.statSync(bundle.file).size} bytes`)
  })

  it('runs --version and serves its bundled web app from an empty directory; verify (with the built-in manifest) passes', async () => {
    const empty = tempDir()
    const version = await cli(['--version'], { bundle: bundle.file, cwd: empty })
    expect(version.out).toBe(`secretsentry ${pkg.version}\n`)
    const server = await serve([], {
      bundle: bundle.file,
      cwd: empty,
      dataDir: path.join(empty, 'data'),
    })
    const page = await fetch(`${server.url}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(fs.readFileSync(path.join(bundle.web, 'index.html'), 'utf8'))
    const r = await cli(['verify', server.url], { bundle: bundle.file })
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
  })

  it('verify keeps its own manifest: rewriting the copy the instance serves, manifest included, fails', async () => {
    const web = path.join(tempDir(), 'web')
    fs.cpSync(bundle.web, web, { recursive: true })
    const page = path.join(web, 's', 'index.html')
    fs.appendFileSync(page, '<!-- changed -->')
    const published = JSON.parse(
      fs.readFileSync(path.join(web, 'manifest.sha256.json'), 'utf8'),
    ) as Record<string, string>
    published['s/index.html'] = crypto
      .createHash('sha256')
      .update(fs.readFileSync(page))
      .digest('hex')
    fs.writeFileSync(path.join(web, 'manifest.sha256.json'), JSON.stringify(published))
    const server = await serve(['--static-dir', web], { bundle: bundle.file })
    const r = await cli(['verify', server.url], { bundle: bundle.file })
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/^MISMATCH +s\/index\.html {2}/m)
    expect(r.out).toMatch(/^MISMATCH +\/s {2}/m)
  })

  it('npm pack ships the bundle, the web app and the README, and names the command', () => {
    fs.copyFileSync(path.join(cliDir, 'package.json'), path.join(bundle.packageDir, 'package.json'))
    fs.copyFileSync(path.join(cliDir, 'README.md'), path.join(bundle.packageDir, 'README.md'))
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: bundle.packageDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { files: { path: string }[] }[]
    const files = packed?.files.map((f) => f.path) ?? []
    expect(files).toContain('dist/secretsentry.mjs')
    expect(files).toContain('README.md')
    expect(files).toContain('package.json')
    for (const file of Object.keys(bundle.manifest)) expect(files).toContain(`dist/web/${file}`)
    expect(files.filter((f) => !f.startsWith('dist/web/'))).toHaveLength(3)
    expect(pkg.bin).toEqual({ secretsentry: 'dist/secretsentry.mjs' })
    expect(pkg.dependencies).toHaveProperty('better-sqlite3')
  })
})
