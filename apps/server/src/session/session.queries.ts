/** @module Session queries: plain functions taking `db` (or a transaction) first; tokens appear only as SHA-256. */
import type { Kysely } from 'kysely'
import type { Database } from '../db/database.ts'
import { skipLocked } from '../db/dialect.ts'
import { prepared } from '../db/prepared.ts'

type Db = Kysely<Database>

export interface NewSession {
  token_hash: Buffer
  user_id: Buffer
  now: number
  expires_at: number
  kind: 'cookie' | 'bearer'
}

export async function insertSession(db: Db, s: NewSession): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: s.token_hash,
      user_id: s.user_id,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.expires_at,
      kind: s.kind,
    })
    .execute()
}

const findSessionQuery = prepared((db: Db, a: { hash: Buffer }) =>
  db
    .selectFrom('sessions')
    .select(['user_id', 'last_seen_at', 'expires_at', 'kind'])
    .where('token_hash', '=', a.hash),
)

export async function findSession(db: Db, hash: Buffer) {
  const { rows } = await findSessionQuery(db, { hash })
  return rows[0]
}

export async function touchSession(db: Db, hash: Buffer, now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('token_hash', '=', hash)
    .execute()
}

export async function deleteSession(db: Db, hash: Buffer): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hash).execute()
}

/** Every session of the account but `keep`; returns how many ended. */
export async function deleteOtherSessions(db: Db, userId: Buffer, keep: Buffer): Promise<number> {
  const rows = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('token_hash', '!=', keep)
    .returning('token_hash')
    .execute()
  return rows.length
}

/** Up to `limit` sessions past their absolute or idle end. */
export async function deleteDeadSessions(
  db: Db,
  now: number,
  idleMs: number,
  limit: number,
): Promise<number> {
  const rows = await db
    .deleteFrom('sessions')
    .where('token_hash', 'in', (eb) =>
      skipLocked(
        eb
          .selectFrom('sessions')
          .select('token_hash')
          .where((w) => w.or([w('last_seen_at', '<=', now - idleMs), w('expires_at', '<=', now)]))
          .limit(limit),
        db,
      ),
    )
    .returning('token_hash')
    .execute()
  return rows.length
}

/** Stores a bearer session's client key, only if it holds none yet; false when it did (or is gone). */
export async function setClientKey(db: Db, hash: Buffer, key: Buffer): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ client_key: key })
    .where('token_hash', '=', hash)
    .where('kind', '=', 'bearer')
    .where('client_key', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function findClientKey(db: Db, hash: Buffer): Promise<Buffer | null> {
  const row = await db
    .selectFrom('sessions')
    .select('client_key')
    .where('token_hash', '=', hash)
    .executeTakeFirst()
  return row?.client_key ?? null
}
