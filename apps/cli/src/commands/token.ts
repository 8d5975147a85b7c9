/**
 * @module `secretsentry token create|ls|revoke`: the owner's service tokens, made on this machine
 * by @secretsentry/client (the token's keys and its folder grants are wrapped here; the server
 * stores a verifier and wrapped keys only).
 *
 * Security promise: a new token's text goes to standard output once and nowhere else (not to
 * standard error, not into a file, not into a message); the server never has it.
 */
import { SERVICE_TOKEN_LIMITS } from '@secretsentry/contract/limits'
import type { TokenInfo } from '@secretsentry/client/vault'
import { UsageError, type ParsedArgs } from '../args.ts'
import { EXIT_OK, type Io } from '../io.ts'
import { oneLine } from '../sanitize.ts'
import { withVault } from './account.ts'
import type { Command } from './command.ts'

/** A token lives this long unless --expires says otherwise: long enough for a deployment, short enough to be rotated. */
export const DEFAULT_TOKEN_EXPIRY = '90d'
const UNITS: Record<string, number> = { m: 60, h: 3600, d: 86400 }
const MIN_SECONDS = SERVICE_TOKEN_LIMITS.expiresMinSeconds
const MAX_SECONDS = SERVICE_TOKEN_LIMITS.expiresMaxSeconds

/** `90d`, `12h`, `30m` → seconds, within the server's bounds (a minute to ten years); `never` → null. */
export function parseTokenExpiry(text: string): number | null {
  const t = text.trim().toLowerCase()
  if (t === 'never') return null
  const m = /^(\d{1,7})([mhd])$/.exec(t)
  const seconds = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : NaN
  if (!Number.isSafeInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new UsageError(
      `token create: --expires must be a duration like 30d, 12h or 90m (1m to 3650d), or never; got ${JSON.stringify(text)}`,
    )
  }
  return seconds
}

const STAGES = ['current', 'any'] as const

const access = (t: TokenInfo): string =>
  `${t.readWrite ? 'read-write' : 'read'}${t.includeSubfolders ? '+subfolders' : ''}`

/** The flags that belong to one action only, so a misplaced one is a usage error, not ignored. */
const ACTION_FLAGS: Record<string, readonly string[]> = {
  create: ['--name', '--expires', '--read-write', '--stage', '--subfolders'],
  ls: ['--json'],
  revoke: [],
}

function checkFlags(args: ParsedArgs, action: string): void {
  for (const flag of args.options.keys()) {
    if (!ACTION_FLAGS[action]?.includes(flag)) {
      throw new UsageError(`token ${action}: ${flag} is not a flag of token ${action}`)
    }
  }
}

async function create(args: ParsedArgs, io: Io, path: string | undefined): Promise<number> {
  if (path === undefined) throw new UsageError('token create: missing PATH (the folder)')
  const name = args.options.get('--name')
  const expires = args.options.get('--expires')
  const stage = args.options.get('--stage')
  if (stage !== undefined && !(STAGES as readonly unknown[]).includes(stage)) {
    throw new UsageError(
      `token create: --stage must be current or any, got ${JSON.stringify(stage)}`,
    )
  }
  const expiresInSeconds = parseTokenExpiry(
    typeof expires === 'string' ? expires : DEFAULT_TOKEN_EXPIRY,
  )
  const made = await withVault(io, (v) =>
    v.createToken({
      path,
      ...(typeof name === 'string' ? { name } : {}),
      expiresInSeconds,
      includeSubfolders: args.options.get('--subfolders') === true,
      readWrite: args.options.get('--read-write') === true,
      stage: (stage as (typeof STAGES)[number] | undefined) ?? 'current',
    }),
  )
  const t = made.token
  io.err(
    [
      `Created the token ${oneLine(t.name)} (id ${t.id}) for ${oneLine(t.path)}${t.includeSubfolders ? ' and its subfolders' : ''}:`,
      `${t.readWrite ? 'read-write' : 'read-only'}, ${t.stage === 'any' ? 'any version' : 'current versions only'}, ${t.expiresAt ? `expires ${t.expiresAt}` : 'never expires'}.`,
      'It is shown this once, on standard output: store it now (a CI secret, a file only the app can read).',
      'Use it: SECRETSENTRY_TOKEN=... secretsentry run -- CMD, or @secretsentry/sdk.',
      '',
    ].join('\n'),
  )
  // Alone on its line, so `T=$(secretsentry token create ...)` captures exactly the token.
  await io.terminal.writeStdout(new TextEncoder().encode(`${made.text}\n`))
  return EXIT_OK
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

async function list(args: ParsedArgs, io: Io): Promise<number> {
  const tokens = await withVault(io, (v) => v.tokens())
  if (args.options.get('--json') === true) {
    io.out(`${JSON.stringify(tokens)}\n`)
    return EXIT_OK
  }
  if (tokens.length === 0) {
    io.err('No tokens. Create one: secretsentry token create /app/production --name deploy\n')
    return EXIT_OK
  }
  const rows = [
    ['ID', 'NAME', 'PATH', 'ACCESS', 'STAGE', 'EXPIRES', 'LAST USE', 'REVOKED'],
    ...tokens.map((t) => [
      t.id,
      oneLine(t.name),
      oneLine(t.path),
      access(t),
      t.stage,
      t.expiresAt ?? 'never',
      t.lastUsedAt
        ? `${t.lastUsedAt}${t.lastUsedClient ? ` (${oneLine(t.lastUsedClient)})` : ''}`
        : '-',
      t.revokedAt ?? '-',
    ]),
  ]
  io.out(`${table(rows)}\n`)
  return EXIT_OK
}

export const token: Command = {
  name: 'token',
  summary: 'create, list or revoke service tokens (machine access to one folder)',
  usage:
    'secretsentry token create PATH [--name TEXT] [--expires 90d|never] [--read-write] [--stage current|any] [--subfolders] | token ls [--json] | token revoke ID|NAME',
  examples: [
    'T="$(secretsentry token create /app/production --name web-prod --expires 30d)"',
    'secretsentry token ls',
    'secretsentry token revoke web-prod',
  ],
  spec: {
    positionals: ['ACTION', 'PATH|ID|NAME'],
    optionalPositionals: 1,
    options: {
      '--name': { value: true, help: 'create: a name for lists and the audit trail' },
      '--expires': {
        value: true,
        help: `create: lifetime like 30d, 12h or 90m (1m to 3650d), or never (default ${DEFAULT_TOKEN_EXPIRY})`,
      },
      '--read-write': {
        value: false,
        help: 'create: may also store new versions (set, set --pending); default read-only',
      },
      '--stage': {
        value: true,
        help: 'create: current (default: only current versions) or any (pending and previous too)',
      },
      '--subfolders': {
        value: false,
        help: "create: the folder's subfolders too, those there now and those made later",
      },
      '--json': { value: false, help: 'ls: print the tokens as JSON' },
    },
  },
  description: [
    'A service token reads one folder (and, with --subfolders, the folders below it) and nothing',
    "else: the folder's key is wrapped under a key derived from the token, here, so the server and",
    'a copy of its database still cannot decrypt anything. create prints the token once on standard',
    'output (alone on its line; the rest goes to standard error); the server keeps only a verifier.',
    'ls shows every token with its last use (time and a hash of the client) and whether it is',
    'revoked; revoke ends a token at once (by id or name). Every read with a token, and every',
    "refusal, is on the owner's audit trail with the token's name.",
  ],
  async run(args, io) {
    const [action, target] = args.positionals as [string, string | undefined]
    if (!(action in ACTION_FLAGS)) {
      throw new UsageError(
        `token: ACTION must be create, ls or revoke, got ${JSON.stringify(oneLine(action))}`,
      )
    }
    checkFlags(args, action)
    if (action === 'create') return create(args, io, target)
    if (target !== undefined && action === 'ls') {
      throw new UsageError(`token ls: unexpected argument ${JSON.stringify(target)}`)
    }
    if (action === 'ls') return list(args, io)
    if (target === undefined) throw new UsageError('token revoke: missing ID or NAME')
    await withVault(io, (v) => v.revokeToken(target))
    io.err(`Revoked the token ${oneLine(target)}: it can read nothing from now on.\n`)
    return EXIT_OK
  },
}
