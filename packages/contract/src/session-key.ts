/**
 * @module The session key (issue 10): a random 32-byte key a bearer session holds for its client.
 * The terminal client keeps the account's userKey on disk encrypted under it, so the file is
 * useless once the session ends; the server never sees that file, so it learns nothing either.
 */
import * as z from 'zod'
import { b64urlBytes } from './schemas.ts'

export const SESSION_KEY_BYTES = 32

export const sessionKey = z
  .strictObject({
    key: b64urlBytes(
      SESSION_KEY_BYTES,
      'A random key the client drew; only this session can read it back, and it dies with the session',
    ),
  })
  .meta({ id: 'SessionKey' })
