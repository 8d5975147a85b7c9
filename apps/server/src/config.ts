/** @module Server configuration: the only module that reads `process.env`; every setting is validated at start. */
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { USERNAME_PATTERN, VAULT_LIMITS } from '@secretsentry/contract/limits'
import { DEFAULT_WAL_SCRUB_SECONDS } from './db/wal-scrub.ts'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

export interface Config {
  port: number
  host: string
  /** Directory of the SQLite database and the audit key. */
  dataDir: string
  /** Largest decoded ciphertext accepted by `POST /api/share`. */
  maxSecretBytes: number
  /** Requests per minute per client address for create and for open (separately); 0 turns limits off. */
  rateLimitPerMin: number
  /**
   * Number of reverse-proxy hops in front of the server whose `X-Forwarded-For` and
   * `X-Forwarded-Proto` are believed; 0 = trust nothing but the socket.
   */
  trustProxy: number
  /** The built web app (apps/web/dist). */
  staticDir: string
  logLevel: LogLevel
  /** Append JSON log lines to this file instead of stdout. */
  logFile: string | null
  sweepIntervalSeconds: number
  /**
   * How a write reaches the disk before its answer (both: nothing is acknowledged before its WAL
   * frames are fsynced). 'full': synchronous=FULL, COMMIT fsyncs and the event loop waits.
   * 'group': synchronous=NORMAL, COMMIT only writes and one fdatasync on the thread pool covers
   * every batch committed meanwhile, so the event loop keeps serving while the disk works.
   */
  sqliteSync: 'full' | 'group'
  /**
   * Bound, in seconds, on how long deleted content (burned, deleted, expired shares; purged vault
   * secrets) can linger in the SQLite WAL: a truncating checkpoint follows every delete or update
   * this soon.
   */
  walScrubSeconds: number
  /** Days a deleted vault secret can be restored before the sweeper purges it (0: next sweep). */
  vaultRecoveryDays: number
  /** A session unused this long is dead (sliding); sessions also end 7 days after login. */
  sessionIdleHours: number
  /**
   * Login and password-change attempts per minute per account from one address; from addresses
   * the account has not logged in from, 10x this per hour in all (per address: rateLimitPerMin);
   * 0, or rateLimitPerMin 0, = off.
   */
  loginRateLimitPerMin: number
  /** Failed logins plus denied accesses on one account within 15 minutes that raise an alert event. */
  alertThreshold: number
  /**
   * Bearer token /metrics requires when set. Unset: /metrics answers only requests made straight
   * from this machine (a loopback socket, no proxy's forwarding header).
   */
  metricsToken: string | null
  /** Vault writes (POST, PUT, DELETE) per minute per session; 0, or rateLimitPerMin 0, = off. */
  vaultWritesPerMin: number
  /** Vault writes per minute per account, all its sessions together; 0, or rateLimitPerMin 0, = off. */
  vaultAccountWritesPerMin: number
  /** Bytes an account may store in the vault (every version, deleted ones until purged); 0 = no quota. */
  vaultQuotaBytes: number
  /**
   * `redis://` or `rediss://` URL of a Redis that holds the rate limits, so every instance of a
   * deployment spends one budget; null keeps them in this process's memory.
   */
  redisUrl: string | null
  /**
   * `postgres://` or `postgresql://` URL: PostgreSQL holds everything, so several instances can
   * share it; null keeps SQLite in dataDir.
   */
  databaseUrl: string | null
  /**
   * File holding the server key (HMAC key of the audit's address hashes, the login limit's known
   * addresses and unknown accounts' stand-in salts); null: DATA_DIR/audit-key, created on first
   * start. Every instance on one PostgreSQL database must hold the same key.
   */
  serverKeyFile: string | null
  /**
   * HTTP worker processes (node:cluster) sharing the port; 1 serves from this process alone.
   * Default 1 (see loadConfig).
   */
  workers: number
  /**
   * Webhooks may go to loopback, private and link-local addresses (SSRF guard off). For a
   * receiver on the same host or network; default false.
   */
  webhookAllowPrivate: boolean
  /** `smtp://` (STARTTLS when offered) or `smtps://` (TLS) server for alert mail; null: no email. */
  smtpUrl: string | null
  /** Sender address of alert mail; required with smtpUrl. */
  mailFrom: string | null
  /**
   * Account names (normalized like usernames) that are administrators once registered. A name
   * nobody has registered grants nothing, but whoever registers it first becomes an administrator.
   */
  adminUsers: readonly string[]
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(
    readonly setting: string,
    /** The message without the setting's name, so the CLI can name its flag instead. */
    readonly reason: string,
  ) {
    super(`Invalid configuration: ${setting} ${reason}`)
  }
}

/**
 * A start-up failure caused by one setting's value (an unreachable server, an unreadable file),
 * found only when the server starts. `render` words it under another name, so the CLI can name
 * the flag that set it.
 */
export class SettingError extends Error {
  override readonly name: string = 'SettingError'
  constructor(
    readonly setting: string,
    readonly render: (name: string) => string,
    options?: ErrorOptions,
  ) {
    super(render(setting), options)
  }
}

export interface SettingInfo {
  /** The environment variable; the command-line flag is its kebab-case (`RATE_LIMIT_PER_MIN` → `--rate-limit-per-min`). */
  env: string
  /** One line for `--help`. */
  help: string
  /** Shown instead of the computed default when that depends on where the server runs. */
  defaultText?: string
}

/**
 * Every setting, keyed by its Config field: a new field without an entry here does not compile,
 * so `secretsentry serve --help` and its flags cannot fall behind loadConfig.
 */
export const SETTINGS: { readonly [K in keyof Config]: SettingInfo } = {
  port: { env: 'PORT', help: 'TCP port to listen on (0 picks a free one)' },
  host: { env: 'HOST', help: 'address to listen on (0.0.0.0 or :: for every interface)' },
  dataDir: {
    env: 'DATA_DIR',
    help: 'directory of the database and the audit key',
    defaultText: './data',
  },
  maxSecretBytes: { env: 'MAX_SECRET_BYTES', help: 'largest ciphertext accepted, in bytes' },
  rateLimitPerMin: {
    env: 'RATE_LIMIT_PER_MIN',
    help: 'creates and opens per minute per client address (0: off)',
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    help: 'reverse-proxy hops whose X-Forwarded-For/-Proto are believed (true = 1)',
  },
  staticDir: { env: 'STATIC_DIR', help: 'the built web app', defaultText: 'the bundled web app' },
  logLevel: { env: 'LOG_LEVEL', help: 'debug, info, warn, error or silent' },
  logFile: { env: 'LOG_FILE', help: 'append JSON log lines here', defaultText: 'stdout' },
  sweepIntervalSeconds: {
    env: 'SWEEP_INTERVAL_SECONDS',
    help: 'seconds between sweeps of expired shares',
  },
  sqliteSync: {
    env: 'SQLITE_SYNC',
    help: 'full (COMMIT fsyncs) or group (one fdatasync per batch, off the event loop)',
  },
  walScrubSeconds: {
    env: 'WAL_SCRUB_SECONDS',
    help: 'seconds within which deleted secrets are also removed from the database WAL file',
  },
  vaultRecoveryDays: {
    env: 'VAULT_RECOVERY_DAYS',
    help: 'days a deleted vault secret can be restored',
  },
  sessionIdleHours: { env: 'SESSION_IDLE_HOURS', help: 'hours an unused session stays valid' },
  loginRateLimitPerMin: {
    env: 'LOGIN_RATE_LIMIT_PER_MIN',
    help: 'login and password-change attempts per minute per account and address; 10x per hour from new addresses (0: off)',
  },
  alertThreshold: {
    env: 'ALERT_THRESHOLD',
    help: 'failed logins and denied accesses in 15 minutes that raise an alert',
  },
  metricsToken: {
    env: 'METRICS_TOKEN',
    help: 'bearer token /metrics requires (16+ characters; prefer the environment to a flag)',
    defaultText: 'none: /metrics answers only loopback clients',
  },
  vaultWritesPerMin: {
    env: 'VAULT_WRITES_PER_MIN',
    help: 'vault writes (create, update, delete, restore, share) per minute per session (0: off)',
  },
  vaultAccountWritesPerMin: {
    env: 'VAULT_ACCOUNT_WRITES_PER_MIN',
    help: 'vault writes per minute per account, all sessions together (0: off)',
  },
  vaultQuotaBytes: {
    env: 'VAULT_QUOTA_BYTES',
    help: 'bytes of ciphertext an account may store, every version counted (0: no quota)',
  },
  redisUrl: {
    env: 'REDIS_URL',
    help: 'redis://[:password@]host:port[/db] (or rediss://) shared by every instance for the rate limits',
    defaultText: 'none: limits kept in memory, per instance',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    help: 'postgres://user:pass@host:port/db: PostgreSQL (13 or newer) instead of SQLite in DATA_DIR',
    defaultText: 'none: SQLite in DATA_DIR',
  },
  serverKeyFile: {
    env: 'SERVER_KEY_FILE',
    help: 'file with the 32-byte server key (raw, base64 or hex) every instance on one database must share',
    defaultText: 'DATA_DIR/audit-key, created on first start',
  },
  workers: {
    env: 'WORKERS',
    help: 'HTTP worker processes sharing the port, 1 to 64 (1: a single process)',
  },
  webhookAllowPrivate: {
    env: 'WEBHOOK_ALLOW_PRIVATE',
    help: 'let webhooks reach loopback, private and link-local addresses (true/false)',
  },
  smtpUrl: {
    env: 'SMTP_URL',
    help: 'smtp://user:pass@host:587 (STARTTLS when offered; ?requireTLS=true insists) or smtps://host:465 for alert mail',
    defaultText: 'none: no email alerts',
  },
  mailFrom: {
    env: 'MAIL_FROM',
    help: 'sender address of alert mail (required with SMTP_URL)',
    defaultText: 'none',
  },
  adminUsers: {
    env: 'ADMIN_USERS',
    help: 'comma-separated account names that are administrators (register them first)',
    defaultText: 'none (see `secretsentry admin grant`)',
  },
}

/** Beyond this, more processes only add memory and lock contention on one database. */
const MAX_WORKERS = 64

type Env = Readonly<Record<string, string | undefined>>

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
/** The web build sits two folders up from both src/config.ts and dist/main.js. */
const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url))

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  }
  return value
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim()
  return raw === undefined || raw === '' ? undefined : raw
}

/**
 * TRUST_PROXY: unset, `0`, `false` or `off` trust no proxy; `true` or `on` trust one hop;
 * a number N trusts N hops (the client is the N-th address from the right of X-Forwarded-For).
 */
function trustProxy(env: Env): number {
  const raw = text(env, 'TRUST_PROXY')?.toLowerCase()
  if (raw === undefined || raw === 'false' || raw === 'off') return 0
  if (raw === 'true' || raw === 'on') return 1
  return int(env, 'TRUST_PROXY', 0, 0, 16)
}

/** A bearer token (RFC 6750 b64token) long enough not to be guessed. */
function metricsToken(env: Env): string | null {
  const raw = text(env, 'METRICS_TOKEN')
  if (raw === undefined) return null
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(raw))
    throw new ConfigError('METRICS_TOKEN', 'may hold only letters, digits and -._~+/ (then =)')
  if (raw.length < 16)
    throw new ConfigError('METRICS_TOKEN', `must be at least 16 characters, got ${raw.length}`)
  return raw
}

/** REDIS_URL: checked here so a typo is a start-up error naming the setting, not a retry loop. */
function redisUrl(env: Env): string | null {
  const raw = text(env, 'REDIS_URL')
  if (raw === undefined) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // The value is not echoed: it may hold a password.
    throw new ConfigError('REDIS_URL', 'must be a URL like redis://host:6379 (port 1 to 65535)')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new ConfigError(
      'REDIS_URL',
      `must start with redis:// or rediss://, got ${url.protocol}//`,
    )
  if (url.hostname === '') throw new ConfigError('REDIS_URL', 'must name a host')
  if (url.port !== '' && Number(url.port) < 1)
    throw new ConfigError('REDIS_URL', `port must be between 1 and 65535, got ${url.port}`)
  if (!/^(\/\d{0,5})?$/.test(url.pathname) || url.search !== '' || url.hash !== '')
    throw new ConfigError(
      'REDIS_URL',
      `may end only in a database number (/0), got "${url.pathname}"`,
    )
  return raw
}

/** DATABASE_URL: checked here so a typo is a start-up error naming the setting. */
function databaseUrl(env: Env): string | null {
  const raw = text(env, 'DATABASE_URL')
  if (raw === undefined) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // The value is not echoed: it may hold a password.
    throw new ConfigError('DATABASE_URL', 'must be a URL like postgres://user:pass@host:5432/db')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError(
      'DATABASE_URL',
      `must start with postgres:// or postgresql://, got ${url.protocol}//`,
    )
  if (url.hostname === '' && !url.searchParams.has('host'))
    throw new ConfigError('DATABASE_URL', 'must name a host')
  if (url.port !== '' && Number(url.port) < 1)
    throw new ConfigError('DATABASE_URL', `port must be between 1 and 65535, got ${url.port}`)
  if (url.pathname.length <= 1) throw new ConfigError('DATABASE_URL', 'must name a database (/db)')
  return raw
}

function bool(env: Env, name: string): boolean {
  const raw = text(env, name)?.toLowerCase()
  if (raw === undefined || raw === 'false' || raw === 'off' || raw === '0') return false
  if (raw === 'true' || raw === 'on' || raw === '1') return true
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

/** SMTP_URL: checked here so a typo is a start-up error naming the setting. */
function smtpUrl(env: Env): string | null {
  const raw = text(env, 'SMTP_URL')
  if (raw === undefined) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // The value is not echoed: it may hold a password.
    throw new ConfigError('SMTP_URL', 'must be a URL like smtp://user:pass@mail.example.com:587')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError('SMTP_URL', `must start with smtp:// or smtps://, got ${url.protocol}//`)
  if (url.hostname === '') throw new ConfigError('SMTP_URL', 'must name a host')
  return raw
}

const MAIL_ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/

/** MAIL_FROM: an address, or "Name <address>". */
function mailFrom(env: Env): string | null {
  const raw = text(env, 'MAIL_FROM')
  if (raw === undefined) return null
  const address = /<([^<>]*)>$/.exec(raw)?.[1] ?? raw
  if (!MAIL_ADDRESS.test(address))
    throw new ConfigError(
      'MAIL_FROM',
      `must be an email address like alerts@example.com, got "${raw}"`,
    )
  return raw
}

/** The normal form of an account name (as the contract's `username`): trimmed, NFC, lower case. */
export function normalizeUsername(name: string): string {
  return name.trim().normalize('NFC').toLowerCase()
}

/** ADMIN_USERS: names checked like usernames, so a typo fails at start instead of granting nobody. */
function adminUsers(env: Env): string[] {
  const raw = text(env, 'ADMIN_USERS')
  if (raw === undefined) return []
  const names = raw
    .split(',')
    .map(normalizeUsername)
    .filter((n) => n !== '')
  for (const name of names) {
    if (
      name.length < VAULT_LIMITS.usernameMinLength ||
      name.length > VAULT_LIMITS.usernameMaxLength ||
      !USERNAME_PATTERN.test(name)
    )
      throw new ConfigError('ADMIN_USERS', `holds "${name}", which is not a valid account name`)
  }
  return [...new Set(names)]
}

function sqliteSync(env: Env): Config['sqliteSync'] {
  const raw = text(env, 'SQLITE_SYNC')?.toLowerCase() ?? 'full'
  if (raw !== 'full' && raw !== 'group')
    throw new ConfigError('SQLITE_SYNC', `must be full or group, got "${raw}"`)
  return raw
}

export function loadConfig(env: Env = process.env): Config {
  const host = text(env, 'HOST') ?? '127.0.0.1'
  if (/\s|\//.test(host))
    throw new ConfigError('HOST', `must be a host name or address, got "${host}"`)
  const logLevel = (text(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host,
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
    // 100 MiB: the whole ciphertext is held in memory while it is validated and stored.
    maxSecretBytes: int(env, 'MAX_SECRET_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    rateLimitPerMin: int(env, 'RATE_LIMIT_PER_MIN', 60, 0, 1_000_000),
    trustProxy: trustProxy(env),
    staticDir: path.resolve(text(env, 'STATIC_DIR') ?? DEFAULT_STATIC_DIR),
    logLevel,
    logFile: text(env, 'LOG_FILE') ? path.resolve(text(env, 'LOG_FILE') as string) : null,
    sweepIntervalSeconds: int(env, 'SWEEP_INTERVAL_SECONDS', 5, 1, 3600),
    sqliteSync: sqliteSync(env),
    walScrubSeconds: int(env, 'WAL_SCRUB_SECONDS', DEFAULT_WAL_SCRUB_SECONDS, 1, 60),
    vaultRecoveryDays: int(env, 'VAULT_RECOVERY_DAYS', 7, 0, 365),
    sessionIdleHours: int(env, 'SESSION_IDLE_HOURS', 12, 1, 168),
    loginRateLimitPerMin: int(env, 'LOGIN_RATE_LIMIT_PER_MIN', 10, 0, 1_000_000),
    alertThreshold: int(env, 'ALERT_THRESHOLD', 5, 1, 1000),
    metricsToken: metricsToken(env),
    // A person never writes 120 times a minute; a script making hundreds at once is slowed to 2 a second.
    vaultWritesPerMin: int(env, 'VAULT_WRITES_PER_MIN', 120, 0, 1_000_000),
    vaultAccountWritesPerMin: int(env, 'VAULT_ACCOUNT_WRITES_PER_MIN', 300, 0, 1_000_000),
    // 100 MiB: thousands of secrets with many versions each; a 1 TiB ceiling keeps the sum exact.
    vaultQuotaBytes: int(env, 'VAULT_QUOTA_BYTES', 100 * 1_048_576, 0, 2 ** 40),
    redisUrl: redisUrl(env),
    databaseUrl: databaseUrl(env),
    serverKeyFile: text(env, 'SERVER_KEY_FILE')
      ? path.resolve(text(env, 'SERVER_KEY_FILE') as string)
      : null,
    // 1, not the number of cores: on a 2-core machine with its load beside it, two workers made
    // fewer creates per second (6,000 vs 7,800) and tripled idle memory (RSS 202 vs 69.5 MB), so
    // more processes are a choice for bigger machines, measured there (apps/server/README.md).
    workers: int(env, 'WORKERS', 1, 1, MAX_WORKERS),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE'),
    smtpUrl: smtpUrl(env),
    mailFrom: mailFrom(env),
    adminUsers: adminUsers(env),
  }
}

/** Settings that only make sense together; startServer checks them before opening anything. */
export function checkSettingPairs(config: Config): void {
  if (config.smtpUrl !== null && config.mailFrom === null)
    throw new ConfigError('MAIL_FROM', 'must be set when SMTP_URL is')
}

/** Settings for tests and embedding: the defaults, with `overrides` on top, no environment read. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), rateLimitPerMin: 0, logLevel: 'silent', workers: 1, ...overrides }
}
