/**
 * @module `register`, `login`, `logout`, and opening the vault for the vault commands: the same
 * prelogin, Argon2id and login as the browser (@secretsentry/client), a bearer session, and the
 * session file (session-file.ts) in place of the browser's memory.
 *
 * Security promise: the password comes from a prompt without echo or SECRETSENTRY_PASSWORD,
 * never argv; only authKey leaves this process (the client's promise), and the userKey reaches
 * the disk only sealed under a key the server holds for this session alone.
 */
import crypto from 'node:crypto'
import { username as usernameSchema } from '@secretsentry/contract'
import { getSessionKey, putSessionKey } from '@secretsentry/client/cli-session-key'
import { MIN_PASSWORD_LENGTH, newPasswordProblem } from '@secretsentry/client/password'
import {
  createVaultClient,
  describeKdf,
  wipe,
  type VaultClient,
  type VaultSession,
} from '@secretsentry/client/vault'
import { UsageError, type ParsedArgs } from '../args.ts'
import { clientCall, commandErrorOf, nodeFetch, resolveServer, warnIfPlainHttp } from '../client.ts'
import {
  CommandError,
  EXIT_FAILED,
  EXIT_NOT_AUTHORISED,
  EXIT_NOT_FOUND,
  EXIT_OK,
  type Io,
} from '../io.ts'
import {
  configDir,
  deleteSession,
  fileKdfMemory,
  openUserKey,
  readSession,
  sealUserKey,
  writeSession,
  type SessionData,
} from '../session-file.ts'
import { secretInput } from '../terminal.ts'
import type { Command } from './command.ts'

export const PASSWORD_ENV = 'SECRETSENTRY_PASSWORD'

function vaultClient(io: Io, server: string, token?: string): VaultClient {
  const dir = configDir(io.env)
  return createVaultClient({
    origin: server,
    fetch: nodeFetch,
    session: 'bearer',
    ...(token ? { token } : {}),
    kdfMemory: fileKdfMemory(dir),
    // Weaker settings than last time go on only when a person at a terminal says so.
    confirmWeakerKdf: async (previous, offered) => {
      if (!io.terminal.stdinIsTTY) return false
      io.err(
        `The server now asks for weaker key derivation (${describeKdf(offered)}) than last time (${describeKdf(previous)}).\n`,
      )
      const answer = await io.terminal.ask('Go on with the weaker settings? [y/N] ', {
        hidden: false,
      })
      return /^y(es)?$/i.test((answer ?? '').trim())
    },
    onKdfProgress: (fraction) => {
      if (fraction === 0 && io.terminal.stdinIsTTY) io.err('Deriving keys…\n')
    },
  })
}

async function askUsername(args: ParsedArgs, io: Io, command: string): Promise<string> {
  const flag = args.options.get('--username')
  const given =
    typeof flag === 'string'
      ? flag
      : io.terminal.stdinIsTTY
        ? await io.terminal.ask('Username: ', { hidden: false })
        : undefined
  if (given === undefined || given.trim() === '') {
    throw new UsageError(`${command}: missing --username NAME`)
  }
  const checked = usernameSchema.safeParse(given)
  if (!checked.success) {
    const why = checked.error.issues[0]?.message ?? 'is not valid'
    throw new UsageError(`${command}: --username ${why}`)
  }
  return checked.data
}

async function askPassword(io: Io, command: string, confirm: boolean): Promise<string> {
  const fromEnv = io.env[PASSWORD_ENV]
  const password = await secretInput(io.terminal, io.env, PASSWORD_ENV, 'Password: ')
  if (password === undefined) {
    throw new UsageError(`${command}: no terminal to ask for the password on: set ${PASSWORD_ENV}`)
  }
  if (confirm && (fromEnv === undefined || fromEnv === '')) {
    const again = await io.terminal.ask('Repeat the password: ', { hidden: true })
    if (again !== password) throw new UsageError(`${command}: the two passwords differ`)
  }
  return password
}

/**
 * Keeps the session: draws K, gives it to the server for this session, and writes the file with
 * the userKey sealed under K. K and the exported userKey are wiped here.
 */
async function keepSession(
  io: Io,
  server: string,
  client: VaultClient,
  session: VaultSession,
): Promise<void> {
  const token = client.token()
  if (!token) throw new CommandError('the server gave no bearer token', EXIT_FAILED)
  const k = new Uint8Array(crypto.randomBytes(32))
  const userKey = session.exportUserKey()
  try {
    await clientCall(() => putSessionKey({ origin: server, fetch: nodeFetch }, token, k), server)
    const data: SessionData = {
      server,
      username: session.account.username,
      token,
      sealedUserKey: sealUserKey(k, userKey, server, session.account.username),
    }
    writeSession(configDir(io.env), data)
  } finally {
    wipe(k, userKey)
    session.lock()
  }
}

/**
 * Ends the session `old` (read from the file before the new login), once the new one exists: a
 * refused login (a wrong password, a refused KDF downgrade) leaves the working session alone.
 * Best effort: an unreachable server ends it by itself after SESSION_IDLE_HOURS.
 */
async function endOldSession(io: Io, old: SessionData | undefined): Promise<void> {
  if (!old) return
  try {
    await vaultClient(io, old.server, old.token).logout()
  } catch {
    // Unreachable, or ended already: the new session file replaces it either way.
  }
}

const accountOptions = {
  '--server': { value: true, help: 'the server (default: SECRETSENTRY_SERVER)' },
  '--username': { value: true, help: 'the account name (asked for at a terminal)' },
}

export const register: Command = {
  name: 'register',
  summary: 'create a vault account and log in',
  usage: 'secretsentry register [--server URL] [--username NAME]',
  examples: [
    'SECRETSENTRY_PASSWORD="$(cat pw.txt)" secretsentry register --server https://secrets.example.org --username ci-bot',
  ],
  spec: { options: accountOptions },
  description: [
    `The password: asked twice without echo, or ${PASSWORD_ENV}; at least ${MIN_PASSWORD_LENGTH} characters,`,
    'as in the web form. Nobody can reset it: without it the vault cannot be opened.',
    'Keys are derived and wrapped here; the server gets only authKey and wrapped keys.',
  ],
  async run(args, io) {
    const server = resolveServer('register', args.options.get('--server'), io)
    const username = await askUsername(args, io, 'register')
    const password = await askPassword(io, 'register', true)
    // The web form's rule, from the one place every client takes it.
    const problem = newPasswordProblem(password)
    if (problem !== null) throw new UsageError(`register: the password: ${problem}`)
    const old = readSession(configDir(io.env))
    const client = vaultClient(io, server)
    const session = await clientCall(() => client.register(username, password), server)
    await endOldSession(io, old)
    await keepSession(io, server, client, session)
    io.err(`Registered and logged in as ${username} on ${server}.\n`)
    return EXIT_OK
  },
}

export const login: Command = {
  name: 'login',
  summary: 'log in to a vault account (keeps a session in the config directory)',
  usage: 'secretsentry login [--server URL] [--username NAME]',
  examples: ['secretsentry login --server https://secrets.example.org --username alice'],
  spec: { options: accountOptions },
  description: [
    `The password: asked without echo, or ${PASSWORD_ENV}. The same prelogin, Argon2id and`,
    'login as the browser, refusing key-derivation settings below the floor or weaker than last',
    'time. The session file ($XDG_CONFIG_HOME/secretsentry/session.json, mode 0600) holds the',
    "token and the account's key sealed under a key only this session on the server can return:",
    'once the session ends (logout, idle or absolute expiry, a password change elsewhere) the file',
    'opens nothing, and the server never sees the sealed key.',
  ],
  async run(args, io) {
    const server = resolveServer('login', args.options.get('--server'), io)
    const username = await askUsername(args, io, 'login')
    const password = await askPassword(io, 'login', false)
    const old = readSession(configDir(io.env))
    const client = vaultClient(io, server)
    const session = await clientCall(() => client.login(username, password), server)
    await endOldSession(io, old)
    await keepSession(io, server, client, session)
    io.err(`Logged in as ${username} on ${server}.\n`)
    return EXIT_OK
  },
}

export const logout: Command = {
  name: 'logout',
  summary: 'end the session on the server and delete the session file',
  usage: 'secretsentry logout',
  examples: ['secretsentry logout'],
  spec: {},
  description: ['The server deletes the session and the key it held; the file is deleted here.'],
  async run(_args, io) {
    const dir = configDir(io.env)
    const data = readSession(dir)
    if (!data) {
      io.err('Not logged in.\n')
      return EXIT_OK
    }
    try {
      await vaultClient(io, data.server, data.token).logout()
    } catch (err) {
      deleteSession(dir)
      const e = commandErrorOf(err, data.server)
      const why = e instanceof Error ? e.message : 'failed'
      throw new CommandError(
        `the session file is deleted, but the server did not confirm the logout (${why}); the session there ends after its idle time`,
        EXIT_FAILED,
      )
    }
    deleteSession(dir)
    io.err(`Logged out of ${data.server}.\n`)
    return EXIT_OK
  },
}

/** The session in the file (its server and bearer token), or undefined when there is none. */
export function loggedInSession(io: Io): { server: string; token: string } | undefined {
  try {
    const data = readSession(configDir(io.env))
    return data ? { server: data.server, token: data.token } : undefined
  } catch {
    return undefined
  }
}

/** The logged-in server, for commands whose --server defaults to it. */
export function loggedInServer(io: Io): string | undefined {
  try {
    return readSession(configDir(io.env))?.server
  } catch {
    return undefined
  }
}

/**
 * The vault of the session in the file: K from the server, the userKey unsealed with it, and
 * the client's session over it. An ended session is exit 4, and its useless file is deleted.
 */
export async function openVault(io: Io): Promise<VaultSession> {
  const dir = configDir(io.env)
  const data = readSession(dir)
  if (!data) {
    throw new CommandError('not logged in: run secretsentry login', EXIT_NOT_AUTHORISED)
  }
  warnIfPlainHttp(io, data.server)
  let k: Uint8Array
  try {
    k = await getSessionKey({ origin: data.server, fetch: nodeFetch }, data.token)
  } catch (err) {
    const e = commandErrorOf(err, data.server)
    // Ended (401), or a live session that holds no key for this file (404): either way the
    // file cannot be opened any more.
    if (e instanceof CommandError && [EXIT_NOT_AUTHORISED, EXIT_NOT_FOUND].includes(e.exitCode)) {
      deleteSession(dir)
      throw new CommandError(
        'the session has ended (logged out, expired, or the password changed): run secretsentry login',
        EXIT_NOT_AUTHORISED,
      )
    }
    throw e
  }
  const userKey = openUserKey(k, data)
  wipe(k)
  try {
    return await clientCall(
      () => vaultClient(io, data.server, data.token).openWithUserKey(data.token, userKey),
      data.server,
    )
  } finally {
    wipe(userKey)
  }
}

/** Opens the vault, runs `work`, and locks it (every key zeroed) whatever happens. */
export async function withVault<T>(io: Io, work: (vault: VaultSession) => Promise<T>): Promise<T> {
  const vault = await openVault(io)
  try {
    return await clientCall(() => work(vault))
  } finally {
    vault.lock()
  }
}
