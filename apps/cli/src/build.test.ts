/** @module The package as published: one ESM bundle with the web app beside it and the manifest built in, run with plain `node` from an empty directory. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import { cleanUp, cli, serve, tempDir, WEB_DIST } from './test/support.ts'

const cliDir = path.resolve(import.meta.dirname, '..')
// Inside apps/cli so the external better-sqlite3 resolves as it does for an installed package.
fs.mkdirSync(path.join(cliDir, 'dist'), { recursive: true })
const packageDir = fs.mkdtempSync(path.join(cliDir, 'dist', '.test-'))
const bundle = path.join(packageDir, 'dist', 'secretsentry.mjs')

afterAll(() => {
  cleanUp()
  fs.rmSync(packageDir, { recursive: true, force: true })
})

describe('build.mjs', () => {
  it('bundles the CLI and the server into one executable ESM file, with the web app beside it', () => {
    execFileSync(process.execPath, [path.join(cliDir, 'build.mjs'), path.dirname(bundle)], {
      stdio: 'pipe',
    })
    const text = fs.readFileSync(bundle, 'utf8')
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(fs.statSync(bundle).mode & 0o111).toBe(0o111)
    // better-sqlite3 is native: imported, not bundled.
    expect(text).not.toMatch(/function Database\(filenameGiven/)
    // The reference manifest is inside the code, not read from the web copy beside it.
    const manifest = JSON.parse(
      fs.readFileSync(path.join(WEB_DIST, 'manifest.sha256.json'), 'utf8'),
    ) as Record<string, string>
    for (const hash of Object.values(manifest)) expect(text).toContain(hash)
    for (const file of Object.keys(manifest)) {
      expect(fs.readFileSync(path.join(packageDir, 'dist', 'web', file))).toEqual(
        fs.readFileSync(path.join(WEB_DIST, file)),
      )
    }
    console.log(`bundle: ${fs.statSync(bundle).size} bytes`)
  })

  it('runs --version and serves its bundled web app from an empty directory; verify (with the built-in manifest) passes', async () => {
    const empty = tempDir()
    expect((await cli(['--version'], { bundle, cwd: empty })).out).toBe(
      `secretsentry ${pkg.version}\n`,
    )
    const server = await serve([], { bundle, cwd: empty, dataDir: path.join(empty, 'data') })
    const page = await fetch(`${server.url}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8'))
    const r = await cli(['verify', server.url], { bundle })
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
  })

  it('verify keeps its own manifest: rewriting the copy the instance serves, manifest included, fails', async () => {
    const web = path.join(tempDir(), 'web')
    fs.cpSync(path.join(packageDir, 'dist', 'web'), web, { recursive: true })
    const page = path.join(web, 's', 'index.html')
    fs.appendFileSync(page, '<!-- changed -->')
    const published = JSON.parse(
      fs.readFileSync(path.join(web, 'manifest.sha256.json'), 'utf8'),
    ) as Record<string, string>
    published['s/index.html'] = 'f'.repeat(64)
    fs.writeFileSync(path.join(web, 'manifest.sha256.json'), JSON.stringify(published))
    const server = await serve(['--static-dir', web], { bundle })
    const r = await cli(['verify', server.url], { bundle })
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/^MISMATCH +s\/index\.html {2}/m)
    expect(r.out).toMatch(/^MISMATCH +\/s {2}/m)
  })

  it('npm pack ships the bundle, the web app and the README, and names the command', () => {
    fs.copyFileSync(path.join(cliDir, 'package.json'), path.join(packageDir, 'package.json'))
    fs.copyFileSync(path.join(cliDir, 'README.md'), path.join(packageDir, 'README.md'))
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: packageDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { files: { path: string; mode: number }[] }[]
    const files = packed?.files.map((f) => f.path) ?? []
    expect(files).toContain('dist/secretsentry.mjs')
    expect(files).toContain('README.md')
    expect(files).toContain('package.json')
    for (const file of Object.keys(
      JSON.parse(fs.readFileSync(path.join(WEB_DIST, 'manifest.sha256.json'), 'utf8')) as object,
    )) {
      expect(files).toContain(`dist/web/${file}`)
    }
    expect(files.filter((f) => !f.startsWith('dist/web/'))).toHaveLength(3)
    expect(pkg.bin).toEqual({ secretsentry: 'dist/secretsentry.mjs' })
    expect(pkg.dependencies).toHaveProperty('better-sqlite3')
  })
})
