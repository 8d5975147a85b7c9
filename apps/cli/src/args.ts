/** @module Command-line parsing: the settings flags come from the server's SETTINGS table, so every environment setting has its flag. */
import { ConfigError, loadConfig, SETTINGS, type Config } from '@secretsentry/server/config'

/** A wrong command line: exit code 2, the message names the flag or argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export type SettingKey = keyof Config

export interface SettingFlag {
  key: SettingKey
  env: string
  flag: string
  help: string
  defaultText: string | undefined
}

/** `RATE_LIMIT_PER_MIN` → `--rate-limit-per-min`. */
export function flagName(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`
}

export const SETTING_FLAGS: readonly SettingFlag[] = (
  Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]
).map(([key, info]) => ({
  key,
  env: info.env,
  flag: flagName(info.env),
  help: info.help,
  defaultText: info.defaultText,
}))

export interface FlagSpec {
  /** Extra flags of one command: a name with a value, or a switch. */
  options?: Record<string, { value: boolean; help: string }>
  /** Accepts the settings flags (serve, check-config, backup). */
  settings?: boolean
  /** How many positional arguments, with their names for messages. */
  positionals?: readonly string[]
}

export interface ParsedArgs {
  help: boolean
  /** Env name → value given on the command line. */
  settings: Map<string, string>
  options: Map<string, string | true>
  positionals: string[]
}

/**
 * `--flag value`, `--flag=value`, switches, `--` ends the flags. Anything unknown, a missing or
 * empty value, or a wrong number of arguments is a UsageError naming it.
 */
export function parseArgs(command: string, argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const byFlag = new Map(spec.settings ? SETTING_FLAGS.map((f) => [f.flag, f]) : [])
  const parsed: ParsedArgs = {
    help: false,
    settings: new Map(),
    options: new Map(),
    positionals: [],
  }
  // Asking for help is never an error, whatever else is on the line.
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  if (beforeDashes.includes('-h') || beforeDashes.includes('--help')) {
    return { ...parsed, help: true }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      parsed.positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    const setting = byFlag.get(name)
    const option = spec.options?.[name]
    if (!setting && !option) {
      throw new UsageError(`${command}: unknown flag ${name}`)
    }
    if (option && !option.value) {
      if (eq !== -1) throw new UsageError(`${command}: ${name} takes no value`)
      parsed.options.set(name, true)
      continue
    }
    let value: string | undefined
    if (eq !== -1) value = arg.slice(eq + 1)
    else {
      const next = argv[i + 1]
      // A following flag is not a value: `--port --host x` forgot the port.
      if (next !== undefined && !next.startsWith('--')) {
        value = next
        i++
      }
    }
    if (value === undefined || value.trim() === '') {
      throw new UsageError(`${command}: ${name} needs a value`)
    }
    if (setting) parsed.settings.set(setting.env, value)
    else parsed.options.set(name, value)
  }
  const expected = spec.positionals ?? []
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(
      `${command}: unexpected argument ${JSON.stringify(parsed.positionals[expected.length])}`,
    )
  }
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`${command}: missing ${expected[parsed.positionals.length]}`)
  }
  return parsed
}

export interface ResolvedConfig {
  config: Config
  /** Where each setting's value came from. */
  sources: Record<SettingKey, 'flag' | 'env' | 'default'>
}

/**
 * The settings: flags beat environment variables, which beat the defaults. `defaults` fills
 * settings neither sets (the packaged command points STATIC_DIR at its bundled web app).
 * A bad value throws ConfigError; one that came from a flag is reported under the flag's name.
 */
export function resolveConfig(
  flags: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
  defaults: Readonly<Record<string, string>> = {},
): ResolvedConfig {
  const merged: Record<string, string | undefined> = { ...env }
  const sources = {} as ResolvedConfig['sources']
  for (const { key, env: name } of SETTING_FLAGS) {
    const fromEnv = env[name] !== undefined && env[name]?.trim() !== ''
    const flag = flags.get(name)
    if (flag !== undefined) merged[name] = flag
    else if (!fromEnv && defaults[name] !== undefined) merged[name] = defaults[name]
    sources[key] = flag !== undefined ? 'flag' : fromEnv ? 'env' : 'default'
  }
  try {
    return { config: loadConfig(merged), sources }
  } catch (err) {
    if (err instanceof ConfigError && flags.has(err.setting)) {
      throw new ConfigError(flagName(err.setting), err.reason)
    }
    throw err
  }
}
