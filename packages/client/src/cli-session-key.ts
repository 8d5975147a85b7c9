/**
 * @module The session key (PUT/GET /api/session/key): a bearer session holds one random key for
 * its client. The CLI keeps the account's userKey encrypted under it on disk; the server holds
 * the key and never sees what it encrypts, and deletes it with the session.
 */
import { fromB64url, toB64url } from '@secretsentry/envelope'
import type { SessionKey } from '@secretsentry/contract/types'
import { connect } from './http.ts'
import type { ConnectionOptions } from './http.ts'
import { localError } from './errors.ts'

const PATH = '/api/session/key'
const KEY_BYTES = 32

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Gives the session `key` (32 bytes) to hold; once per session (a second time is 409 conflict). */
export async function putSessionKey(
  options: ConnectionOptions,
  token: string,
  key: Uint8Array,
): Promise<void> {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw localError('bad_input', 'key must be 32 bytes', { field: 'key' })
  }
  const body: SessionKey = { key: toB64url(key) }
  await connect(options).call<void>('PUT', PATH, { body, headers: bearer(token) })
}

/** The key the session holds; `not_found` when it holds none, `unauthenticated` when it ended. */
export async function getSessionKey(
  options: ConnectionOptions,
  token: string,
): Promise<Uint8Array> {
  const res = await connect(options).call<SessionKey>('GET', PATH, { headers: bearer(token) })
  let key: Uint8Array
  try {
    key = fromB64url(res.key)
  } catch {
    key = new Uint8Array()
  }
  if (key.length !== KEY_BYTES) {
    throw localError('bad_response', 'The server sent a session key that is not 32 bytes')
  }
  return key
}
