/** @module ClientError: the one error type every client call throws, with a stable code callers switch on. */
import type { ErrorCode } from '@secretsentry/contract/types'
import type { KdfParams } from '@secretsentry/keyring'

/**
 * The server's codes (contract ErrorCode) plus what the client finds itself:
 * - `network`: no HTTP answer at all; `bad_response`: an answer that is not the API's JSON.
 * - `bad_link`: a link or fragment that is not a share link (no request was sent).
 * - `passphrase_required`: the link needs a passphrase and none was given (no request was sent).
 * - `decrypt_failed`: authentication failed (tampered data, wrong key); for a share the view is spent.
 * - `bad_record`: the decrypted data is malformed (a buggy or hostile sender).
 * - `unsupported_version`: data in a format version this client does not know.
 * - `kdf_too_weak` / `kdf_invalid`: the server offered key-derivation settings below the floor.
 * - `kdf_downgrade`: weaker settings than last time for this account, and they were not accepted.
 * - `wrong_version`: the server answered with another version of a secret than the one asked for.
 * - `locked`: the vault session holds no keys (locked, or never opened).
 * - `secret_not_found` / `ambiguous`: a name or path that matches no secret, or several.
 * - `bad_input`: the caller passed something malformed; `field` names it.
 * - `env_name`: secrets that cannot become environment variables (env.ts); the message names their paths.
 * Service tokens (the server's codes, from ErrorCode): `unauthenticated` (unknown or wrong
 * token), `token_revoked`, `token_expired` (401), `read_only` (a write by a read-only token);
 * `bad_token` is a text that is not a token at all (nothing was sent).
 */
export type ClientErrorCode =
  | ErrorCode
  | 'network'
  | 'bad_response'
  | 'bad_link'
  | 'passphrase_required'
  | 'decrypt_failed'
  | 'bad_record'
  | 'unsupported_version'
  | 'kdf_too_weak'
  | 'kdf_invalid'
  /** Not a service token's text (keyring SPEC.md §11.1); the CLI and SDK say so without echoing it. */
  | 'bad_token'
  | 'kdf_downgrade'
  | 'wrong_version'
  | 'locked'
  | 'secret_not_found'
  | 'ambiguous'
  | 'folder_not_found'
  | 'folder_exists'
  | 'bad_input'
  | 'env_name'

export interface ClientErrorDetails {
  /** The offending field (invalid_input, bad_input). */
  field?: string
  /** Wrong share access: how many tries remain before the server destroys the share. */
  attemptsLeft?: number
  /** rate_limited: seconds to wait, from Retry-After. */
  retryAfterSeconds?: number
  /** kdf_downgrade: what was used last time and what the server offers now. */
  kdf?: { previous: KdfParams; offered: KdfParams }
  /** ambiguous: the paths that matched. */
  candidates?: string[]
}

/** Messages never include keys, passwords, passphrases or plaintext: they may end up in logs. */
export class ClientError extends Error {
  /** HTTP status of the answer; 0 when the error was found on this side. */
  readonly status: number
  readonly code: ClientErrorCode
  readonly details: ClientErrorDetails

  constructor(
    status: number,
    code: ClientErrorCode,
    message: string,
    details: ClientErrorDetails = {},
  ) {
    super(message)
    this.name = 'ClientError'
    this.status = status
    this.code = code
    this.details = details
  }

  get attemptsLeft(): number | undefined {
    return this.details.attemptsLeft
  }

  get retryAfterSeconds(): number | undefined {
    return this.details.retryAfterSeconds
  }
}

/** An error found on this side, before or after any request. */
export function localError(
  code: ClientErrorCode,
  message: string,
  details: ClientErrorDetails = {},
): ClientError {
  return new ClientError(0, code, message, details)
}
