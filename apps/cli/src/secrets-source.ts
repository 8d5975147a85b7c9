/**
 * @module Where `get`, `set`, `run` and `export` read secrets from: a service token
 * (`SECRETSENTRY_TOKEN` or `--token-file`), else the logged-in vault. Both go through
 * @secretsentry/client: a token's keys or the account's keys decrypt here, never on the server.
 *
 * Security promise: the token text is read from the environment or a file, never from argv; it
 * is never printed, and no message quotes it (a wrong one is described, not echoed).
 */
import fs from 'node:fs'
import path from 'node:path'
import { ClientError } from '@secretsentry/client/share'
import { openTokenSession, type TokenSecret, type TokenSession } from '@secretsentry/client/token'
import { findFolder, secretPath, type VaultSession } from '@secretsentry/client/vault'
import { UsageError, type ParsedArgs } from './args.ts'
import { commandErrorOf, nodeFetch, resolveServer } from './client.ts'
import { loggedInServer, openVault } from './commands/account.ts'
import { CommandError, EXIT_NOT_AUTHORISED, EXIT_NOT_FOUND, EXIT_USAGE, type Io } from './io.ts'

export const TOKEN_ENV = 'SECRETSENTRY_TOKEN'

/** A secret as run and export need it. */
export interface FolderSecret {
  path: string
  name: string
  value: string
}

/** The flags every token-capable command takes. */
export const TOKEN_OPTIONS = {
  '--token-file': {
    value: true,
    help: `read the service token from this file (one final newline is ignored) instead of ${TOKEN_ENV}`,
  },
  '--server': {
    value: true,
    help: 'with a token: the server (default SECRETSENTRY_SERVER, else the logged-in one)',
  },
} as const

/** The token text and where it came from (for messages), or undefined: use the login. */
export function tokenFrom(args: ParsedArgs, io: Io): { text: string; from: string } | undefined {
  const file = args.options.get('--token-file')
  if (typeof file === 'string') {
    const full = path.resolve(io.terminal.cwd(), file)
    let text: string
    try {
      text = fs.readFileSync(full, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable'
      throw new CommandError(`cannot read --token-file ${file} (${code})`, EXIT_USAGE)
    }
    // An editor or `echo` adds one line break; the token itself never has one (SPEC.md §11.1).
    text = text.replace(/\r?\n$/, '')
    if (text === '') throw new CommandError(`--token-file ${file} is empty`, EXIT_USAGE)
    return { text, from: `--token-file ${file}` }
  }
  const env = io.env[TOKEN_ENV]
  if (env !== undefined && env !== '') return { text: env, from: TOKEN_ENV }
  return undefined
}

/**
 * The token for `command`, or undefined to use the login; --server means nothing with a login
 * (the session's server is the vault), so it is refused there rather than ignored.
 */
export function tokenFor(
  command: string,
  args: ParsedArgs,
  io: Io,
): { text: string; from: string } | undefined {
  const token = tokenFrom(args, io)
  if (!token && args.options.get('--server') !== undefined) {
    throw new UsageError(
      `${command}: --server goes with a service token (${TOKEN_ENV} or --token-file); logged in, the session's server is used`,
    )
  }
  return token
}

/**
 * What a refused token access means, in one line with exit code 4; the token is named by where
 * it came from, never quoted.
 */
export function tokenErrorOf(err: unknown, from: string, server: string): unknown {
  if (!(err instanceof ClientError)) return err
  const refused: Record<string, string> = {
    bad_token: `${from} is not a service token (sst_ and 66 more characters, nothing around it)`,
    unauthenticated: `${server} does not accept the token in ${from} (another server, or a deleted token)`,
    token_revoked: `the token in ${from} was revoked; its owner can create another (secretsentry token create)`,
    token_expired: `the token in ${from} has expired; its owner can create another (secretsentry token create)`,
    read_only:
      'the token is read-only: it cannot store values (a token made with --read-write can)',
  }
  const message = refused[err.code]
  if (message !== undefined) return new CommandError(message, EXIT_NOT_AUTHORISED)
  return commandErrorOf(err, server)
}

/** Runs `work` on the token's session, its errors as one line with an exit code. */
export async function withToken<T>(
  command: string,
  args: ParsedArgs,
  io: Io,
  token: { text: string; from: string },
  work: (session: TokenSession) => Promise<T>,
): Promise<T> {
  const server = resolveServer(command, args.options.get('--server'), io, loggedInServer(io))
  try {
    const session = await openTokenSession({ origin: server, fetch: nodeFetch, token: token.text })
    return await work(session)
  } catch (err) {
    throw tokenErrorOf(err, token.from, server)
  }
}

/** The logged-in vault, locked (every key zeroed) whatever happens. */
export async function withLogin<T>(io: Io, work: (vault: VaultSession) => Promise<T>): Promise<T> {
  const vault = await openVault(io)
  try {
    return await work(vault)
  } catch (err) {
    throw commandErrorOf(err)
  } finally {
    vault.lock()
  }
}

/** `/app/production/` and ` /app/production` → `/app/production`; `/` → ''. */
export function folderPathArg(text: string, command: string): string {
  const p = text.trim().replace(/\/+$/, '')
  if (p !== '' && !/^(\/[A-Za-z0-9._-]+)+$/.test(p)) {
    throw new UsageError(
      `${command}: --path must be a folder path like /app/production, got ${JSON.stringify(text)}`,
    )
  }
  return p
}

const tokenSecret = (s: TokenSecret): FolderSecret => ({
  path: s.path,
  name: s.name,
  value: s.value,
})

/**
 * The secrets for run and export. A token: what it may read, under `folder` when given (its
 * root by default). A login: the secrets directly in `folder` (a folder path is required), and
 * with `subfolders` those below it too; each current value is read (and audited) one by one.
 */
export async function folderSecrets(
  command: string,
  args: ParsedArgs,
  io: Io,
): Promise<FolderSecret[]> {
  const given = args.options.get('--path')
  const folder = typeof given === 'string' ? folderPathArg(given, command) : undefined
  const subfolders = args.options.get('--subfolders') === true
  const token = tokenFor(command, args, io)
  if (token) {
    if (subfolders) {
      throw new UsageError(
        `${command}: --subfolders is for a login; a token reads the subfolders it was made for`,
      )
    }
    return withToken(command, args, io, token, async (session) =>
      (await session.secrets(folder !== undefined ? { path: folder } : {})).map(tokenSecret),
    )
  }
  if (folder === undefined) {
    throw new UsageError(
      `${command}: which folder? Give --path /app/production (or use a service token in ${TOKEN_ENV})`,
    )
  }
  return withLogin(io, async (vault) => {
    const items = (await vault.list()).filter((i) => {
      if (i.meta === null) return false
      const dir = `${i.folderPath ?? ''}${i.meta.path}`
      return dir === folder || (subfolders && dir.startsWith(`${folder}/`))
    })
    if (items.length === 0 && !findFolder(await vault.refreshFolders(), folder)) {
      throw new CommandError(`no folder at ${folder} (secretsentry ls --folders)`, EXIT_NOT_FOUND)
    }
    const out: FolderSecret[] = []
    for (const item of items) {
      const read = await vault.read(item.summary, { stage: 'current' })
      out.push({
        path: secretPath(item.meta!, item.folderPath),
        name: item.meta!.name,
        value: read.value,
      })
    }
    return out
  })
}
