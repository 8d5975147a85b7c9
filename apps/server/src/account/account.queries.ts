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
