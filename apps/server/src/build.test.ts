/** @module The build: build.mjs produces dist/main.js, the CommonJS bundle and its V8 code cache, and `node` runs them. */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const serverDir = path.resolve(import.meta.dirname, '..')
// Inside apps/server so that better-sqlite3's addon and pg resolve as they do for dist/main.js.
fs.mkdirSync(path.join(serverDir, 'dist'), { recursive: true })
const outDir = fs.mkdtempSync(path.join(serverDir, 'dist', '.test-'))
const dataDirs: string[] = []

afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true })
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true })
})

interface Run {
  /** The `code cache` debug line's state: accepted, rejected, missing or unreadable. */
  codeCache: string | undefined
  readyz: number
  created: number
  exitCode: number | null
}

/** Starts `node [FLAGS] DIR/main.js` at debug level, asks /readyz and creates a share, then SIGTERM. */
async function run(dir: string, nodeFlags: string[] = []): Promise<Run> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-build-'))
  dataDirs.push(dataDir)
  const child = spawn(process.execPath, [...nodeFlags, path.join(dir, 'main.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  try {
    await expect
      .poll(() => /listening on (http:\/\/\S+)/.exec(out)?.[1], { timeout: 15_000 })
      .toBeTruthy()
    const base = /listening on (http:\/\/\S+)/.exec(out)?.[1] as string
    await expect
      .poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 15_000 })
      .toBe(200)
    const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64url')
    const created = await fetch(`${base}/api/share`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({
        id: b64(16),
        verifier: b64(32),
        ciphertext: b64(64),
        ttlSeconds: 300,
        maxViews: 1,
      }),
    })
    await expect.poll(() => /"msg":"code cache"/.test(out)).toBe(true)
    const line = out.split('\n').find((l) => l.includes('"msg":"code cache"'))
    const codeCache = line ? (JSON.parse(line) as { state?: string }).state : undefined
    child.kill('SIGTERM')
    return { codeCache, readyz: 200, created: created.status, exitCode: await exited }
  } catch (err) {
    throw new Error(`${String(err)}; output:\n${out}`, { cause: err })
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

/** A copy of the build beside it (so better-sqlite3 still resolves), for damaging its cache. */
function copyBuild(name: string): string {
  const dir = path.join(outDir, name)
  fs.mkdirSync(dir)
  for (const file of ['main.js', 'package.json', 'server.cjs', 'server.cjs.cache']) {
    fs.copyFileSync(path.join(outDir, 'build', file), path.join(dir, file))
  }
  return dir
}

describe('build.mjs', () => {
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [path.join(serverDir, 'build.mjs'), path.join(outDir, 'build', 'main.js')],
      {
        stdio: 'pipe',
      },
    )
  }, 120_000)

  it('bundles src/main.ts into CommonJS, with better-sqlite3 but not its addon or pg', () => {
    const bundle = fs.readFileSync(path.join(outDir, 'build', 'server.cjs'), 'utf8')
    expect(bundle).not.toContain('require("better-sqlite3")')
    expect(bundle).toContain('better-sqlite3/build/Release/better_sqlite3.node')
    // pg stays outside and is required lazily: a script run from a code cache has no callback
    // for import(), which would fail there at run time.
    expect(bundle).toContain('require("pg")')
    expect(bundle).not.toMatch(/\bimport\(/)
    // No top-level await or import.meta left: vm.Script compiles a classic script.
    expect(bundle).not.toContain('import.meta')
  })

  it('makes a code cache that V8 accepts, and the server serves', async () => {
    expect(fs.statSync(path.join(outDir, 'build', 'server.cjs.cache')).size).toBeGreaterThan(
      100_000,
    )
    const result = await run(path.join(outDir, 'build'))
    expect(result).toEqual({ codeCache: 'accepted', readyz: 200, created: 201, exitCode: 0 })
  })

  it('starts and serves with a damaged code cache (the hash catches it; V8 would abort)', async () => {
    const dir = copyBuild('corrupt')
    const cache = fs.readFileSync(path.join(dir, 'server.cjs.cache'))
    // Same length, bytes flipped in the middle: V8 checks only the header, and would abort.
    for (let i = cache.length >> 1; i < (cache.length >> 1) + 64; i++)
      cache.writeUInt8(cache.readUInt8(i) ^ 0xff, i)
    fs.writeFileSync(path.join(dir, 'server.cjs.cache'), cache)
    const result = await run(dir)
    expect(result).toEqual({ codeCache: 'mismatched', readyz: 200, created: 201, exitCode: 0 })
  })

  it('starts and serves without a code cache', async () => {
    const missing = copyBuild('missing')
    fs.rmSync(path.join(missing, 'server.cjs.cache'))
    expect(await run(missing)).toEqual({
      codeCache: 'missing',
      readyz: 200,
      created: 201,
      exitCode: 0,
    })
  })

  it('does not use the cache of another bundle of the same length', async () => {
    // V8 compares only the source's length; this cache would run the old bundle's compiled code.
    const stale = copyBuild('stale')
    const bundle = path.join(stale, 'server.cjs')
    const text = fs.readFileSync(bundle, 'utf8')
    fs.writeFileSync(bundle, text.replace('server.cjs.map', 'server.cjs.maq'))
    expect(fs.statSync(bundle).size).toBe(text.length)
    expect(await run(stale)).toEqual({
      codeCache: 'mismatched',
      readyz: 200,
      created: 201,
      exitCode: 0,
    })
  })

  it('starts and serves when V8 rejects the cache (other V8 flags than the build)', async () => {
    expect(await run(path.join(outDir, 'build'), ['--max-semi-space-size=2'])).toEqual({
      codeCache: 'rejected',
      readyz: 200,
      created: 201,
      exitCode: 0,
    })
  })
})
