/**
 * @module Service-token figures for the README (issue 11): how long `secretsentry run` takes from
 * its start to the start of the command it runs, with a token for a folder of N secrets, and what
 * one token read of that folder (GET of the token's secrets) costs the server.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { openTokenSession } from '@secretsentry/client/token'
import { createVaultClient, type FetchLike } from '@secretsentry/client/vault'
import { cpuPerRequest, cpuSample, type CpuPerRequest } from './cpu.ts'
import { REPO_ROOT } from './server.ts'
import { summarize, type Summary } from './stats.ts'

export interface TokenFigures {
  secrets: number
  /** Spawn of `node secretsentry.mjs run -- date +%s%N` to the moment `date` runs. */
  runToCommand: Summary
  /** Spawn of `node secretsentry.mjs --version` to its exit: Node and the bundle loading. */
  cliVersion: Summary
  /** The token's secrets request alone, as the client sends it, measured from the client. */
  readRequest: Summary
  readBytes: number
  /** The server's CPU per token read over `reads` requests in a row. */
  readCpu: CpuPerRequest | undefined
  reads: number
}

const nodeFetch: FetchLike = (url, init) => fetch(url, { ...init, redirect: 'manual' })
const wallMs = (): number => performance.timeOrigin + performance.now()

/** Builds the CLI bundle into a temporary directory inside apps/cli (better-sqlite3 resolves there). */
function buildCli(): { file: string; remove(): void } {
  const cliDir = join(REPO_ROOT, 'apps/cli')
  const dir = mkdtempSync(join(cliDir, 'dist', '.bench-'))
  execFileSync(process.execPath, [join(cliDir, 'build.mjs'), join(dir, 'dist')], { stdio: 'pipe' })
  return {
    file: join(dir, 'dist', 'secretsentry.mjs'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

function runProcess(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })))
}

/** An account with `count` secrets in /bench/production and a read-only token for that folder. */
async function seed(origin: string, count: number): Promise<string> {
  const client = createVaultClient({ origin, fetch: nodeFetch, session: 'bearer' })
  const vault = await client.register(
    `bench-tokens-${Date.now().toString(36)}`,
    'correct horse battery staple bench',
  )
  await vault.mkdir('/bench/production')
  for (let i = 0; i < count; i++) {
    await vault.create({
      meta: { name: `SECRET_${i}`, path: '', description: '', tags: [] },
      value: `sk_live_${i.toString(16).padStart(40, '0')}`,
      folder: '/bench/production',
    })
  }
  const made = await vault.createToken({
    path: '/bench/production',
    name: 'bench',
    expiresInSeconds: 3600,
  })
  vault.lock()
  return made.text
}

export async function measureTokens(
  origin: string,
  serverPid: number,
  options: { secrets: number; samples: number; reads: number },
): Promise<TokenFigures> {
  const token = await seed(origin, options.secrets)
  const cli = buildCli()
  try {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SECRETSENTRY_SERVER: origin,
      SECRETSENTRY_TOKEN: token,
    }
    const runToCommand: number[] = []
    const cliVersion: number[] = []
    // One unmeasured round first: the page cache holds node and the bundle afterwards.
    for (let i = 0; i <= options.samples; i++) {
      const began = wallMs()
      const ran = await runProcess([cli.file, 'run', '--', 'date', '+%s%N'], env)
      if (ran.code !== 0) throw new Error(`secretsentry run failed (${ran.code}): ${ran.err}`)
      const startedMs = Number(BigInt(ran.out.trim()) / 1000n) / 1000
      const versionBegan = performance.now()
      const version = await runProcess([cli.file, '--version'], env)
      if (version.code !== 0) throw new Error(`secretsentry --version failed: ${version.err}`)
      if (i === 0) continue
      runToCommand.push(startedMs - began)
      cliVersion.push(performance.now() - versionBegan)
    }

    // The token read the client makes, captured once and replayed as is.
    let captured: { url: string; init: Parameters<FetchLike>[1] } | undefined
    const capturing: FetchLike = (url, init) => {
      if (init.method === 'GET' && /\/secrets(\?|$)/.test(url)) captured = { url, init }
      return nodeFetch(url, init)
    }
    const session = await openTokenSession({ origin, fetch: capturing, token })
    const secrets = await session.secrets()
    if (secrets.length !== options.secrets || !captured) {
      throw new Error(`token read gave ${secrets.length} secrets (expected ${options.secrets})`)
    }
    const request = captured
    const readRequest: number[] = []
    let readBytes = 0
    const before = cpuSample(serverPid)
    for (let i = 0; i < options.reads; i++) {
      const began = performance.now()
      const res = await fetch(request.url, { ...request.init, redirect: 'manual' })
      const body = await res.text()
      readRequest.push(performance.now() - began)
      if (res.status !== 200) throw new Error(`token read: ${res.status} ${body.slice(0, 200)}`)
      readBytes = Buffer.byteLength(body)
    }
    const readCpu = cpuPerRequest(before, cpuSample(serverPid), options.reads)
    return {
      secrets: options.secrets,
      runToCommand: summarize(runToCommand),
      cliVersion: summarize(cliVersion),
      readRequest: summarize(readRequest),
      readBytes,
      readCpu,
      reads: options.reads,
    }
  } finally {
    cli.remove()
  }
}
