/**
 * @module PUT/GET /api/session/key (issue 10): a bearer session holds one random key for its
 * client. The terminal client encrypts the account's userKey under it in its session file, so:
 * - the file alone is useless once the session ends: the key lives only in the session row,
 *   which logout, expiry and a password change delete;
 * - the server alone learns nothing: it never receives the file or anything encrypted under the key.
 */
import { Hono, type MiddlewareHandler } from 'hono'
import type { SessionKey } from '@secretsentry/contract/types'
import type { Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import { ApiError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import { canonical, parseWith } from '../http/validate.ts'
import { contract } from '../http/contract.ts'
import type { SessionEnv } from './session.ts'
import * as q from './session.queries.ts'

export interface SessionKeyRouteOptions {
  db: Db
  queue: WriteQueue<Database>
  session: MiddlewareHandler<SessionEnv>
  sameOrigin: MiddlewareHandler
}

const BODY_BYTES = 1024

/** A browser has no use for a key the server hands back to any request carrying its cookie. */
const bearerOnly = () =>
  new ApiError(403, 'unauthorized', 'Only a bearer (script) session holds a key')

export function sessionKeyRoutes(o: SessionKeyRouteOptions): Hono<SessionEnv> {
  return new Hono<SessionEnv>()
    .put('/session/key', o.sameOrigin, o.session, async (c) => {
      if (c.var.session.via !== 'bearer') throw bearerOnly()
      const body = parseWith((await contract()).sessionKey, await readJsonBody(c, BODY_BYTES))
      const key = canonical('key', body.key)
      const { tokenHash } = c.var.session
      // Set once: the key belongs to the login that drew it, and is not swapped afterwards.
      const stored = await o.queue.run((trx) => q.setClientKey(trx, tokenHash, key))
      if (!stored) throw new ApiError(409, 'conflict', 'This session holds a key already')
      return c.body(null, 204)
    })
    .get('/session/key', o.session, async (c) => {
      if (c.var.session.via !== 'bearer') throw bearerOnly()
      const key = await q.findClientKey(o.db, c.var.session.tokenHash)
      if (!key) throw new ApiError(404, 'not_found', 'This session holds no key')
      const response: SessionKey = { key: key.toString('base64url') }
      return c.json(response, 200)
    })
}
