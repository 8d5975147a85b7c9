/** @module WORKERS=2, the real process tree: one URL, migrations once, one budget per deployment, SIGTERM drains every worker, a dead worker is replaced. */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
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
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

interface LogLine {
  msg: string
  pid?: number
  role?: string
}

function start(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-cluster-'))
  dirs.push(dir)
  const child = spawn(process.execPath, ['--import', tsx, mainTs], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: path.join(dir, 'data'),
      PORT: '0',
      RATE_LIMIT_PER_MIN: '0',
      WORKERS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: afterEach can kill the workers too if a test fails midway.
    detached: true,
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const logs = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
  const until = async (what: string, test: () => boolean) => {
    for (let i = 0; i < 600 && !test(); i++) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
    if (!test()) throw new Error(`timed out waiting for ${what}:\n${stdout}\n${stderr}`)
  }
  const ready = async (): Promise<string> => {
    await until('workers ready', () => logs().some((l) => l.msg === 'workers ready'))
    return /SecretSentry listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? ''
  }
  return { dir, child, exited, logs, until, ready, out: () => stdout, err: () => stderr }
}

/** The worker processes: children of the primary running main.ts (tsx also starts esbuild). */
function workerPids(primary: number): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === primary && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(mainTs))
        pids.push(Number(entry))
    } catch {
      // Exited meanwhile.
    }
  }
  return pids
}

/** One request on a connection of its own, so the kernel/primary may hand it to either worker. */
function post(base: string, pathname: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${pathname}`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

describe.runIf(process.platform === 'linux')('WORKERS=2', () => {
  it('prints the URL once, migrates once, and serves from two worker processes', async () => {
    const proc = start({ LOG_LEVEL: 'info' })
    const base = await proc.ready()
    expect(proc.out().match(/SecretSentry listening on/g)).toHaveLength(1)
    expect(new URL(base).port).not.toBe('0')
    expect(proc.logs().filter((l) => l.msg === 'migrations applied')).toHaveLength(1)
    expect(workerPids(proc.child.pid ?? -1)).toHaveLength(2)
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    // Both workers listen on the one port.
    expect(proc.logs().filter((l) => l.msg === 'listening')).toHaveLength(2)
  })

  it('a worker that cannot start fails the whole start: exit 1, the reason said once', async () => {
    const proc = start({ SERVER_KEY_FILE: '/nonexistent/server-key' })
    expect(await proc.exited).toBe(1)
    expect(proc.err().match(/SecretSentry failed to start: .*SERVER_KEY_FILE/g)).toHaveLength(1)
    expect(workerPids(proc.child.pid ?? -1)).toEqual([])
  })

  it('a client gets one rate-limit budget, not one per worker', async () => {
    const proc = start({ RATE_LIMIT_PER_MIN: '4', LOG_LEVEL: 'info' })
    const base = await proc.ready()
    const statuses: number[] = []
    // One after another, each on a new connection: round-robin spreads them over both workers.
    for (let i = 0; i < 6; i++) statuses.push(await post(base, '/api/share', shareFixture().body))
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429])
  })

  it('SIGTERM drains every worker: requests in flight finish, acknowledged writes are committed, exit 0', async () => {
    const proc = start({ LOG_LEVEL: 'info' })
    const base = await proc.ready()
    const workers = workerPids(proc.child.pid ?? -1)
    const fixtures = Array.from({ length: 150 }, () => shareFixture())
    const requests = fixtures.map((f) => post(base, '/api/share', f.body).catch(() => 0))
    await new Promise((resolve) => setTimeout(resolve, 5))
    proc.child.kill('SIGTERM')
    const statuses = await Promise.all(requests)
    expect(await proc.exited).toBe(0)
    for (const pid of workers) expect(fs.existsSync(`/proc/${pid}`)).toBe(false)

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
    // Each worker drained as a single process does.
    expect(proc.logs().filter((l) => l.msg === 'write queue committed')).toHaveLength(2)
  })

  it('a worker that dies is logged and replaced', async () => {
    const proc = start({ LOG_LEVEL: 'info' })
    const base = await proc.ready()
    const primary = proc.child.pid ?? -1
    const lead = proc.logs().find((l) => l.msg === 'worker ready' && l.role === 'lead')?.pid
    const follower = proc.logs().find((l) => l.msg === 'worker ready' && l.role === 'follower')
    expect(lead).toBeDefined()
    process.kill(follower?.pid ?? -1, 'SIGKILL')
    await proc.until('a replacement', () =>
      proc
        .logs()
        .some((l) => l.msg === 'worker ready' && l.pid !== lead && l.pid !== follower?.pid),
    )
    expect(proc.logs().some((l) => l.msg === 'worker exited')).toBe(true)
    expect(workerPids(primary)).toHaveLength(2)
    expect(await post(base, '/api/share', shareFixture().body)).toBe(201)
    // The deployment recovered: a clean stop afterwards is still exit 0.
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })
})
