/** @module The bundle: build.mjs produces one ESM file that runs under plain `node`. */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const serverDir = path.resolve(import.meta.dirname, '..')
// Inside apps/server so that the external better-sqlite3 resolves as it does for dist/main.js.
fs.mkdirSync(path.join(serverDir, 'dist'), { recursive: true })
const outDir = fs.mkdtempSync(path.join(serverDir, 'dist', '.test-'))
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-build-'))

afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true })
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('build.mjs', () => {
  it('bundles src/main.ts into an ESM file that `node` runs', async () => {
    const outfile = path.join(outDir, 'main.js')
    execFileSync(process.execPath, [path.join(serverDir, 'build.mjs'), outfile], { stdio: 'pipe' })
    const bundle = fs.readFileSync(outfile, 'utf8')
    expect(bundle).toContain('createRequire')
    expect(bundle).not.toMatch(/\n\s*function Database\(filenameGiven/) // better-sqlite3 stays external

    const child = spawn(process.execPath, [outfile], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await expect
      .poll(() => /listening on (http:\/\/\S+)/.exec(out)?.[1], { timeout: 10_000 })
      .toBeTruthy()
    const base = /listening on (http:\/\/\S+)/.exec(out)?.[1] as string
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
