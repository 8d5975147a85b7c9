/** @module Test helpers: the CLI as a real process (from source through tsx, or a built bundle), a server it serves, share bodies. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
export const CLI_MAIN = path.resolve(import.meta.dirname, '..', 'main.ts')
export const WEB_DIST = path.resolve(import.meta.dirname, '../../../web/dist')

const CLI_DIR = path.resolve(import.meta.dirname, '..', '..')

export interface Bundle {
  /** dist/secretsentry.mjs of a package laid out as published. */
  file: string
  /** Its package directory (package.json goes here for npm pack). */
  packageDir: string
  /** The web app copied beside it, which it serves by default. */
  web: string
  /** The manifest built into it, as the web build wrote it. */
  manifest: Record<string, string>
  remove(): void
}

/**
 * Builds the package with build.mjs into a fresh directory inside apps/cli (so the external
 * better-sqlite3 resolves as in an installed package). Its manifest and web copy are frozen at
 * build time, so tests that use it do not see later rebuilds of apps/web/dist.
 */
export function buildBundle(): Bundle {
  fs.mkdirSync(path.join(CLI_DIR, 'dist'), { recursive: true })
  const packageDir = fs.mkdtempSync(path.join(CLI_DIR, 'dist', '.test-'))
  const dist = path.join(packageDir, 'dist')
  execFileSync(process.execPath, [path.join(CLI_DIR, 'build.mjs'), dist], { stdio: 'pipe' })
  const web = path.join(dist, 'web')
  return {
    file: path.join(dist, 'secretsentry.mjs'),
    packageDir,
    web,
    manifest: JSON.parse(fs.readFileSync(path.join(web, 'manifest.sha256.json'), 'utf8')) as Record<
      string,
      string
    >,
    remove: () => fs.rmSync(packageDir, { recursive: true, force: true }),
  }
}

const children: ChildProcess[] = []
const dirs: string[] = []

/** Kills what the tests started and removes their directories (call from afterEach/afterAll). */
export function cleanUp(): void {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

export function tempDir(prefix = 'ss-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

export interface CliProcess {
  child: ChildProcess
  exited: Promise<number | null>
  out(): string
  /** Standard output as bytes, exactly. */
  outBytes(): Uint8Array
  err(): string
}

/** Only what a command needs: no settings leak in from the environment the tests run in. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...extra }
}

/** Runs `secretsentry ARGS`: from source by default, or `bundle` (a built secretsentry.mjs). */
export function runCli(
  args: readonly string[],
  options: {
    env?: Record<string, string>
    cwd?: string
    bundle?: string
    /** Standard input, then end of file; without it standard input is /dev/null. */
    input?: Uint8Array | string
  } = {},
): CliProcess {
  const argv = options.bundle ? [options.bundle, ...args] : ['--import', tsx, CLI_MAIN, ...args]
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? os.tmpdir(),
    env: options.env ?? baseEnv(),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    // Its own session: no controlling terminal, so /dev/tty cannot be opened (as under CI).
    detached: true,
  })
  children.push(child)
  if (options.input !== undefined) child.stdin?.end(options.input)
  const stdout: Buffer[] = []
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => stdout.push(d))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  )
  return {
    child,
    exited,
    out: () => Buffer.concat(stdout).toString(),
    outBytes: () => new Uint8Array(Buffer.concat(stdout)),
    err: () => stderr,
  }
}

/** Runs a command to its end. */
export async function cli(
  args: readonly string[],
  options: Parameters<typeof runCli>[1] = {},
): Promise<{ code: number | null; out: string; outBytes: Uint8Array; err: string }> {
  const proc = runCli(args, options)
  const code = await proc.exited
  return { code, out: proc.out(), outBytes: proc.outBytes(), err: proc.err() }
}

export interface Served extends CliProcess {
  url: string
  dataDir: string
}

/** `secretsentry serve` on a free port; resolves once it is ready (/readyz 200). */
export async function serve(
  flags: readonly string[] = [],
  options: { env?: Record<string, string>; bundle?: string; dataDir?: string; cwd?: string } = {},
): Promise<Served> {
  const dataDir = options.dataDir ?? path.join(tempDir('ss-serve-'), 'data')
  const proc = runCli(
    ['serve', '--port', '0', '--data-dir', dataDir, '--rate-limit-per-min', '0', ...flags],
    {
      env: options.env ?? baseEnv({ LOG_LEVEL: 'warn' }),
      ...(options.bundle ? { bundle: options.bundle } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /SecretSentry listening on (http:\/\/\S+)/.exec(proc.out())
      if (m?.[1]) resolve(m[1])
    }
    proc.child.stdout?.on('data', check)
    void proc.exited.then((code) => reject(new Error(`serve exited ${code}: ${proc.err()}`)))
  })
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/readyz`)
    if (res.status === 200) break
    if (i > 200) throw new Error('serve never became ready')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return { ...proc, url, dataDir }
}

export const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

export interface Share {
  id: string
  access: string
  body: Record<string, unknown>
}

/** A share as a client makes it: random id and access, verifier = SHA-256(access). */
export function shareFixture(ciphertextBytes = 1024): Share {
  const access = crypto.randomBytes(32)
  const body = {
    id: b64url(crypto.randomBytes(16)),
    verifier: b64url(crypto.createHash('sha256').update(access).digest()),
    ciphertext: b64url(crypto.randomBytes(ciphertextBytes)),
    ttlSeconds: 3600,
    maxViews: 1,
  }
  return { id: body.id, access: b64url(access), body }
}

export function postShare(base: string, share: Share): Promise<Response> {
  return fetch(`${base}/api/share`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(share.body),
  })
}

/** Any control character but newline: what no message on standard error may contain. */
// eslint-disable-next-line no-control-regex -- control characters are what is looked for
export const CONTROL_EXCEPT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/
