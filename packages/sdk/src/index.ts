/**
 * @module `@secretsentry/sdk`: a Node application loads its folder's secrets at start with a
 * service token. The token's keys unwrap the folder's key here, in the application's process;
 * the server only ever sends ciphertext (packages/keyring SPEC.md §11), so neither it nor a copy
 * of its database can read what the application reads.
 *
 * Security promises: the token text never leaves this process (only its id and derived authKey
 * are sent, by @secretsentry/client); no error message holds the token or a value; requests go
 * to `server` and nowhere else (redirects are not followed).
 *
 * This file's exported types stand alone (no import from the workspace appears in them), so the
 * bundled build's index.d.ts is complete for a plain Node app (build.mjs checks it).
 */
import { secretsToEnv } from '@secretsentry/client/env'
import { ClientError, type FetchLike } from '@secretsentry/client/share'
import { openTokenSession } from '@secretsentry/client/token'

export interface LoadSecretsOptions {
  /** The service token's text (`sst_…`), e.g. `process.env.SECRETSENTRY_TOKEN`. */
  token: string
  /** The server's address, like `https://secrets.example.org` (no path). */
  server: string
  /**
   * The folder to read, like `/app/production`; default the token's own folder. With a token
   * that includes subfolders, their secrets come too.
   */
  path?: string
  /** A fetch to use instead of the global one (a proxy agent, tests). */
  fetch?: typeof fetch
}

/** Every failure of loadSecrets; `code` is stable (see the README), the message never holds a secret. */
export class SecretSentryError extends Error {
  override readonly name = 'SecretSentryError'
  /** `token_revoked`, `token_expired`, `bad_token`, `unauthenticated`, `folder_not_found`, `env_name`, `network`, `bad_input`… */
  readonly code: string
  /** The HTTP status of the server's answer; 0 when found here. */
  readonly status: number
  constructor(code: string, message: string, status = 0) {
    super(message)
    this.code = code
    this.status = status
  }
}

const MESSAGES: Record<string, string> = {
  token_revoked: 'The service token was revoked; its owner can create another.',
  token_expired: 'The service token has expired; its owner can create another.',
  bad_token:
    'The token is not a SecretSentry service token (sst_ and 66 more characters, nothing around it).',
  unauthenticated: 'The server does not accept this token (another server, or a deleted token).',
}

function fail(err: unknown): never {
  if (err instanceof ClientError) {
    throw new SecretSentryError(err.code, MESSAGES[err.code] ?? err.message, err.status)
  }
  throw err
}

/**
 * The secrets of the token's folder (or of `path` within what it may read) as a plain object,
 * each secret's name its key: `{ DB_PASSWORD: '…', API_KEY: '…' }`. The current version of each
 * (a token made to read any stage still gets the current one here).
 *
 * A name that is not an environment variable name (`^[A-Za-z_][A-Za-z0-9_]*$`), or two secrets
 * with one name (a folder and its subfolder), is a SecretSentryError `env_name` naming their
 * paths: the same rule as `secretsentry run`, so an application sees what `run` would give it.
 */
export async function loadSecrets(options: LoadSecretsOptions): Promise<Record<string, string>> {
  if (typeof options !== 'object' || options === null) {
    throw new SecretSentryError('bad_input', 'loadSecrets needs { token, server, path? }')
  }
  const { token, server, path } = options
  if (typeof token !== 'string' || token === '') {
    throw new SecretSentryError(
      'bad_input',
      'token is missing: pass the service token, e.g. process.env.SECRETSENTRY_TOKEN',
    )
  }
  if (typeof server !== 'string' || server === '') {
    throw new SecretSentryError('bad_input', "server is missing: the server's https:// address")
  }
  if (path !== undefined && typeof path !== 'string') {
    throw new SecretSentryError('bad_input', 'path must be a folder path like /app/production')
  }
  const base = options.fetch ?? globalThis.fetch
  // Node's fetch without redirects: a 307/308 would re-send the token's authKey elsewhere.
  const viaFetch: FetchLike = (url, init) => base(url, { ...init, redirect: 'manual' })
  try {
    const session = await openTokenSession({ origin: server, fetch: viaFetch, token })
    const secrets = await session.secrets(path !== undefined ? { path } : {})
    return secretsToEnv(secrets.map((s) => ({ path: s.path, name: s.name, value: s.value })))
  } catch (err) {
    fail(err)
  }
}
