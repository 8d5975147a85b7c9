/** @module Account queries: plain functions taking `db` (or a transaction) first; snake_case stays here. */
import type { Insertable, Kysely, Selectable } from 'kysely'
import type { Database, LoginClientTable, UserTable } from '../db/database.ts'
import { forUpdate } from '../db/dialect.ts'
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

/**
 * False when the name is taken. ON CONFLICT rather than a look first: on PostgreSQL two
 * instances may register one name at once, and the second insert then waits for the first to
 * commit and inserts nothing, where a look-then-insert would fail on the unique index.
 */
export async function insertUser(db: Db, row: Insertable<UserTable>): Promise<boolean> {
  const inserted = await db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .execute()
  return inserted.length > 0
}

export async function updateUserKeys(
  db: Db,
  id: Buffer,
  keys: Pick<UserTable, 'auth_hash' | 'kdf' | 'salt' | 'wrapped_user_key' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('users').set(keys).where('id', '=', id).execute()
}

export async function recordLogin(db: Db, id: Buffer, now: number): Promise<void> {
  await db.updateTable('users').set({ last_login_at: now }).where('id', '=', id).execute()
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

// ── Clients an account logged in from (the new-client alert) ────────────────

export type LoginClientSeen = 'first' | 'new' | 'known'

/**
 * Remembers that the account logged in from this client (user-agent class + hashed network) and
 * says whether it had before: 'known'; 'new' when it had not but knows others; 'first' when it
 * knows none at all (a fresh account, or one from before clients were remembered). The insert
 * decides, so two logins at once from one new client see 'new' once.
 */
export async function recordLoginClient(
  db: Db,
  userId: Buffer,
  agent: LoginClientTable['agent'],
  addressHash: string,
  now: number,
): Promise<LoginClientSeen> {
  const inserted = await db
    .insertInto('login_clients')
    .values({ user_id: userId, agent, address_hash: addressHash, first_at: now, last_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'agent', 'address_hash']).doNothing())
    .returning('first_at')
    .execute()
  if (inserted.length === 0) {
    await db
      .updateTable('login_clients')
      .set({ last_at: now })
      .where('user_id', '=', userId)
      .where('agent', '=', agent)
      .where('address_hash', '=', addressHash)
      .execute()
    return 'known'
  }
  const other = await db
    .selectFrom('login_clients')
    .select('first_at')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('agent', '!=', agent), eb('address_hash', '!=', addressHash)]))
    .limit(1)
    .executeTakeFirst()
  return other ? 'new' : 'first'
}

/** Forgets clients not used for a login since `before`. */
export async function deleteStaleLoginClients(db: Db, before: number): Promise<number> {
  const result = await db
    .deleteFrom('login_clients')
    .where('last_at', '<', before)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Forgets addresses not used for a login since `before` (few rows: one per account and address). */
export async function deleteStaleLoginAddresses(db: Db, before: number): Promise<number> {
  const result = await db
    .deleteFrom('login_addresses')
    .where('last_ok_at', '<', before)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Holds the account's row until COMMIT (PostgreSQL; a no-op on SQLite, see forUpdate): an
 * account's vault writes then run one after another even across instances, so a check-and-set
 * on a revision and the quota check see every write before theirs.
 */
export async function lockAccount(db: Db, userId: Buffer): Promise<void> {
  await forUpdate(db.selectFrom('users').select('id').where('id', '=', userId), db).execute()
}
