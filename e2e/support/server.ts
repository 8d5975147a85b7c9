/** @module Starts the real built server (`node apps/server/dist/main.js`) as a child process with a throwaway data directory. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, SERVER_MAIN } from './paths.ts'

export interface RunningServer {
  /** `http://127.0.0.1:<port>`: a secure context for WebCrypto. */
  origin: string
  port: number
  pid: number
  dataDir: string
  /** The server's own log file (LOG_FILE). */
  logFile: string
  /** Everything the process wrote to stdout and stderr. */
  outputFile: string
  /** Milliseconds from spawn to the first 200 from /healthz. */
  startupMs: number
  /** SIGTERM, then wait for the exit (SIGKILL after 10 s). Resolves with the exit code or signal. */
  stop(): Promise<number | string | null>
  /** SIGKILL at once, as a crash would, and wait for the exit. */
  crash(): Promise<number | string | null>
  /** Removes the temporary directory (data, logs, output); call after stop() once nothing needs them. */
  cleanup(): Promise<void>
}

export interface StartOptions {
  /** Extra or overriding environment for the server (RATE_LIMIT_PER_MIN defaults to 0). */
  env?: Record<string, string>
  /** Reuse another server's data directory (a restart); it stays owned by that server's cleanup(). */
  dataDir?: string
}

function waitForExit(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode)
  }
  return new Promise((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal))
  })
}

async function healthy(origin: string): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/healthz`)
    await res.arrayBuffer()
    return res.ok
  } catch {
    return false
  }
}

/** With WORKERS > 1 the primary logs this once every worker is ready (not just the first). */
async function allWorkersReady(logFile: string): Promise<boolean> {
  const log = await readFile(logFile, 'utf8').catch(() => '')
  return log.includes('"msg":"workers ready"')
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), 'secretsentry-e2e-'))
  const dataDir = options.dataDir ?? join(dir, 'data')
  const logFile = join(dir, 'server.log')
  const outputFile = join(dir, 'server.out')
  // A clean environment: nothing from the test runner (NODE_ENV, VITEST, NODE_OPTIONS) leaks into the server.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    TMPDIR: tmpdir(),
    HOST: '127.0.0.1',
    // The kernel picks a free port and the server prints it: no window for another process to take it.
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_FILE: logFile,
    RATE_LIMIT_PER_MIN: '0',
    // Explicit, not the server's default: the same whatever that default becomes. The
    // e2e-workers project runs every file again with E2E_WORKERS=2 (see vitest.config.ts).
    WORKERS: process.env.E2E_WORKERS ?? '1',
    ...options.env,
  }
  const workers = Number(env.WORKERS)
  const started = performance.now()
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so crash() can kill the primary and its workers at once.
    ...(workers > 1 ? { detached: true } : {}),
  })
  const out = createWriteStream(outputFile)
  let output = ''
  const capture = (chunk: Buffer): void => {
    out.write(chunk)
    if (output.length < 20_000) output += chunk.toString('utf8')
  }
  child.stdout?.on('data', capture)
  child.stderr?.on('data', capture)
  const exited = waitForExit(child)

  let origin = ''
  let startupMs = -1
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break
    origin ||= /SecretSentry listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? ''
    if (origin && (await healthy(origin)) && (workers <= 1 || (await allWorkersReady(logFile)))) {
      startupMs = performance.now() - started
      break
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  if (startupMs < 0) {
    child.kill('SIGKILL')
    const code = await exited
    out.end()
    throw new Error(`server did not become healthy (exit ${String(code)}); output:\n${output}`)
  }

  let stopped: Promise<number | string | null> | undefined
  const stop = (): Promise<number | string | null> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      await new Promise<void>((r) => out.end(r))
      return code
    })()
    return stopped
  }
  return {
    origin,
    port: Number(new URL(origin).port),
    pid: child.pid ?? -1,
    dataDir,
    logFile,
    outputFile,
    startupMs,
    stop,
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // Every worker dies with the primary, as one process would: nothing gets to drain.
        if (workers > 1 && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      }
      return stop()
    },
    cleanup: async () => {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
