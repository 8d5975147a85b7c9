/** @module run, export and token as the built CLI against a real server: the owner's login and a service token, the checks before CMD starts, exit codes and signals. */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import dotenv from 'dotenv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLive, type Live } from '../test/live.ts'
import { cleanUp, tempDir } from '../test/support.ts'

const PASSWORD = 'correct horse battery staple'
const PRINT_ENV = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))']

let live: Live
let owner: Record<string, string>
const ss = (args: string[], input?: string, env: Record<string, string> = owner) =>
  live.ss(args, { env, ...(input !== undefined ? { input } : {}) })

beforeAll(async () => {
  live = await startLive()
  owner = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_PASSWORD: PASSWORD }
  expect((await ss(['register', '--username', 'runner'])).code).toBe(0)
  expect((await ss(['mkdir', '-p', '/app/production/database'])).code).toBe(0)
  expect((await ss(['mkdir', '/app/staging'])).code).toBe(0)
  for (const [p, v] of [
    ['/app/production/DB_PASSWORD', 'prod-db ✓\n'],
    ['/app/production/API_KEY', `it's "q" $HOME \`id\` \\`],
    ['/app/production/database/URL', 'postgres://db/prod'],
    ['/app/staging/DB_PASSWORD', 'staging-db'],
  ] as const) {
    expect((await ss(['set', p], v)).code).toBe(0)
  }
})
afterAll(async () => {
  await live.stop()
  cleanUp()
})

describe('run and export with the login', () => {
  it('run --path gives CMD the folder’s secrets over its environment, without the password variable', async () => {
    const ran = await ss(['run', '--path', '/app/production', '--', ...PRINT_ENV])
    expect(ran.code, ran.err).toBe(0)
    const env = JSON.parse(ran.out) as Record<string, string>
    expect(env.DB_PASSWORD).toBe('prod-db ✓\n')
    expect(env.API_KEY).toBe(`it's "q" $HOME \`id\` \\`)
    // Only the folder itself without --subfolders.
    expect(env).not.toHaveProperty('URL')
    expect(env).not.toHaveProperty('SECRETSENTRY_PASSWORD')
    expect(env.SECRETSENTRY_SERVER).toBe(live.url)
    const deeper = await ss([
      'run',
      '--path',
      '/app/production/',
      '--subfolders',
      '--',
      ...PRINT_ENV,
    ])
    expect(JSON.parse(deeper.out)).toMatchObject({ URL: 'postgres://db/prod' })
  })

  it('a login needs --path; a missing folder is exit 3; --server without a token is refused', async () => {
    const noPath = await ss(['run', '--', 'true'])
    expect(noPath.code).toBe(2)
    expect(noPath.err).toContain('--path')
    const missing = await ss(['run', '--path', '/app/prodution', '--', 'true'])
    expect(missing.code).toBe(3)
    expect(missing.err).toContain('no folder at /app/prodution')
    const server = await ss(['export', '--format', 'json', '--path', '/app', '--server', live.url])
    expect(server.code).toBe(2)
    expect((await ss(['run', '--path', '/app/production'])).code).toBe(2)
  })

  it('two secrets giving one variable, or a bad name, stop run before CMD starts (exit 1, paths named, no value)', async () => {
    expect((await ss(['set', '/app/production/database/DB_PASSWORD'], 'SHADOW-VALUE')).code).toBe(0)
    const marker = path.join(tempDir(), 'started')
    const dup = await ss([
      'run',
      '--path',
      '/app/production',
      '--subfolders',
      '--',
      'touch',
      marker,
    ])
    expect(dup.code).toBe(1)
    expect(dup.err).toContain(
      '"/app/production/DB_PASSWORD" and "/app/production/database/DB_PASSWORD" would both be DB_PASSWORD',
    )
    expect(dup.err).not.toContain('SHADOW-VALUE')
    expect(dup.err).not.toContain('prod-db')
    expect(fs.existsSync(marker)).toBe(false)
    expect((await ss(['rm', '/app/production/database/DB_PASSWORD'])).code).toBe(0)

    expect((await ss(['set', '/app/staging/api-key'], 'BAD-NAME-VALUE')).code).toBe(0)
    const bad = await ss(['export', '--path', '/app/staging', '--format', 'shell'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain(
      '"/app/staging/api-key": its name is not an environment variable name',
    )
    expect(bad.out).toBe('')
    expect((await ss(['rm', '/app/staging/api-key'])).code).toBe(0)
  })

  it('export: dotenv read back by the dotenv package, JSON, and --output written 0600', async () => {
    const out = await ss(['export', '--path', '/app/production', '--format', 'dotenv'])
    expect(out.code, out.err).toBe(0)
    expect(dotenv.parse(out.out)).toEqual({
      API_KEY: `it's "q" $HOME \`id\` \\`,
      DB_PASSWORD: 'prod-db ✓\n',
    })
    const dir = tempDir()
    const written = await live.ss(
      ['export', '--path', '/app/staging', '--format', 'json', '--output', 'staging.json'],
      { env: owner, cwd: dir },
    )
    expect(written.code, written.err).toBe(0)
    expect(written.out).toBe('')
    const file = path.join(dir, 'staging.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ DB_PASSWORD: 'staging-db' })
    const noFormat = await ss(['export', '--path', '/app/staging'])
    expect(noFormat.code).toBe(2)
    expect((await ss(['export', '--path', '/app', '--format', 'yaml'])).code).toBe(2)
  })

  it("run ends with CMD's code, 128 + N for a signal, 127 for a missing command", async () => {
    const p = ['run', '--path', '/app/staging', '--']
    expect((await ss([...p, process.execPath, '-e', 'process.exit(3)'])).code).toBe(3)
    const killed = await ss([...p, process.execPath, '-e', "process.kill(process.pid, 'SIGTERM')"])
    expect(killed.code).toBe(143)
    const missing = await ss([...p, 'no-such-command-here'])
    expect(missing.code).toBe(127)
    expect(missing.err).toContain('no-such-command-here: command not found')
  })

  it('passes SIGTERM on to CMD and waits for it', async () => {
    const child = spawn(
      process.execPath,
      [
        live.bundle.file,
        'run',
        '--path',
        '/app/staging',
        '--',
        process.execPath,
        '-e',
        "process.on('SIGTERM', () => { process.stdout.write('got ' + process.env.DB_PASSWORD); process.exit(5) }); process.stdout.write('ready'); setInterval(() => {}, 1000)",
      ],
      {
        env: { PATH: process.env.PATH ?? '', SECRETSENTRY_SERVER: live.url, ...owner },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise((resolve) => child.once('close', resolve))
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGTERM')
    expect(await exited).toBe(5)
    expect(out).toBe('readygot staging-db')
  })
})

describe('service tokens from the CLI', () => {
  let token = ''
  let machine: Record<string, string> = {}

  beforeAll(async () => {
    const made = await ss(['token', 'create', '/app/production', '--name', 'ci', '--expires', '7d'])
    expect(made.code, made.err).toBe(0)
    expect(made.out).toMatch(/^sst_\S{66}\n$/)
    token = made.out.trimEnd()
    expect(made.err).toContain('read-only, current versions only')
    expect(made.err).not.toContain(token)
    machine = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_TOKEN: token }
  })

  it('token ls shows the token without its text, as a table and as JSON', async () => {
    const ls = await ss(['token', 'ls'])
    expect(ls.code).toBe(0)
    const [header, row] = ls.out.split('\n')
    expect(header).toMatch(/^ID +NAME +PATH +ACCESS +STAGE +EXPIRES +LAST USE +REVOKED$/)
    expect(row).toMatch(/ ci +\/app\/production +read +current +\S+ +- +-$/)
    expect(ls.out).not.toContain(token)
    const json = JSON.parse((await ss(['token', 'ls', '--json'])).out) as { name: string }[]
    expect(json.map((t) => t.name)).toContain('ci')
  })

  it('token flags are checked per action, and durations parsed', async () => {
    expect((await ss(['token', 'ls', '--name', 'x'])).code).toBe(2)
    expect((await ss(['token', 'create'])).code).toBe(2)
    expect((await ss(['token', 'create', '/app', '--expires', '3w'])).code).toBe(2)
    expect((await ss(['token', 'create', '/app', '--stage', 'pending'])).code).toBe(2)
    expect((await ss(['token', 'frob'])).code).toBe(2)
  })

  it('run, export and get use the token when it is set, without a login', async () => {
    const ran = await ss(['run', '--', ...PRINT_ENV], undefined, machine)
    expect(ran.code, ran.err).toBe(0)
    const env = JSON.parse(ran.out) as Record<string, string>
    expect(env.DB_PASSWORD).toBe('prod-db ✓\n')
    expect(env).not.toHaveProperty('SECRETSENTRY_TOKEN')
    const got = await ss(['get', '/app/production/DB_PASSWORD', '--json'], undefined, machine)
    expect(JSON.parse(got.out)).toMatchObject({
      path: '/app/production/DB_PASSWORD',
      version: 1,
      value: 'prod-db ✓\n',
    })
    const json = await ss(['export', '--format', 'json'], undefined, machine)
    expect(Object.keys(JSON.parse(json.out) as object).sort()).toEqual(['API_KEY', 'DB_PASSWORD'])
  })

  it('--token-file: one final newline ignored; an empty or missing file is a usage error', async () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 't'), `${token}\n`, { mode: 0o600 })
    fs.writeFileSync(path.join(dir, 'empty'), '\n')
    const env = { XDG_CONFIG_HOME: live.home() }
    const viaFile = await live.ss(['get', '/app/production/DB_PASSWORD', '--token-file', 't'], {
      env,
      cwd: dir,
    })
    expect(viaFile.code, viaFile.err).toBe(0)
    expect(viaFile.out).toBe('prod-db ✓\n')
    const empty = await live.ss(['run', '--token-file', 'empty', '--', 'true'], { env, cwd: dir })
    expect(empty.code).toBe(2)
    const absent = await live.ss(['run', '--token-file', 'nope', '--', 'true'], { env, cwd: dir })
    expect(absent.code).toBe(2)
    expect(absent.err).toContain('cannot read --token-file nope (ENOENT)')
  })

  it('a read-only token cannot set (exit 4); a revoked one stops run with exit 4 before CMD', async () => {
    const set = await ss(['set', '/app/production/DB_PASSWORD'], 'nope', machine)
    expect(set.code).toBe(4)
    expect(set.err).toContain('read-only')
    const made = await ss(['token', 'create', '/app/staging', '--name', 'gone'])
    const gone = made.out.trimEnd()
    expect((await ss(['token', 'revoke', 'gone'])).code).toBe(0)
    const marker = path.join(tempDir(), 'started')
    const ran = await ss(['run', '--', 'touch', marker], undefined, {
      ...machine,
      SECRETSENTRY_TOKEN: gone,
    })
    expect(ran.code).toBe(4)
    expect(ran.err).toContain('was revoked')
    expect(fs.existsSync(marker)).toBe(false)
  })

  it('a read-write token stores a value, and a pending one', async () => {
    const made = await ss(['token', 'create', '/app/staging', '--name', 'writer', '--read-write'])
    const writer = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_TOKEN: made.out.trimEnd() }
    const set = await ss(['set', '/app/staging/DB_PASSWORD', '--pending'], 'next-db', writer)
    expect(set.code, set.err).toBe(0)
    expect(set.err).toContain('as pending')
    expect((await ss(['get', '/app/staging/DB_PASSWORD', '--stage', 'pending'])).out).toBe(
      'next-db',
    )
    expect((await ss(['set', '/app/staging/X', '--tag', 'a'], 'v', writer)).code).toBe(2)
  })
})
