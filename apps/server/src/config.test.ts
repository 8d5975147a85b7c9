/** @module Config: defaults, accepted forms, and errors that name the setting. */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkSettingPairs, ConfigError, loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: path.resolve('./data'),
      maxSecretBytes: 1_048_576,
      rateLimitPerMin: 60,
      trustProxy: 0,
      logLevel: 'info',
      logFile: null,
      sweepIntervalSeconds: 5,
      sqliteSync: 'full',
      vaultRecoveryDays: 7,
      sessionIdleHours: 12,
      loginRateLimitPerMin: 10,
      alertThreshold: 5,
      metricsToken: null,
      vaultWritesPerMin: 120,
      vaultAccountWritesPerMin: 300,
      vaultQuotaBytes: 104_857_600,
      redisUrl: null,
      databaseUrl: null,
      serverKeyFile: null,
      workers: 1,
      webhookAllowPrivate: false,
      smtpUrl: null,
      mailFrom: null,
      adminUsers: [],
    })
    // ../../web/dist from src/ (and from dist/): apps/web/dist.
    expect(config.staticDir).toBe(path.resolve(import.meta.dirname, '../../web/dist'))
  })

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/ss-data',
      MAX_SECRET_BYTES: '2048',
      RATE_LIMIT_PER_MIN: '0',
      TRUST_PROXY: '2',
      STATIC_DIR: '/srv/web',
      LOG_LEVEL: 'WARN',
      LOG_FILE: '/tmp/ss.log',
      SWEEP_INTERVAL_SECONDS: '30',
      SQLITE_SYNC: 'group',
      WAL_SCRUB_SECONDS: '5',
      VAULT_RECOVERY_DAYS: '0',
      SESSION_IDLE_HOURS: '1',
      LOGIN_RATE_LIMIT_PER_MIN: '3',
      ALERT_THRESHOLD: '2',
      METRICS_TOKEN: 'scrape-token.0123456789',
      VAULT_WRITES_PER_MIN: '30',
      VAULT_ACCOUNT_WRITES_PER_MIN: '0',
      VAULT_QUOTA_BYTES: '1000000',
      REDIS_URL: 'redis://:pw@cache.internal:6380/2',
      SERVER_KEY_FILE: '/run/secrets/server-key',
      WORKERS: '3',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      SMTP_URL: 'smtps://alerts:pw@mail.example.com:465',
      MAIL_FROM: 'SecretSentry <alerts@example.com>',
      ADMIN_USERS: ' Alice, bob@example.com ,alice',
    })
    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/ss-data',
      maxSecretBytes: 2048,
      rateLimitPerMin: 0,
      trustProxy: 2,
      staticDir: '/srv/web',
      logLevel: 'warn',
      logFile: '/tmp/ss.log',
      sweepIntervalSeconds: 30,
      sqliteSync: 'group',
      walScrubSeconds: 5,
      vaultRecoveryDays: 0,
      sessionIdleHours: 1,
      loginRateLimitPerMin: 3,
      alertThreshold: 2,
      metricsToken: 'scrape-token.0123456789',
      vaultWritesPerMin: 30,
      vaultAccountWritesPerMin: 0,
      vaultQuotaBytes: 1_000_000,
      redisUrl: 'redis://:pw@cache.internal:6380/2',
      databaseUrl: null,
      serverKeyFile: '/run/secrets/server-key',
      workers: 3,
      webhookAllowPrivate: true,
      smtpUrl: 'smtps://alerts:pw@mail.example.com:465',
      mailFrom: 'SecretSentry <alerts@example.com>',
      adminUsers: ['alice', 'bob@example.com'],
    })
  })

  it('SMTP_URL needs MAIL_FROM, named in the error', () => {
    expect(() => checkSettingPairs(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }))).toThrow(
      /^Invalid configuration: MAIL_FROM must be set when SMTP_URL is$/,
    )
  })

  it.each(['ab', 'has space', '-dash', 'x'.repeat(65)])(
    'ADMIN_USERS holding %s is a start-up error naming it',
    (name) => {
      expect(() => loadConfig({ ADMIN_USERS: `alice,${name}` })).toThrow(
        /^Invalid configuration: ADMIN_USERS holds ".*", which is not a valid account name$/,
      )
    },
  )

  it.each(['0', '65', 'two', '1.5'])('WORKERS=%s is a start-up error naming it', (raw) => {
    expect(() => loadConfig({ WORKERS: raw })).toThrow(/^Invalid configuration: WORKERS /)
  })

  it.each([
    'redis://127.0.0.1:6379',
    'rediss://cache.example:6380',
    'redis://[::1]:6379/0',
    'redis://cache',
  ])('accepts REDIS_URL=%s', (url) => {
    expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url)
  })

  it('a bad REDIS_URL is never echoed back: it may hold a password', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://:s3cret@host:99999' })).toThrow(
      /^Invalid configuration: REDIS_URL must be a URL like redis:\/\/host:6379 \(port 1 to 65535\)$/,
    )
  })

  it.each(['postgres://u:p@db.internal:5432/secretsentry', 'postgresql://db/ss?sslmode=require'])(
    'accepts DATABASE_URL=%s',
    (url) => {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url)
    },
  )

  it.each([
    ['mysql://db/ss', /must start with postgres:\/\/ or postgresql:\/\/, got mysql:\/\//],
    ['postgres://db', /must name a database/],
    ['postgres://db:0/ss', /port must be between 1 and 65535/],
  ])('refuses DATABASE_URL=%s naming the setting', (url, reason) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/^Invalid configuration: DATABASE_URL /)
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(reason)
  })

  it('a bad DATABASE_URL is never echoed back: it may hold a password', () => {
    let message = ''
    try {
      loadConfig({ DATABASE_URL: 'postgres://u:s3cret@host:99999/db' })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/^Invalid configuration: DATABASE_URL must be a URL like/)
    expect(message).not.toContain('s3cret')
  })

  it.each([
    ['', 0],
    ['0', 0],
    ['false', 0],
    ['off', 0],
    ['true', 1],
    ['on', 1],
    ['1', 1],
    ['3', 3],
  ])('reads TRUST_PROXY=%j as %i trusted hops', (value, hops) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(hops)
  })

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['HOST', 'a b'],
    ['MAX_SECRET_BYTES', '1MB'],
    ['MAX_SECRET_BYTES', '10'],
    ['RATE_LIMIT_PER_MIN', 'lots'],
    ['TRUST_PROXY', 'yes please'],
    ['TRUST_PROXY', '99'],
    ['LOG_LEVEL', 'loud'],
    ['SWEEP_INTERVAL_SECONDS', '0'],
    ['SQLITE_SYNC', 'off'],
    ['WAL_SCRUB_SECONDS', '0'],
    ['WAL_SCRUB_SECONDS', '61'],
    ['VAULT_RECOVERY_DAYS', '366'],
    ['SESSION_IDLE_HOURS', '0'],
    ['LOGIN_RATE_LIMIT_PER_MIN', 'ten'],
    ['VAULT_WRITES_PER_MIN', '-1'],
    ['VAULT_ACCOUNT_WRITES_PER_MIN', 'many'],
    ['VAULT_QUOTA_BYTES', '2000000000000'],
    ['ALERT_THRESHOLD', '0'],
    ['METRICS_TOKEN', 'short'],
    ['METRICS_TOKEN', 'sixteen chars and a space'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_URL', 'redis://cache:70000'],
    ['REDIS_URL', 'redis://cache:0'],
    ['REDIS_URL', 'redis://cache:port'],
    ['REDIS_URL', 'redis://cache:6379/db'],
    ['REDIS_URL', 'redis://cache:6379/0?x=1'],
    ['WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['SMTP_URL', 'mail.example.com:25'],
    ['MAIL_FROM', 'not an address'],
  ])(
    'bad configuration fails at start with a message naming the setting (%s=%j)',
    (name, value) => {
      let error: unknown
      try {
        loadConfig({ [name]: value })
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).setting).toBe(name)
      expect((error as ConfigError).message).toContain(name)
    },
  )
})
