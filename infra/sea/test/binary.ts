/** @module Test support for the single executable: build it when stale, run it as a bare server would (empty directory, `env -i`). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
export const BINARY = path.join(ROOT, 'dist', 'secretsentry')

/** What the executable is made of; newer than the binary means it must be rebuilt. */
const INPUTS = [
  'apps/server/src',
  'apps/server/package.json',
  'apps/cli/src',
  'apps/cli/package.json',
  'packages/envelope/src',
  'packages/contract/src',
  'apps/web/dist',
  'infra/sea/src',
  'infra/sea/lib',
  'infra/sea/build.mjs',
  'pnpm-lock.yaml',
]

function newest(file: string): number {
  const stat = fs.statSync(file, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return /\.test\.ts$/.test(file) ? 0 : stat.mtimeMs
  let latest = stat.mtimeMs
  for (const name of fs.readdirSync(file)) latest = Math.max(latest, newest(path.join(file, name)))
  return latest
}

/** Builds dist/secretsentry unless it is newer than all its inputs; returns the build time in ms (0 if fresh). */
export function ensureBinary(): number {
  const built = fs.statSync(BINARY, { throwIfNoEntry: false })?.mtimeMs ?? 0
  if (built > Math.max(...INPUTS.map((p) => newest(path.join(ROOT, p))))) return 0
  const began = performance.now()
  const result = spawnSync(process.execPath, [path.join(ROOT, 'infra/sea/build.mjs'), BINARY], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (result.status !== 0) {
    throw new Error(`build.mjs failed (${result.status}):\n${result.stdout}${result.stderr}`)
  }
  return performance.now() - began
}

/** A fresh empty directory holding only a copy of the executable, as a self-hoster would have it. */
export function emptyDirWithBinary(): { dir: string; binary: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-sea-'))
  const binary = path.join(dir, 'secretsentry')
  fs.copyFileSync(BINARY, binary)
  fs.chmodSync(binary, 0o755)
  return { dir, binary, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

export interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion with nothing in the environment but `env` (as `env -i K=V ...`). */
export function runCommand(
  binary: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  /** Standard input, then end of file; without it, /dev/null. */
  input?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (input !== undefined) child.stdin?.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

export interface Served {
  url: string
  child: ChildProcess
  /** Milliseconds from spawn until the "listening" line. */
  listeningMs: number
  output(): string
  /** Sends `signal` and resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>
}

const running = new Set<ChildProcess>()

/** `secretsentry serve --port 0 ...args` with an empty environment plus `env`; resolves once it listens. */
export function serve(
  binary: string,
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Served> {
  return start(binary, ['serve', '--port', '0', ...args], cwd, env)
}

/** Any command that prints "SecretSentry listening on URL"; resolves once it has. */
export function start(
  binary: string,
  argv: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Served> {
  const began = performance.now()
  const child = spawn(binary, argv, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child)
      resolve(code ?? signal ?? 'unknown')
    }),
  )
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString()
      const match = /SecretSentry listening on (\S+)/.exec(output)
      if (match) {
        child.stdout.off('data', onData)
        child.stdout.on('data', (more: Buffer) => (output += more.toString()))
        resolve({
          url: match[1] as string,
          child,
          listeningMs: performance.now() - began,
          output: () => output,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          },
        })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    void exited.then((code) => reject(new Error(`exited (${code}) before listening:\n${output}`)))
  })
}

/** Kills whatever serve() started and is still running (afterAll). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL')
}

/** Polls until `url` answers 200 (readiness after migrations). */
export async function until200(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(url).catch(() => null)
    if (res?.status === 200) return
    await res?.arrayBuffer()
    if (Date.now() > deadline) throw new Error(`${url} not 200 within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
