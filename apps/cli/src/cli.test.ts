/** @module The command line as a user meets it: help and version, exit codes, check-config's verdicts. */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import { SETTING_FLAGS } from './args.ts'
import { COMMANDS, runCli } from './cli.ts'
import { COMMAND_LOADERS, runArgv } from './dispatch.ts'
import type { Io } from './io.ts'
import { memoryTerminal } from './test/memory-terminal.ts'
import { baseEnv, cleanUp, cli, CONTROL_EXCEPT_NEWLINE, tempDir, WEB_DIST } from './test/support.ts'

afterEach(cleanUp)

function memoryIo(env: Record<string, string> = {}) {
  let out = ''
  let err = ''
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env,
    terminal: memoryTerminal(),
  }
  return { io, out: () => out, err: () => err }
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const m = memoryIo(env)
  const code = await runCli(argv, m.io)
  return { code, out: m.out(), err: m.err() }
}

describe('messages on standard error', () => {
  it('never carry terminal control sequences from arguments, names or servers', async () => {
    // OSC 0 (set the title), a one-byte CSI (0x9b) and a right-to-left override.
    const r = await run(['\x1b]0;pwned\x07', '\x9b2J'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('unknown command \\u001b]0;pwned\\u0007')
    expect(r.err).not.toMatch(CONTROL_EXCEPT_NEWLINE)
    const bidi = await run(['help', 'evil\u202etxt.exe'])
    expect(bidi.err).toContain('evil\\u202etxt.exe')
  })
})

describe('help and version', () => {
  it('--help lists every command and exits 0; no command at all prints it and exits 2', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await run([flag])
      expect(r.code).toBe(0)
      for (const c of COMMANDS) {
        expect(r.out.split('\n')).toContainEqual(
          expect.stringMatching(new RegExp(`^  ${c.name} +`)),
        )
        expect(r.out).toContain(c.summary)
      }
    }
    const bare = await run([])
    expect(bare.code).toBe(2)
    expect(bare.out).toContain('Usage: secretsentry <command>')
  })

  it('--help documents the exit codes 0 to 4, and every command has an example', async () => {
    const r = await run(['--help'])
    for (const code of [0, 1, 2, 3, 4]) expect(r.out).toMatch(new RegExp(`^  ${code}  \\S`, 'm'))
    for (const name of [
      'SECRETSENTRY_SERVER',
      'SECRETSENTRY_PASSWORD',
      'SECRETSENTRY_PASSPHRASE',
    ]) {
      expect(r.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    }
    for (const c of COMMANDS) {
      const help = await run([c.name, '--help'])
      expect(help.code).toBe(0)
      expect(help.out).toMatch(new RegExp(`\nExample:\n  .*secretsentry ${c.name}\\b`))
    }
  })

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      expect(await run([flag])).toEqual({ code: 0, out: `secretsentry ${pkg.version}\n`, err: '' })
    }
  })

  it('serve --help lists every settings flag with its variable and default', async () => {
    for (const argv of [
      ['serve', '--help'],
      ['help', 'serve'],
      ['serve', '-h'],
    ]) {
      const r = await run(argv)
      expect(r.code).toBe(0)
      expect(r.out).toContain('Usage: secretsentry serve')
      for (const f of SETTING_FLAGS) {
        expect(r.out).toMatch(new RegExp(`^  ${f.flag} <value> .*\\[${f.env}; default .+\\]$`, 'm'))
      }
    }
    expect((await run(['serve', '--help'])).out).toMatch(/--port <value> .*\[PORT; default 8080\]/)
  })

  it('the README documents every settings flag with its variable', () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8')
    for (const f of SETTING_FLAGS) {
      expect(readme).toMatch(new RegExp(`^\\| \`${f.flag}\` +\\| \`${f.env}\` +\\|`, 'm'))
    }
  })

  it('the README lists every command', () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8')
    for (const c of COMMANDS) {
      expect(readme).toMatch(new RegExp(`^\\| \`secretsentry ${c.name}\\b`, 'm'))
    }
  })

  it('each command has its own help', async () => {
    const backup = await run(['backup', '--help'])
    expect(backup.out).toContain('Usage: secretsentry backup FILE [--force]')
    expect(backup.out).toMatch(/^ {2}--force +replace FILE if it exists$/m)
    const verify = await run(['verify', '--help'])
    expect(verify.out).toContain('Usage: secretsentry verify URL')
    expect(verify.out).toContain('/.well-known/secretsentry/manifest.json')
    expect(verify.out).not.toContain('--port')
    expect((await run(['check-config', '--help'])).out).toContain('--data-dir <value>')
  })

  it('an unknown command or flag, or a missing value, exits 2 naming it', async () => {
    expect(await run(['srve'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command srve'),
    })
    expect(await run(['--verbose'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown flag --verbose'),
    })
    expect(await run(['help', 'nope'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command "nope"'),
    })
    const flag = await run(['serve', '--prot', '80'])
    expect(flag.code).toBe(2)
    expect(flag.err).toContain('secretsentry serve: unknown flag --prot')
    expect(flag.err).toContain('Run secretsentry serve --help')
    expect(await run(['check-config', '--data-dir'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('check-config: --data-dir needs a value'),
    })
    expect(await run(['backup'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('backup: missing FILE'),
    })
    expect(await run(['verify', 'ftp://x'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('http:// or https://'),
    })
  })

  it('exit codes reach the real process', async () => {
    expect((await cli(['--version'])).code).toBe(0)
    const usage = await cli(['serve', '--bogus'])
    expect(usage.code).toBe(2)
    expect(usage.err).toContain('unknown flag --bogus')
    const bad = await cli(['serve', '--port', 'eighty'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('Invalid configuration: --port must be a whole number')
  })
})

describe('the entry points (runArgv)', () => {
  it('load each command by its name: every command has a loader, and no loader names another', async () => {
    expect(Object.keys(COMMAND_LOADERS).sort()).toEqual(COMMANDS.map((c) => c.name).sort())
    for (const c of COMMANDS) expect(await COMMAND_LOADERS[c.name]?.()).toBe(c)
  })

  it('answer every kind of command line exactly as runCli does', async () => {
    for (const argv of [
      [],
      ['--help'],
      ['help', 'serve'],
      ['--version'],
      ['-v'],
      ['nope'],
      ['--bogus'],
      ['toString'],
      ['__proto__'],
      ['serve', '--help'],
      ['serve', '--port', 'x'],
      ['share', '--bogus'],
      ['get'],
      ['run'],
      ['share', '--\x1b]0;pwned\x07'],
    ]) {
      const viaCli = await run(argv)
      const m = memoryIo()
      const code = await runArgv(argv, m.io)
      expect({ code, out: m.out(), err: m.err() }, argv.join(' ')).toEqual(viaCli)
      expect(viaCli.err).not.toMatch(CONTROL_EXCEPT_NEWLINE)
    }
  })
})

describe('serve start-up failures', () => {
  it('name the flag a setting came from, or its variable, without a stack trace', async () => {
    const dataDir = tempDir()
    // In this process: a cluster primary would fork copies of the test runner.
    const one = { WORKERS: '1' }
    const byFlag = await run(
      ['serve', '--port', '0', '--data-dir', dataDir, '--redis-url', 'redis://127.0.0.1:1'],
      one,
    )
    expect(byFlag.code).toBe(1)
    expect(byFlag.err).toMatch(
      /^SecretSentry failed to start: --redis-url: cannot reach redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)\n$/,
    )
    const byEnv = await run(['serve', '--port', '0', '--data-dir', dataDir], {
      ...one,
      REDIS_URL: 'redis://127.0.0.1:1',
    })
    expect(byEnv.err).toMatch(/^SecretSentry failed to start: REDIS_URL: cannot reach/)
    const db = await run(
      [
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--database-url',
        'postgres://postgres@127.0.0.1:1/none',
      ],
      one,
    )
    expect(db.code).toBe(1)
    expect(db.err).toBe(
      'SecretSentry failed to start: Cannot reach the database at --database-url: ECONNREFUSED\n',
    )
    const key = await run(
      [
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--server-key-file',
        path.join(dataDir, 'no-such-key'),
      ],
      one,
    )
    expect(key.code).toBe(1)
    expect(key.err).toMatch(
      /^SecretSentry failed to start: --server-key-file: cannot read .*\(ENOENT\)\n$/,
    )
    for (const r of [byFlag, byEnv, db, key]) expect(r.err).not.toMatch(/\n\s+at /)
  })
})

describe('check-config', () => {
  it('prints every effective setting with where it came from, exit 0', async () => {
    const data = path.join(tempDir(), 'data')
    const r = await run(['check-config', '--data-dir', data, '--port', '9000'], {
      LOG_LEVEL: 'warn',
      PORT: '1',
    })
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    for (const f of SETTING_FLAGS) expect(r.out).toMatch(new RegExp(`^  ${f.env} `, 'm'))
    expect(r.out).toMatch(/^ {2}PORT +9000 +\(flag\)$/m)
    expect(r.out).toMatch(new RegExp(`^  DATA_DIR +${data} +\\(flag\\)$`, 'm'))
    expect(r.out).toMatch(/^ {2}LOG_LEVEL +warn +\(env\)$/m)
    expect(r.out).toMatch(/^ {2}SQLITE_SYNC +full +\(default\)$/m)
    expect(r.out).toMatch(/Configuration OK\n$/)
    // The write probe leaves nothing behind, not even the directory it had to create.
    expect(fs.existsSync(data)).toBe(false)
  })

  it('exits 1 naming a bad setting: the variable, or the flag when it came from one', async () => {
    const env = await run(['check-config'], { SQLITE_SYNC: 'sometimes' })
    expect(env.code).toBe(1)
    expect(env.err).toBe(
      'Invalid configuration: SQLITE_SYNC must be full or group, got "sometimes"\n',
    )
    const flag = await run(['check-config', '--trust-proxy', 'yes please'])
    expect(flag.code).toBe(1)
    expect(flag.err).toContain('Invalid configuration: --trust-proxy must be')
    expect(flag.out).toBe('')
  })

  it('exits 1 when DATA_DIR cannot be written', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'a-file')
    fs.writeFileSync(file, '')
    const under = await run(['check-config'], { DATA_DIR: path.join(file, 'data') })
    expect(under.code).toBe(1)
    expect(under.err).toContain(`Invalid configuration: DATA_DIR ${file} is not a directory`)
    const itself = await run(['check-config', '--data-dir', file])
    expect(itself.code).toBe(1)
    expect(itself.err).toContain(`Invalid configuration: --data-dir ${file} is not a directory`)
  })

  it('exits 1 when DATA_DIR is on a read-only mount', async () => {
    // /proc is read-only for everyone, root included (file modes do not stop root).
    const r = await run(['check-config'], { DATA_DIR: '/proc/secretsentry-data' })
    expect(r.code).toBe(1)
    expect(r.err).toContain('Invalid configuration: DATA_DIR')
  })

  it('exits 1 when STATIC_DIR holds no built web app, 0 with one', async () => {
    const empty = tempDir()
    const data = path.join(empty, 'data')
    const r = await run(['check-config', '--static-dir', empty, '--data-dir', data])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`Invalid configuration: --static-dir ${empty} holds no built web app`)
    const ok = await run(['check-config', '--static-dir', WEB_DIST, '--data-dir', data])
    expect(ok.code).toBe(0)
  })

  it('in the single executable, the embedded web app counts unless STATIC_DIR names a directory', async () => {
    const data = path.join(tempDir(), 'data')
    const m = memoryIo()
    const io: Io = {
      ...m.io,
      embedded: {
        assets: { get: async () => null, list: async () => [] },
        sqliteAddon: () => {
          throw new Error('check-config opens no database')
        },
      },
    }
    expect(await runCli(['check-config', '--data-dir', data], io)).toBe(0)
    expect(m.out()).toMatch(/^ {2}STATIC_DIR +\(the embedded web app\) +\(default\)$/m)
    const empty = tempDir()
    expect(await runCli(['check-config', '--data-dir', data, '--static-dir', empty], io)).toBe(1)
    expect(m.err()).toContain('--static-dir')
  })

  it('exits 1 when LOG_FILE cannot be appended to', async () => {
    const dir = tempDir()
    const r = await run(['check-config', '--data-dir', dir], {
      LOG_FILE: path.join(dir, 'missing', 'deeper', 'x.log'),
    })
    expect(r.code).toBe(0)
    const bad = await run(['check-config', '--data-dir', dir, '--log-file', '/proc/ss.log'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('Invalid configuration: --log-file')
  })

  it('the real process exits 1 on a bad setting and 0 on good ones', async () => {
    const dir = tempDir()
    expect((await cli(['check-config', '--data-dir', dir])).code).toBe(0)
    const bad = await cli(['check-config'], { env: baseEnv({ PORT: '65536', DATA_DIR: dir }) })
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('PORT must be between 0 and 65535')
  })
})
