/** @module Flag parsing: one flag per setting, each reaching its setting, flags beating the environment, and errors that name the flag. */
import path from 'node:path'
import { ConfigError, loadConfig, type Config } from '@secretsentry/server/config'
import { describe, expect, it } from 'vitest'
import { flagName, parseArgs, resolveConfig, SETTING_FLAGS, UsageError } from './args.ts'

/**
 * A valid value different from the default for every setting, and what the config then holds.
 * A setting without a row here fails the first test: a new setting needs its flag tested.
 */
const SAMPLES: Record<string, [string, Config[keyof Config]]> = {
  PORT: ['9123', 9123],
  HOST: ['0.0.0.0', '0.0.0.0'],
  DATA_DIR: ['/srv/secretsentry', '/srv/secretsentry'],
  MAX_SECRET_BYTES: ['4096', 4096],
  RATE_LIMIT_PER_MIN: ['7', 7],
  TRUST_PROXY: ['2', 2],
  STATIC_DIR: ['/srv/web', '/srv/web'],
  LOG_LEVEL: ['debug', 'debug'],
  LOG_FILE: ['/var/log/ss.log', '/var/log/ss.log'],
  SWEEP_INTERVAL_SECONDS: ['60', 60],
  SQLITE_SYNC: ['group', 'group'],
  WAL_SCRUB_SECONDS: ['10', 10],
  VAULT_RECOVERY_DAYS: ['30', 30],
  SESSION_IDLE_HOURS: ['2', 2],
  LOGIN_RATE_LIMIT_PER_MIN: ['3', 3],
  ALERT_THRESHOLD: ['9', 9],
  VAULT_WRITES_PER_MIN: ['30', 30],
  VAULT_ACCOUNT_WRITES_PER_MIN: ['90', 90],
  VAULT_QUOTA_BYTES: ['1048576', 1_048_576],
  METRICS_TOKEN: ['scrape-token.0123456789', 'scrape-token.0123456789'],
  REDIS_URL: ['redis://cache:6379/1', 'redis://cache:6379/1'],
  DATABASE_URL: ['postgres://app@db:5432/secrets', 'postgres://app@db:5432/secrets'],
  SERVER_KEY_FILE: ['/run/secrets/server-key', '/run/secrets/server-key'],
  WORKERS: ['37', 37],
  WEBHOOK_ALLOW_PRIVATE: ['true', true],
  SMTP_URL: ['smtp://mail.example.com:587', 'smtp://mail.example.com:587'],
  MAIL_FROM: ['alerts@example.com', 'alerts@example.com'],
  ADMIN_USERS: ['Alice,bob', ['alice', 'bob']],
}

/** A value loadConfig refuses, for the settings that refuse anything. */
const BAD: Record<string, string> = {
  PORT: '70000',
  MAX_SECRET_BYTES: 'lots',
  RATE_LIMIT_PER_MIN: '-1',
  TRUST_PROXY: 'maybe',
  LOG_LEVEL: 'loud',
  SWEEP_INTERVAL_SECONDS: '0',
  SQLITE_SYNC: 'never',
  HOST: 'a b',
  METRICS_TOKEN: 'short',
  VAULT_QUOTA_BYTES: '10GB',
  REDIS_URL: 'http://cache:6379',
  DATABASE_URL: 'mysql://db/secrets',
  WORKERS: '0',
  WEBHOOK_ALLOW_PRIVATE: 'maybe',
  SMTP_URL: 'http://mail.example.com',
  MAIL_FROM: 'nobody',
  ADMIN_USERS: 'alice,no spaces',
}

describe('the settings flags', () => {
  it('cover every field of Config, one flag each, named after the environment variable', () => {
    const keys = Object.keys(loadConfig({})).sort()
    expect(SETTING_FLAGS.map((f) => f.key).sort()).toEqual(keys)
    for (const f of SETTING_FLAGS) {
      expect(f.flag).toBe(`--${f.env.toLowerCase().replaceAll('_', '-')}`)
      expect(SAMPLES, `no test value for ${f.env}`).toHaveProperty(f.env)
    }
    expect(new Set(SETTING_FLAGS.map((f) => f.flag)).size).toBe(SETTING_FLAGS.length)
  })

  it.each(SETTING_FLAGS.map((f) => [f.flag, f] as const))('%s sets its setting', (flag, f) => {
    const [raw, expected] = SAMPLES[f.env] as [string, unknown]
    const defaults = loadConfig({})
    expect(defaults[f.key]).not.toEqual(expected)
    for (const argv of [[flag, raw], [`${flag}=${raw}`]]) {
      const args = parseArgs('serve', argv, { settings: true })
      const { config, sources } = resolveConfig(args.settings, {})
      expect(config[f.key]).toEqual(expected)
      expect(sources[f.key]).toBe('flag')
      // Nothing else moved.
      for (const other of SETTING_FLAGS.filter((o) => o.key !== f.key)) {
        expect(config[other.key]).toEqual(defaults[other.key])
      }
    }
  })

  it('a flag beats its environment variable, which beats the default', () => {
    const env = { PORT: '1111', HOST: '::1', LOG_LEVEL: 'warn' }
    const args = parseArgs('serve', ['--port', '2222', '--log-level=error'], { settings: true })
    const { config, sources } = resolveConfig(args.settings, env)
    expect(config.port).toBe(2222)
    expect(config.logLevel).toBe('error')
    expect(config.host).toBe('::1')
    expect(config.sqliteSync).toBe('full')
    expect(sources).toMatchObject({
      port: 'flag',
      logLevel: 'flag',
      host: 'env',
      sqliteSync: 'default',
    })
  })

  it('fills a setting neither flags nor the environment give from the command defaults only', () => {
    const fromDefault = resolveConfig(new Map(), {}, { STATIC_DIR: '/opt/ss/web' })
    expect(fromDefault.config.staticDir).toBe('/opt/ss/web')
    expect(fromDefault.sources.staticDir).toBe('default')
    const fromEnv = resolveConfig(
      new Map(),
      { STATIC_DIR: '/env/web' },
      { STATIC_DIR: '/opt/ss/web' },
    )
    expect(fromEnv.config.staticDir).toBe('/env/web')
    const fromFlag = resolveConfig(
      new Map([['STATIC_DIR', '/flag/web']]),
      { STATIC_DIR: '/env/web' },
      { STATIC_DIR: '/opt/ss/web' },
    )
    expect(fromFlag.config.staticDir).toBe('/flag/web')
  })

  it('resolves relative directories against the working directory, as the environment does', () => {
    const { config } = resolveConfig(new Map([['DATA_DIR', 'here']]), {})
    expect(config.dataDir).toBe(path.resolve('here'))
  })

  it.each(Object.entries(BAD))(
    'a bad %s names the flag when it came from one, else the variable',
    (env, bad) => {
      const flag = flagName(env)
      const fromFlag = () => resolveConfig(new Map([[env, bad]]), { [env]: SAMPLES[env]?.[0] })
      expect(fromFlag).toThrow(ConfigError)
      expect(fromFlag).toThrow(`Invalid configuration: ${flag} `)
      const fromEnv = () => resolveConfig(new Map(), { [env]: bad })
      expect(fromEnv).toThrow(`Invalid configuration: ${env} `)
    },
  )
})

describe('parseArgs', () => {
  const spec = {
    settings: true,
    positionals: ['FILE'],
    options: { '--force': { value: false, help: '' } },
  }

  it('reads positionals, switches and settings in any order, and everything after -- as positionals', () => {
    const args = parseArgs('backup', ['--force', 'out.db', '--data-dir', '/d'], spec)
    expect(args.positionals).toEqual(['out.db'])
    expect(args.options.get('--force')).toBe(true)
    expect(args.settings.get('DATA_DIR')).toBe('/d')
    expect(parseArgs('backup', ['--', '--weird-name'], spec).positionals).toEqual(['--weird-name'])
  })

  it.each([
    [['--prot', '80'], 'serve: unknown flag --prot'],
    [['--port'], 'serve: --port needs a value'],
    [['--port', '--host', 'x'], 'serve: --port needs a value'],
    [['--port='], 'serve: --port needs a value'],
    [['--host', ' '], 'serve: --host needs a value'],
    [['extra'], 'serve: unexpected argument "extra"'],
    [['-x'], 'serve: unknown flag -x'],
  ])('refuses %j: %s', (argv, message) => {
    const run = () => parseArgs('serve', argv, { settings: true })
    expect(run).toThrow(UsageError)
    expect(run).toThrow(message)
  })

  it('refuses a value on a switch, a missing positional, and settings flags where a command takes none', () => {
    expect(() => parseArgs('backup', ['--force=yes', 'f'], spec)).toThrow(
      'backup: --force takes no value',
    )
    expect(() => parseArgs('backup', ['--force'], spec)).toThrow('backup: missing FILE')
    expect(() =>
      parseArgs('verify', ['http://x', '--port', '1'], { positionals: ['URL'] }),
    ).toThrow('verify: unknown flag --port')
  })

  it('-h and --help win over missing arguments', () => {
    expect(parseArgs('backup', ['-h'], spec).help).toBe(true)
    expect(parseArgs('backup', ['--nonsense', '--help'], spec).help).toBe(true)
    expect(parseArgs('backup', ['--', '--help'], spec).help).toBe(false)
  })
})

describe('parseArgs on flags of the client commands', () => {
  const spec = {
    positionals: ['PATH'],
    optionalPositionals: 1,
    options: {
      '--tag': { value: true, help: '', multiple: true },
      '--json': { value: false, help: '' },
      '--views': { value: true, help: '' },
    },
  }

  it('keeps every value of a repeatable flag, in order, and the last of any other', () => {
    const args = parseArgs(
      'set',
      ['/a', '--tag', 'x', '--tag=y', '--views', '1', '--views=2'],
      spec,
    )
    expect(args.lists.get('--tag')).toEqual(['x', 'y'])
    expect(args.options.get('--views')).toBe('2')
    expect(args.positionals).toEqual(['/a'])
  })

  it('lets an optional positional be left out, but not an extra one in', () => {
    expect(parseArgs('ls', ['--json'], spec).positionals).toEqual([])
    expect(() => parseArgs('ls', ['/a', '/b'], spec)).toThrow('ls: unexpected argument "/b"')
  })

  it('a value starting with one dash must be written with =, and the message says so', () => {
    expect(() => parseArgs('share', ['--views', '-1'], spec)).toThrow(
      'share: --views needs a value (write --views=-1 for a value starting with -)',
    )
    expect(parseArgs('share', ['--views=-1'], spec).options.get('--views')).toBe('-1')
  })
})

describe('parseArgs with a command line after -- (run)', () => {
  const spec = {
    rest: 'CMD',
    options: { '--path': { value: true, help: '' } },
  }

  it('takes everything after the first -- as given, flags and -- included', () => {
    const args = parseArgs(
      'run',
      ['--path', '/app/p', '--', 'node', '--inspect', '-e', 'x', '--', '--help'],
      spec,
    )
    expect(args.options.get('--path')).toBe('/app/p')
    expect(args.rest).toEqual(['node', '--inspect', '-e', 'x', '--', '--help'])
    expect(args.help).toBe(false)
  })

  it('needs the command, after --', () => {
    expect(() => parseArgs('run', ['--path', '/a'], spec)).toThrow('run: missing CMD after --')
    expect(() => parseArgs('run', ['--'], spec)).toThrow('run: missing CMD after --')
    expect(() => parseArgs('run', ['node', 'app.js'], spec)).toThrow('run: missing CMD after --')
    expect(() => parseArgs('run', ['--pth', '/a', '--', 'x'], spec)).toThrow(
      'run: unknown flag --pth',
    )
  })

  it('commands without rest see nothing there', () => {
    expect(parseArgs('ls', ['--', 'x'], { positionals: ['PATH'] }).rest).toEqual([])
  })
})
