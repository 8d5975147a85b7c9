/**
 * @module What the client commands share: which server, the @secretsentry/client connection over
 * Node's fetch, and client errors as one line with an exit code. The protocol itself lives in
 * @secretsentry/client; nothing here builds a request body or touches a key.
 */
import { ClientError, type FetchLike } from '@secretsentry/client/share'
import { UsageError } from './args.ts'
import {
  CommandError,
  EXIT_FAILED,
  EXIT_NOT_AUTHORISED,
  EXIT_NOT_FOUND,
  EXIT_USAGE,
  type Io,
} from './io.ts'

export const SERVER_ENV = 'SECRETSENTRY_SERVER'

/**
 * Node's fetch, as the client's injected fetch: no cookies, no Origin; bearer tokens only.
 * Security promise: requests go to the server the user named and nowhere else. Redirects are
 * not followed (`manual`): a 307/308 would re-send the body (ciphertext, a login's authKey, new
 * wrapped keys) to wherever Location says, and the API itself never redirects. The 3xx answer
 * becomes an error (commandErrorOf) telling the user to give the final address.
 */
export const nodeFetch: FetchLike = (url, init) => fetch(url, { ...init, redirect: 'manual' })

/** `https://host[:port]` from what the user typed (a trailing slash is forgiven, a path is not). */
export function serverOrigin(text: string, from: string): string {
  const m = /^(https?):\/\/([^/?#@\s]+)\/?$/i.exec(text.trim())
  if (!m) {
    throw new UsageError(
      `${from} must be the server's address like https://secrets.example.org, got ${JSON.stringify(text)}`,
    )
  }
  return `${(m[1] as string).toLowerCase()}://${(m[2] as string).toLowerCase()}`
}

/** localhost, 127.0.0.0/8 and [::1]: plain http there never crosses a network. */
function isLoopback(origin: string): boolean {
  const host = origin.replace(/^https?:\/\//, '').replace(/:\d+$/, '')
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * A warning on standard error when `server` is plain http:// beyond this machine. The secret
 * itself stays protected (it is encrypted here, and a link's key is never sent), but the
 * ciphertext, a manage token, the bearer token and the login's authKey cross the network in
 * clear, and whoever sits on the path can change what the server answers. Warned, not refused:
 * a private network may be the user's informed choice.
 */
export function warnIfPlainHttp(io: Io, server: string): void {
  if (!server.startsWith('http://') || isLoopback(server)) return
  io.err(
    `Warning: ${server} is plain http: tokens and ciphertext cross the network unencrypted and can be read or changed on the way; use https.\n`,
  )
}

/**
 * The server a command talks to: --server, else the logged-in server, else SECRETSENTRY_SERVER.
 * With none, a usage error saying how to give one.
 */
export function resolveServer(
  command: string,
  flag: string | true | undefined,
  io: Io,
  loggedIn?: string,
): string {
  const env = io.env[SERVER_ENV]
  const server =
    typeof flag === 'string'
      ? serverOrigin(flag, `${command}: --server`)
      : loggedIn
        ? loggedIn
        : env !== undefined && env.trim() !== ''
          ? serverOrigin(env, SERVER_ENV)
          : undefined
  if (server === undefined) {
    throw new UsageError(`${command}: which server? Give --server URL or set ${SERVER_ENV}`)
  }
  warnIfPlainHttp(io, server)
  return server
}

const NOT_FOUND = new Set(['not_found', 'secret_not_found', 'folder_not_found'])
const NOT_AUTHORISED = new Set([
  'unauthenticated',
  'unauthorized',
  'invalid_credentials',
  'wrong_access',
  'csrf',
  'locked',
  // The instance takes links from logged-in accounts only.
  'login_required',
])
const USAGE = new Set(['bad_link', 'bad_input', 'invalid_input', 'ambiguous'])

/** A ClientError as one line naming what to do, with its exit code; anything else unchanged. */
export function commandErrorOf(err: unknown, server?: string): unknown {
  if (!(err instanceof ClientError)) return err
  let message = err.message
  if (err.status >= 300 && err.status < 400) {
    message = `${server ?? 'the server'} answered with a redirect (${err.status}), which is not followed: requests carry tokens and keys. Give the address it redirects to (https://…) as --server or ${SERVER_ENV}`
  } else if (err.code === 'network') {
    message = `could not reach ${server ?? 'the server'}: check the address (--server or ${SERVER_ENV}) and that it is running`
  } else if (err.code === 'unauthenticated') {
    message = 'not logged in, or the session ended: run secretsentry login'
  } else if (err.code === 'login_required') {
    message = `${server ?? 'this server'} takes links only from logged-in accounts: run secretsentry login (on that server) first`
  } else if (err.code === 'rate_limited' && err.retryAfterSeconds !== undefined) {
    message = `${message} (try again in ${err.retryAfterSeconds} s)`
  } else if (err.code === 'kdf_downgrade') {
    // Without a person to confirm, a downgrade is never accepted: say how to look at it.
    message = `${message} If the server's operator lowered them on purpose, run secretsentry login at a terminal to confirm.`
  } else if (err.code === 'invalid_input' && err.details.field) {
    message = `${message} (${err.details.field})`
  }
  const code = NOT_FOUND.has(err.code)
    ? EXIT_NOT_FOUND
    : NOT_AUTHORISED.has(err.code)
      ? EXIT_NOT_AUTHORISED
      : USAGE.has(err.code)
        ? EXIT_USAGE
        : EXIT_FAILED
  return new CommandError(message, code)
}

/** Runs `work`, turning client errors into CommandErrors (one line, an exit code). */
export async function clientCall<T>(work: () => Promise<T>, server?: string): Promise<T> {
  try {
    return await work()
  } catch (err) {
    throw commandErrorOf(err, server)
  }
}
