/** @module Spawns the real built server for measurement: startup time, idle memory, clean stop. */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
export const SERVER_MAIN = resolve(REPO_ROOT, 'apps/server/dist/main.js')
/** The single executable `pnpm build:binary` makes (infra/sea). */
export const SERVER_BINARY = resolve(REPO_ROOT, 'dist/secretsentry')

export interface BenchServer {
  origin: string
  pid: number
  dataDir: string
  /** Milliseconds from spawn() to the first 200 from the probed path (/healthz unless told). */
  startupMs: number
  /** The last lines the server printed, for error messages. */
  output(): string
  stop(): Promise<void>
}

/** A port on 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** One GET on a fresh connection; resolves with the status, or 0 when nothing listens yet. */
export function probe(url: string): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolveStatus(res.statusCode ?? 0))
    })
    req.on('error', () => resolveStatus(0))
    req.end()
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((r) => child.once('exit', () => r()))
}

/** Resident memory of a process in bytes, from /proc (Linux only; -1 elsewhere). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
    return kib ? Number(kib) * 1024 : -1
  } catch {
    return -1
  }
}

export interface StartOptions {
  /** The program and its arguments; default `node apps/server/dist/main.js`. */
  command?: [string, ...string[]]
  /** The path whose first 200 ends the start-up time; default /healthz. */
  probePath?: string
}

export async function startBenchServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<BenchServer> {
  const [file, ...args] = options.command ?? [process.execPath, SERVER_MAIN]
  const probePath = options.probePath ?? '/healthz'
  const dir = await mkdtemp(join(tmpdir(), 'secretsentry-bench-'))
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  let output = ''
  const started = performance.now()
  const child = spawn(file, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? dir,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: join(dir, 'data'),
      LOG_FILE: join(dir, 'server.log'),
      RATE_LIMIT_PER_MIN: '0',
      ...env,
    },
  })
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let startupMs = -1
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline && child.exitCode === null) {
    if ((await probe(`${origin}${probePath}`)) === 200) {
      startupMs = performance.now() - started
      break
    }
    // Tight polling: the figure is "spawn to first answer", so a long sleep would inflate it.
    await new Promise((r) => setTimeout(r, 2))
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited(child)
    clearTimeout(timer)
    await rm(dir, { recursive: true, force: true })
  }
  if (startupMs < 0) {
    await stop()
    throw new Error(`server did not answer ${probePath} within 20 s; output:\n${output}`)
  }
  return {
    origin,
    pid: child.pid ?? -1,
    dataDir: join(dir, 'data'),
    startupMs,
    output: () => output,
    stop,
  }
}
