/** @module Account queries: plain functions taking `db` (or a transaction) first; snake_case stays here. */
import type { Insertable, Kysely, Selectable } from 'kysely'
import type { Database, UserTable } from '../db/database.ts'
import { prepared } from '../db/prepared.ts'

type Db = Kysely<Database>
export type UserRow = Selectable<UserTable>

const findByNameQuery = prepared((db: Db, a: { username: string }) =>
  db.selectFrom('users').selectAll().where('username', '=', a.username),
)

export async function findUserByName(db: Db, username: string): Promise<UserRow | undefined> {
  const { rows } = await findByNameQuery(db, { username })
  return rows[0]
}

const findByIdQuery = prepared((db: Db, a: { id: Buffer }) =>
  db.selectFrom('users').selectAll().where('id', '=', a.id),
)

export async function findUserById(db: Db, id: Buffer): Promise<UserRow | undefined> {
  const { rows } = await findByIdQuery(db, { id })
  return rows[0]
}

export async function insertUser(db: Db, row: Insertable<UserTable>): Promise<void> {
  await db.insertInto('users').values(row).execute()
}

export async function updateUserKeys(
  db: Db,
  id: Buffer,
  keys: Pick<UserTable, 'auth_hash' | 'kdf' | 'salt' | 'wrapped_user_key' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('users').set(keys).where('id', '=', id).execute()
}

// ── Addresses an account logged in from ─────────────────────────────────────

const loggedInFromQuery = prepared(
  (db: Db, a: { userId: Buffer; addressHash: string; since: number }) =>
    db
      .selectFrom('login_addresses')
      .select('last_ok_at')
      .where('user_id', '=', a.userId)
      .where('address_hash', '=', a.addressHash)
      .where('last_ok_at', '>=', a.since),
)

/** True when the account logged in from this (hashed) address at `since` or later. */
export async function loggedInFrom(
  db: Db,
  userId: Buffer,
  addressHash: string,
  since: number,
): Promise<boolean> {
  const { rows } = await loggedInFromQuery(db, { userId, addressHash, since })
  return rows.length > 0
}

export async function recordLoginAddress(
  db: Db,
  userId: Buffer,
  addressHash: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('login_addresses')
    .values({ user_id: userId, address_hash: addressHash, last_ok_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'address_hash']).doUpdateSet({ last_ok_at: now }))
    .execute()
}

/** Forgets addresses not used for a login since `before` (few rows: one per account and address). */
export async function deleteStaleLoginAddresses(db: Db, before: number): Promise<number> {
  const result = await db
    .deleteFrom('login_addresses')
    .where('last_ok_at', '<', before)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
