/** @module startServer: listening before migrating, /readyz and the API while migrating, and a graceful stop that logs each stage and answers 503 to readiness from SIGTERM on. */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { testConfig } from './config.ts'
import { migrateToLatest } from './db/migrate.ts'
import { createLogger, memorySink } from './logger.ts'
import { startServer, type StartServerOptions } from './server.ts'
import { shareFixture } from './test/test-app.ts'

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const mainTs = path.join(import.meta.dirname, 'main.ts')
const cleanups: (() => unknown)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-server-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

const post = (base: string, body: unknown) =>
  fetch(`${base}/api/share`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

async function start(migrate?: StartServerOptions['migrate']) {
  const logs = memorySink()
  const running = await startServer(testConfig({ dataDir: tempDir(), port: 0 }), {
    logger: createLogger({ level: 'info', sink: logs }),
    announce: () => {},
    ...(migrate ? { migrate } : {}),
  })
  cleanups.push(() => running.stop('test end'))
  return { running, logs }
}

/** Flushes the logger's buffered lines (it writes once per event-loop turn). */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('startServer', () => {
  it('listens before migrating: /healthz 200, /readyz 503, the API 503 with Retry-After; then ready', async () => {
    const gate = deferred()
    const { running } = await start(async (db) => {
      await gate.promise
      return migrateToLatest(db)
    })
    expect(running.lifecycle()).toBe('migrating')
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200)
    const notReady = await fetch(`${running.url}/readyz`)
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toEqual({ status: 'not ready' })

    const refused = await post(running.url, shareFixture().body)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({ error: { code: 'internal' } })
    const status = await fetch(`${running.url}/api/share/AAAAAAAAAAAAAAAAAAAAAA/status`)
    expect(status.status).toBe(503)

    gate.resolve()
    await running.ready
    expect(running.lifecycle()).toBe('ready')
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200)
    expect((await post(running.url, shareFixture().body)).status).toBe(201)
  })

  it('a failed migration rejects `ready`, logs it and stops the server', async () => {
    const { running, logs } = await start(async () => {
      throw new Error('disk on fire')
    })
    await expect(running.ready).rejects.toThrow('disk on fire')
    expect(running.lifecycle()).toBe('stopped')
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow()
    await settle()
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'migration failed', error: 'disk on fire' }),
    )
  })

  it('stop() logs every stage in order and closes the database after committing', async () => {
    const { running, logs } = await start()
    await running.ready
    const share = shareFixture()
    expect((await post(running.url, share.body)).status).toBe(201)
    await running.stop('SIGTERM')
    await running.stop('again') // idempotent
    await settle()
    const stages = logs
      .lines()
      .map((l) => l.msg)
      .filter((m) => m !== 'request')
    expect(stages).toEqual([
      'listening',
      'migrations applied',
      'ready',
      'shutting down',
      'stopped accepting connections',
      'requests finished',
      'write queue committed',
      'database closed',
      'stopped',
    ])
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow()
  })

  it('refuses to start on a port in use, naming it, and leaves nothing open', async () => {
    const { running } = await start()
    const config = testConfig({ dataDir: tempDir(), port: running.port })
    await expect(startServer(config, { announce: () => {} })).rejects.toThrow(
      `Cannot listen on 127.0.0.1:${running.port}: EADDRINUSE`,
    )
  })
})

/** One raw connection, so requests can be pipelined and a body sent in parts. */
function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')))
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  return { socket, connected, ended, received: () => received }
}

describe('main.ts under SIGTERM', () => {
  it('readiness is 503 from SIGTERM on while a slow request still completes and is committed', async () => {
    const dir = tempDir()
    const child = spawn(process.execPath, ['--import', tsx, mainTs], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: path.join(dir, 'data'),
        PORT: '0',
        RATE_LIMIT_PER_MIN: '0',
        LOG_LEVEL: 'info',
        // The stages of one process's stop; cluster.test.ts covers several workers.
        WORKERS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'))
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await expect
      .poll(() => /listening on (http:\/\/\S+)/.exec(out)?.[1], { timeout: 15_000 })
      .toBeTruthy()
    const base = /listening on (http:\/\/\S+)/.exec(out)?.[1] as string
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(200)
    const port = Number(new URL(base).port)

    // A create whose body arrives slowly: in flight when SIGTERM comes.
    const share = shareFixture()
    const body = JSON.stringify(share.body)
    const conn = rawConnection(port)
    await conn.connected
    conn.socket.write(
      `POST /api/share HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 100)}`,
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    child.kill('SIGTERM')
    await expect.poll(() => out.includes('"msg":"shutting down"')).toBe(true)

    // New connections are refused from now on.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow()
    // The slow body completes; a readiness probe pipelined behind it on the same connection
    // runs after SIGTERM and must say "not ready".
    conn.socket.write(`${body.slice(100)}GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    await conn.ended
    const responses = conn.received().split(/(?=HTTP\/1\.1 )/)
    expect(responses[0]).toMatch(/^HTTP\/1\.1 201 /)
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /)
    expect(responses[1]).toContain('{"status":"not ready"}')
    expect(await exited).toBe(0)

    const db = new BetterSqlite3(path.join(dir, 'data', 'secretsentry.db'), { readonly: true })
    const row = db
      .prepare('select count(*) as n from shares where id = ?')
      .get(Buffer.from(share.id, 'base64url'))
    db.close()
    expect(row).toEqual({ n: 1 })
    const msgs = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg)
    const shutdown = msgs.slice(msgs.indexOf('shutting down'))
    expect(shutdown.filter((m) => m !== 'request')).toEqual([
      'shutting down',
      'stopped accepting connections',
      'requests finished',
      'write queue committed',
      'database closed',
      'stopped',
    ])
  })
})
