/** @module Command-line parsing: the settings flags come from the server's SETTINGS table, so every environment setting has its flag. */
import { parseArgs as nodeParseArgs } from 'node:util'
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

export interface OptionSpec {
  /** Takes a value (`--flag value` or `--flag=value`), or is a switch. */
  value: boolean
  help: string
  /** May be given more than once; every value is kept, in order (ParsedArgs.lists). */
  multiple?: boolean
  /** A one-letter switch that means the same (`-p` for `--parents`). */
  short?: string
}

export interface FlagSpec {
  /** Extra flags of one command, by their `--name`. */
  options?: Record<string, OptionSpec>
  /** Accepts the settings flags (serve, check-config, backup). */
  settings?: boolean
  /** The positional arguments, with their names for messages. */
  positionals?: readonly string[]
  /** How many of the positionals may be left out (from the end); default none. */
  optionalPositionals?: number
  /**
   * Everything after the first `--` is a command line of its own (`run -- CMD ARGS…`), named
   * this in messages: taken as given, never parsed as flags; required when set.
   */
  rest?: string
}

export interface ParsedArgs {
  help: boolean
  /** Env name → value given on the command line. */
  settings: Map<string, string>
  /** `--name` → its value, or true for a switch (the last one given wins). */
  options: Map<string, string | true>
  /** `--name` → every value of a `multiple` flag. */
  lists: Map<string, string[]>
  positionals: string[]
  /** The words after `--` when the spec has `rest` (else empty). */
  rest: string[]
}

type NodeOptions = Record<
  string,
  { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
>

/**
 * Why node:util parseArgs refused `argv`, naming the flag: parsed once more leniently, with
 * tokens, to see which flag was unknown, lacked its value or had one it takes none of.
 */
function diagnose(command: string, argv: readonly string[], options: NodeOptions): UsageError {
  const { tokens } = nodeParseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const known = options[token.name]
    if (!known) return new UsageError(`${command}: unknown flag ${token.rawName}`)
    if (known.type === 'boolean' && token.value !== undefined) {
      return new UsageError(`${command}: ${token.rawName} takes no value`)
    }
    // Lenient parsing takes the next word whatever it is; strict parsing refuses one that looks
    // like a flag: `--port --host x` forgot the port.
    if (known.type === 'string' && (token.value === undefined || !token.inlineValue)) {
      if (token.value === undefined || token.value.startsWith('-')) {
        const hint =
          token.value !== undefined && !token.value.startsWith('--')
            ? ` (write ${token.rawName}=${token.value} for a value starting with -)`
            : ''
        return new UsageError(`${command}: ${token.rawName} needs a value${hint}`)
      }
    }
  }
  return new UsageError(`${command}: cannot read the command line`)
}

/**
 * Node's own parser (`node:util` parseArgs, strict): `--flag value`, `--flag=value`, switches,
 * `--` ends the flags. Anything unknown, a missing or empty value, or a wrong number of
 * arguments is a UsageError naming it.
 */
export function parseArgs(
  command: string,
  givenArgv: readonly string[],
  spec: FlagSpec,
): ParsedArgs {
  let argv = givenArgv
  const settingByName = new Map(
    spec.settings ? SETTING_FLAGS.map((f) => [f.flag.slice(2), f] as const) : [],
  )
  const extraByName = new Map(
    Object.entries(spec.options ?? {}).map(([flag, o]) => [flag.slice(2), o] as const),
  )
  const parsed: ParsedArgs = {
    help: false,
    settings: new Map(),
    options: new Map(),
    lists: new Map(),
    positionals: [],
    rest: [],
  }
  // Asking for help is never an error, whatever else is on the line.
  const dashes = argv.indexOf('--')
  const beforeDashes = dashes >= 0 ? argv.slice(0, dashes) : argv
  if (beforeDashes.includes('-h') || beforeDashes.includes('--help')) {
    return { ...parsed, help: true }
  }
  if (spec.rest !== undefined) {
    // The command's own flags (`-- node --inspect app.js`) are not ours to read.
    if (dashes < 0 || dashes === argv.length - 1) {
      throw new UsageError(`${command}: missing ${spec.rest} after --`)
    }
    parsed.rest = argv.slice(dashes + 1)
    argv = beforeDashes
  }
  const options: NodeOptions = {}
  for (const name of settingByName.keys()) options[name] = { type: 'string' }
  for (const [name, o] of extraByName) {
    options[name] = {
      type: o.value ? 'string' : 'boolean',
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.short ? { short: o.short } : {}),
    }
  }
  let tokens
  try {
    ;({ tokens } = nodeParseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
      tokens: true,
    }))
  } catch (err) {
    if (
      err instanceof TypeError &&
      String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      throw diagnose(command, argv, options)
    }
    throw err
  }
  for (const token of tokens) {
    if (token.kind === 'positional') {
      parsed.positionals.push(token.value)
      continue
    }
    if (token.kind !== 'option') continue
    const flag = `--${token.name}`
    if (token.value === undefined) {
      parsed.options.set(flag, true)
      continue
    }
    if (token.value.trim() === '') throw new UsageError(`${command}: ${flag} needs a value`)
    const setting = settingByName.get(token.name)
    if (setting) parsed.settings.set(setting.env, token.value)
    else if (extraByName.get(token.name)?.multiple) {
      parsed.lists.set(flag, [...(parsed.lists.get(flag) ?? []), token.value])
    } else parsed.options.set(flag, token.value)
  }
  const expected = spec.positionals ?? []
  const required = expected.length - (spec.optionalPositionals ?? 0)
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(
      `${command}: unexpected argument ${JSON.stringify(parsed.positionals[expected.length])}`,
    )
  }
  if (parsed.positionals.length < required) {
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
