/** @module The real process: config errors exit 1, it listens and logs, and SIGTERM finishes and commits what it acknowledged. */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { shareFixture } from './test/test-app.ts'

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const mainTs = path.join(import.meta.dirname, 'main.ts')
const dirs: string[] = []
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function start(env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-main-'))
  dirs.push(dir)
  const child = spawn(process.execPath, ['--import', tsx, mainTs], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: path.join(dir, 'data'),
      PORT: '0',
      RATE_LIMIT_PER_MIN: '0',
      // One process, as these tests were written for; cluster.test.ts covers WORKERS=2.
      WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const listening = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /SecretSentry listening on (http:\/\/\S+)/.exec(stdout)
      if (m?.[1]) resolve(m[1])
    }
    child.stdout?.on('data', check)
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  listening.catch(() => {}) // Awaited only by the tests that expect it to listen.
  return { dir, child, exited, listening, out: () => stdout, err: () => stderr }
}

describe('main', () => {
  it('bad configuration fails at start with a message naming the setting, exit 1', async () => {
    const proc = start({ RATE_LIMIT_PER_MIN: 'many' })
    expect(await proc.exited).toBe(1)
    expect(proc.err()).toContain('RATE_LIMIT_PER_MIN')
  })

  it.each(['full', 'group'])(
    'listens, logs JSON lines, and on SIGTERM finishes requests, commits acknowledged writes, exits 0 (SQLITE_SYNC=%s)',
    async (sync) => {
      const proc = start({ LOG_LEVEL: 'info', SQLITE_SYNC: sync })
      const base = await proc.listening
      expect((await fetch(`${base}/readyz`)).status).toBe(200)

      const fixtures = Array.from({ length: 150 }, () => shareFixture())
      const requests = fixtures.map((f) =>
        fetch(`${base}/api/share`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(f.body),
        }).then(
          (res) => res.status,
          () => 0,
        ),
      )
      // Stop while requests are in flight.
      await new Promise((resolve) => setTimeout(resolve, 5))
      proc.child.kill('SIGTERM')
      const statuses = await Promise.all(requests)
      expect(await proc.exited).toBe(0)

      const acknowledged = fixtures.filter((_f, i) => statuses[i] === 201)
      expect(acknowledged.length).toBeGreaterThan(0)
      const db = new BetterSqlite3(path.join(proc.dir, 'data', 'secretsentry.db'), {
        readonly: true,
      })
      const stored = new Set(
        (db.prepare('select id from shares').all() as { id: Buffer }[]).map((r) =>
          r.id.toString('base64url'),
        ),
      )
      db.close()
      for (const f of acknowledged) expect(stored.has(f.id)).toBe(true)

      const lines = proc
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string })
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['listening', 'request', 'shutting down', 'stopped']),
      )
      expect(fs.statSync(path.join(proc.dir, 'data', 'audit-key')).mode & 0o777).toBe(0o600)
    },
  )

  it('writes logs to LOG_FILE when set', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-log-'))
    dirs.push(dir)
    const logFile = path.join(dir, 'server.log')
    const proc = start({ LOG_FILE: logFile })
    const base = await proc.listening
    await fetch(`${base}/healthz`)
    proc.child.kill('SIGINT')
    expect(await proc.exited).toBe(0)
    const lines = fs
      .readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; route?: string })
    expect(lines.find((l) => l.msg === 'request')?.route).toBe('/healthz')
    expect(proc.out()).not.toContain('"msg":"request"')
  })
})
