/**
 * @module Applications with service tokens, as real processes against the built server: the owner
 * logs in, makes folders and secrets with the built CLI and creates a read-only token for
 * production; `run` and `export` with only that token give production's secrets and nothing else
 * (not staging's, not a pending version, no write); revoking or expiry stops the next `run` with
 * exit 4 before its command starts. Afterwards no file of the data directory and no log holds a
 * value, the token's text or a folder's name.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dotenv from 'dotenv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listFiles, scanFiles } from './support/leak-scan.ts'
import { useCliBundle } from './support/cli-bundle.ts'
import { useServerAndBrowsers } from './support/suite.ts'

const cliBundle = useCliBundle()
const dirs: string[] = []

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

interface Result {
  code: number | null
  out: string
  err: string
}

/** The built CLI with only the environment given (PATH added), standard input piped or closed. */
function secretsentry(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<Result> {
  const child = spawn(process.execPath, [cliBundle(), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  })
  if (input !== undefined) child.stdin?.end(input)
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })))
}

/** A command for `run` that writes its whole environment as JSON to stdout. */
const PRINT_ENV = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))']

function bashEval(script: string, names: readonly string[]): Record<string, string> {
  const out = execFileSync(
    'bash',
    ['-c', 'eval "$(cat)"; for n in "$@"; do printf "%s\\0" "${!n}"; done', 'bash', ...names],
    { input: script, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  ).toString('utf8')
  const values = out.split('\0').slice(0, -1)
  return Object.fromEntries(names.map((n, i) => [n, values[i] as string]))
}

describe('service tokens: run, export, get and set with a token', () => {
  const suite = useServerAndBrowsers([])
  const tag = randomBytes(6).toString('hex')
  const folders = {
    project: `app-${tag}`,
    production: `production-${tag}`,
    staging: `staging-${tag}`,
  }
  const prod = `/${folders.project}/${folders.production}`
  const staging = `/${folders.project}/${folders.staging}`
  const canary = {
    dbPassword: `CANARY-PROD-DB-${randomUUID()}`,
    apiKey: `CANARY-PROD-API-${randomUUID()} it's "quoted" $HOME \`id\` C:\\dir ✓ 密码\nsecond line`,
    staging: `CANARY-STAGING-${randomUUID()}`,
    pending: `CANARY-PENDING-${randomUUID()}`,
    password: `CANARY-MASTER-${randomUUID()}`,
  }
  let owner: Record<string, string> = {}
  let token = ''
  /** A token of the shortest lifetime the server allows (60 s), made first, used last. */
  let short = ''
  let shortMadeAt = 0
  /** A machine with the token and nothing else: no session file, no password. */
  let machine: Record<string, string> = {}

  beforeAll(async () => {
    owner = {
      SECRETSENTRY_SERVER: suite.server.origin,
      XDG_CONFIG_HOME: tempDir('ss-e2e-owner-'),
      SECRETSENTRY_PASSWORD: canary.password,
    }
    const ss = (args: string[], input?: string) => secretsentry(args, owner, input)
    expect((await ss(['register', '--username', `owner-${tag}`])).code).toBe(0)
    expect((await ss(['mkdir', '-p', prod])).code).toBe(0)
    // Made now, so that by the last test it has (nearly) expired by itself: the built server has
    // no clock to move, and its shortest lifetime is a minute.
    shortMadeAt = Date.now()
    const shortMade = await ss([
      'token',
      'create',
      prod,
      '--name',
      `short-${tag}`,
      '--expires',
      '1m',
    ])
    expect(shortMade.code, shortMade.err).toBe(0)
    short = shortMade.out.trimEnd()
    expect((await ss(['mkdir', staging])).code).toBe(0)
    for (const [path, value] of [
      [`${prod}/DB_PASSWORD`, canary.dbPassword],
      [`${prod}/API_KEY`, canary.apiKey],
      [`${staging}/DB_PASSWORD`, canary.staging],
      [`${staging}/STAGING_ONLY`, canary.staging],
    ] as const) {
      const set = await ss(['set', path], value)
      expect(set.err).toBe(`Created ${path} (version 1).\n`)
    }
    const made = await ss(['token', 'create', prod, '--name', `e2e-prod-${tag}`, '--expires', '1d'])
    expect(made.code, made.err).toBe(0)
    // Alone on its line on standard output; standard error says it is shown once, without it.
    expect(made.out).toMatch(/^sst_[A-Za-z0-9_-]{66}\n$/)
    token = made.out.trimEnd()
    expect(made.err).toContain('shown this once')
    expect(made.err).not.toContain(token)
    machine = {
      SECRETSENTRY_SERVER: suite.server.origin,
      XDG_CONFIG_HOME: tempDir('ss-e2e-machine-'),
      SECRETSENTRY_TOKEN: token,
    }
  })

  it("run gives the command production's secrets only, and not the token", async () => {
    const ran = await secretsentry(['run', '--', ...PRINT_ENV], machine)
    expect(ran.code, ran.err).toBe(0)
    const env = JSON.parse(ran.out) as Record<string, string>
    expect(env.DB_PASSWORD).toBe(canary.dbPassword)
    expect(env.API_KEY).toBe(canary.apiKey)
    expect(env).not.toHaveProperty('STAGING_ONLY')
    expect(env).not.toHaveProperty('SECRETSENTRY_TOKEN')
    expect(JSON.stringify(env)).not.toContain(canary.staging)
    expect(env.SECRETSENTRY_SERVER).toBe(suite.server.origin)
    expect(ran.err).toBe('')
  })

  it('the same token from --token-file, and the command exit code passed through', async () => {
    const dir = tempDir('ss-e2e-tokenfile-')
    const file = join(dir, 'token')
    execFileSync('sh', ['-c', 'printf "%s\\n" "$T" > "$1"; chmod 600 "$1"', 'sh', file], {
      env: { T: token, PATH: process.env.PATH ?? '' },
    })
    const { SECRETSENTRY_TOKEN: _, ...withoutToken } = machine
    const ran = await secretsentry(
      [
        'run',
        '--token-file',
        file,
        '--',
        process.execPath,
        '-e',
        'process.exit(process.env.DB_PASSWORD.startsWith("CANARY-PROD-DB-") ? 7 : 1)',
      ],
      withoutToken,
    )
    expect(ran.code, ran.err).toBe(7)
  })

  it('export round-trips in all three formats: dotenv (the dotenv package), JSON.parse and eval in bash', async () => {
    const expected = { API_KEY: canary.apiKey, DB_PASSWORD: canary.dbPassword }
    const dotenvOut = await secretsentry(['export', '--format', 'dotenv'], machine)
    expect(dotenvOut.code, dotenvOut.err).toBe(0)
    expect(dotenv.parse(dotenvOut.out)).toEqual(expected)
    const json = await secretsentry(['export', '--format', 'json'], machine)
    expect(JSON.parse(json.out)).toEqual(expected)
    const shell = await secretsentry(['export', '--format', 'shell'], machine)
    expect(bashEval(shell.out, Object.keys(expected))).toEqual(expected)
  })

  it('get with the token reads production, and nothing of staging', async () => {
    const got = await secretsentry(['get', `${prod}/DB_PASSWORD`], machine)
    expect(got.code, got.err).toBe(0)
    expect(got.out).toBe(canary.dbPassword)
    const other = await secretsentry(['get', `${staging}/DB_PASSWORD`], machine)
    expect(other.code).toBe(3)
    expect(other.out).toBe('')
    expect(other.err).not.toContain(canary.staging)
    const run = await secretsentry(['run', '--path', staging, '--', ...PRINT_ENV], machine)
    expect(run.code).toBe(3)
    expect(run.out).toBe('')
  })

  it('the read-only token cannot write: set is exit 4 with a clear message, and nothing changed', async () => {
    const set = await secretsentry(['set', `${prod}/DB_PASSWORD`], machine, 'overwritten')
    expect(set.code).toBe(4)
    expect(set.err).toContain('read-only')
    const got = await secretsentry(['get', `${prod}/DB_PASSWORD`], machine)
    expect(got.out).toBe(canary.dbPassword)
  })

  it('a token for current versions cannot read a pending one; run keeps giving the current value', async () => {
    const pending = await secretsentry(
      ['set', `${prod}/DB_PASSWORD`, '--pending'],
      owner,
      canary.pending,
    )
    expect(pending.code, pending.err).toBe(0)
    const read = await secretsentry(['get', `${prod}/DB_PASSWORD`, '--stage', 'pending'], machine)
    expect(read.code).toBe(3)
    expect(read.err).toContain('current versions only')
    expect(read.out).toBe('')
    const ran = await secretsentry(['run', '--', ...PRINT_ENV], machine)
    expect((JSON.parse(ran.out) as Record<string, string>).DB_PASSWORD).toBe(canary.dbPassword)
  })

  it('a revoked token: the next run stops with exit 4 and a clear message, before its command starts', async () => {
    const made = await secretsentry(['token', 'create', prod, '--name', `to-revoke-${tag}`], owner)
    const doomed = made.out.trimEnd()
    const ls = await secretsentry(['token', 'ls'], owner)
    expect(ls.out).toContain(`to-revoke-${tag}`)
    expect(ls.out).not.toContain(doomed)
    expect((await secretsentry(['token', 'revoke', `to-revoke-${tag}`], owner)).code).toBe(0)
    const marker = join(tempDir('ss-e2e-marker-'), 'started')
    const ran = await secretsentry(['run', '--', 'touch', marker], {
      ...machine,
      SECRETSENTRY_TOKEN: doomed,
    })
    expect(ran.code).toBe(4)
    expect(ran.err).toContain('revoked')
    expect(ran.err).not.toContain(doomed)
    expect(existsSync(marker)).toBe(false)
    const listed = JSON.parse((await secretsentry(['token', 'ls', '--json'], owner)).out) as {
      name: string
      revokedAt: string | null
    }[]
    expect(listed.find((t) => t.name === `to-revoke-${tag}`)?.revokedAt).not.toBeNull()
  })

  it('an expired token: the same, exit 4 before the command starts', async () => {
    const ok = await secretsentry(['run', '--', 'true'], { ...machine, SECRETSENTRY_TOKEN: short })
    if (Date.now() - shortMadeAt < 55_000) expect(ok.code, ok.err).toBe(0)
    // What is left of its minute (the tests before took most of it).
    await new Promise((r) => setTimeout(r, Math.max(0, shortMadeAt + 61_000 - Date.now())))
    const marker = join(tempDir('ss-e2e-marker-'), 'started')
    const ran = await secretsentry(['run', '--', 'touch', marker], {
      ...machine,
      SECRETSENTRY_TOKEN: short,
    })
    expect(ran.code).toBe(4)
    expect(ran.err).toContain('expired')
    expect(existsSync(marker)).toBe(false)
  })

  it('a mistyped token is described, never echoed (exit 4)', async () => {
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    const ran = await secretsentry(['run', '--', 'true'], { ...machine, SECRETSENTRY_TOKEN: wrong })
    expect(ran.code).toBe(4)
    expect(ran.err).not.toContain(wrong)
    const garbage = await secretsentry(['export', '--format', 'json'], {
      ...machine,
      SECRETSENTRY_TOKEN: `not a token ${tag}`,
    })
    expect(garbage.code).toBe(4)
    expect(garbage.err).toContain('is not a service token')
    expect(garbage.err).not.toContain(tag)
  })

  it('no file in DATA_DIR and no log holds a value, the token, a folder name or the password', async () => {
    expect(await suite.server.stop()).toBe(0)
    const files = [
      ...(await listFiles(suite.server.dataDir)),
      ...[suite.server.logFile, suite.server.outputFile].filter((f) => existsSync(f)),
    ]
    // Positive control: the scan reads the files the server wrote (the token's id is stored).
    const tokenId = token.slice(4, 26)
    const control = await scanFiles(files, { tokenId: Buffer.from(tokenId, 'base64url') })
    expect(control.length).toBeGreaterThan(0)
    const findings = await scanFiles(files, {
      ...canary,
      token,
      tokenSecret: token.slice(27),
      ...folders,
    })
    expect(findings).toEqual([])
    // The log did record the token's reads (by id), so the scan above looked at a busy log.
    expect(readFileSync(suite.server.logFile, 'utf8').length).toBeGreaterThan(0)
  })
})
