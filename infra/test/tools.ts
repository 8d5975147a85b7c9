/** @module Helpers for the infra checks: find a tool, run it, temp dirs, free ports, the built server. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const INFRA = fileURLToPath(new URL('..', import.meta.url))
export const ROOT = path.resolve(INFRA, '..')

export const read = (relative: string): string =>
  fs.readFileSync(path.join(INFRA, relative), 'utf8')

/** Absolute path of a command on PATH (or in the sbin dirs nginx lives in), else undefined. */
export function which(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    const file = path.join(dir, command)
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * A missing tool skips its checks with the reason printed, so a run without it says what it did
 * not check (.ci/run installs them from Debian when it runs as root).
 */
export function requireTool(command: string, debianPackage: string): string | undefined {
  const found = which(command)
  if (!found) {
    console.warn(
      `SKIPPED: ${command} is not installed (Debian package ${debianPackage}); its checks do not run.`,
    )
  }
  return found
}

export interface RunResult {
  status: number | null
  stdout: string
  stderr: string
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const temps: string[] = []
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secretsentry-infra-'))
  temps.push(dir)
  return dir
}
export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

/** A port nothing listens on right now (the OS picks it; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** The app's shutdown grace period, read from the source that enforces it. */
export function shutdownGraceSeconds(): number {
  const source = fs.readFileSync(path.join(ROOT, 'apps/server/src/server.ts'), 'utf8')
  const match = /SHUTDOWN_GRACE_MS\s*=\s*([\d_]+)/.exec(source)
  if (!match?.[1]) throw new Error('SHUTDOWN_GRACE_MS not found in apps/server/src/server.ts')
  return Number(match[1].replaceAll('_', '')) / 1000
}

/** systemd and compose durations used here: "30s", "1min", "90" (seconds). */
export function seconds(text: string): number {
  const match = /^(\d+)\s*(s|sec|min|m)?$/.exec(text.trim())
  if (!match?.[1]) throw new Error(`unreadable duration: ${text}`)
  return Number(match[1]) * (match[2] === 'min' || match[2] === 'm' ? 60 : 1)
}

/** The default MAX_SECRET_BYTES and the create body limit the server derives from it. */
export const MAX_SECRET_BYTES = 1024 * 1024
export const maxCreateBodyBytes = (maxSecretBytes: number): number =>
  Math.ceil((maxSecretBytes * 4) / 3) + 4096

export const SERVER_MAIN = path.join(ROOT, 'apps/server/dist/main.js')

export interface RunningApp {
  port: number
  stop(): Promise<void>
}

/** Starts the built server (apps/server/dist/main.js) on a free port with its own data dir. */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: tempDir(),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MIN: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 15_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^\s:]+:(\d+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}: ${output}`))
    })
  })
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** Waits until a TCP port accepts connections. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTPS request to 127.0.0.1:port, trusting only `ca`, with SNI and Host `servername`. */
export async function httpsRequest(
  port: number,
  requestPath: string,
  options: {
    ca: string
    servername: string
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
  },
): Promise<HttpAnswer> {
  const https = await import('node:https')
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: requestPath,
        method: options.method ?? 'GET',
        ca: options.ca,
        servername: options.servername,
        headers: { host: options.servername, ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}
