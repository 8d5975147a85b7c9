/** @module Service token queries (issue 11): tokens, their grants, and the rows a token may be served; plain functions taking `db` (or a transaction) first. */
import { type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely'
import type { Database, ServiceTokenTable, TokenGrantTable } from '../db/database.ts'

type Db = Kysely<Database>
export type TokenRow = Selectable<ServiceTokenTable>
export type GrantRow = Selectable<TokenGrantTable>

/** The token and whether its account is disabled: the one read every token request makes. */
export async function findTokenForAuth(db: Db, id: Buffer) {
  return db
    .selectFrom('service_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('t')
    .select('u.disabled_at')
    .where('t.id', '=', id)
    .executeTakeFirst()
}

export async function findToken(db: Db, id: Buffer): Promise<TokenRow | undefined> {
  return db.selectFrom('service_tokens').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listTokens(db: Db, userId: Buffer): Promise<TokenRow[]> {
  return db
    .selectFrom('service_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute()
}

export async function insertToken(db: Db, row: Insertable<ServiceTokenTable>): Promise<void> {
  await db.insertInto('service_tokens').values(row).execute()
}

export async function updateToken(
  db: Db,
  id: Buffer,
  set: Updateable<ServiceTokenTable>,
): Promise<void> {
  await db.updateTable('service_tokens').set(set).where('id', '=', id).execute()
}

/** Tokens of the account neither revoked nor expired that carry `name`. */
export async function liveTokensNamed(
  db: Db,
  userId: Buffer,
  name: string,
  now: number,
): Promise<number> {
  const row = await db
    .selectFrom('service_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** Tokens of the account not revoked (expired ones included: they can still be revoked). */
export async function unrevokedTokens(db: Db, userId: Buffer): Promise<number> {
  const row = await db
    .selectFrom('service_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export async function insertGrants(db: Db, rows: Insertable<TokenGrantTable>[]): Promise<void> {
  if (rows.length === 0) return
  await db.insertInto('token_grants').values(rows).execute()
}

/** Adds grants; a folder the token already holds a grant for keeps it. Returns how many were new. */
export async function addGrants(db: Db, rows: Insertable<TokenGrantTable>[]): Promise<number> {
  let added = 0
  for (const row of rows) {
    const result = await db
      .insertInto('token_grants')
      .values(row)
      .onConflict((oc) => oc.columns(['token_id', 'folder_id']).doNothing())
      .executeTakeFirst()
    added += Number(result.numInsertedOrUpdatedRows ?? 0)
  }
  return added
}

export async function grantsOf(db: Db, tokenId: Buffer): Promise<GrantRow[]> {
  return db.selectFrom('token_grants').selectAll().where('token_id', '=', tokenId).execute()
}

/** Every grant of every token of an account (for the owner's list). */
export async function grantsOfAccount(
  db: Db,
  userId: Buffer,
): Promise<{ token_id: Buffer; folder_id: Buffer; role: GrantRow['role'] }[]> {
  return db
    .selectFrom('token_grants as g')
    .innerJoin('service_tokens as t', 't.id', 'g.token_id')
    .select(['g.token_id', 'g.folder_id', 'g.role'])
    .where('t.user_id', '=', userId)
    .execute()
}

export async function deleteGrants(db: Db, tokenId: Buffer): Promise<void> {
  await db.deleteFrom('token_grants').where('token_id', '=', tokenId).execute()
}

/** The rows of the given folders a token is sent: id, sealed metadata and revision, nothing else. */
export async function foldersByIds(db: Db, ids: Buffer[]) {
  if (ids.length === 0) return []
  return db
    .selectFrom('folders')
    .select(['id', 'meta', 'revision'])
    .where('id', 'in', ids)
    .orderBy('created_at')
    .execute()
}

/** Live secrets of the given folders, oldest first. */
export async function secretsInFolders(db: Db, folderIds: Buffer[]) {
  if (folderIds.length === 0) return []
  return db
    .selectFrom('secrets')
    .selectAll()
    .where('folder_id', 'in', folderIds)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute()
}

/**
 * The staged versions of the live secrets of the given folders: the current one, and with
 * `anyStage` the pending and previous ones too, in one query whatever the number of secrets.
 */
export async function stagedValues(db: Db, folderIds: Buffer[], anyStage: boolean) {
  if (folderIds.length === 0) return []
  return db
    .selectFrom('secret_versions as v')
    .innerJoin('secrets as s', 's.id', 'v.secret_id')
    .select(['v.secret_id', 'v.version', 'v.wrapped_key', 'v.ciphertext', 'v.created_at'])
    .where('s.folder_id', 'in', folderIds)
    .where('s.deleted_at', 'is', null)
    .where((eb) =>
      anyStage
        ? eb.or([
            eb('v.version', '=', eb.ref('s.current_version')),
            eb('v.version', '=', eb.ref('s.pending_version')),
            eb('v.version', '=', eb.ref('s.previous_version')),
          ])
        : eb('v.version', '=', eb.ref('s.current_version')),
    )
    .orderBy('v.version')
    .execute()
}

/** At most one write a minute per token and client: last use need not be exact to the second. */
export async function touchToken(
  db: Db,
  id: Buffer,
  at: number,
  clientHash: string,
): Promise<void> {
  await db
    .updateTable('service_tokens')
    .set({ last_used_at: at, last_used_client: clientHash })
    .where('id', '=', id)
    .execute()
}

/**
 * Remembers that a token was used from `addressHash`: 'first' for the token's first address,
 * 'new' for another one, 'known' for one seen before. The insert decides, so two instances that
 * see one new address at once raise one alert.
 */
export async function recordTokenClient(
  db: Db,
  tokenId: Buffer,
  addressHash: string,
  now: number,
): Promise<'first' | 'new' | 'known'> {
  const inserted = await db
    .insertInto('token_clients')
    .values({ token_id: tokenId, address_hash: addressHash, first_at: now })
    .onConflict((oc) => oc.columns(['token_id', 'address_hash']).doNothing())
    .returning('first_at')
    .execute()
  if (inserted.length === 0) return 'known'
  const other = await db
    .selectFrom('token_clients')
    .select('first_at')
    .where('token_id', '=', tokenId)
    .where('address_hash', '!=', addressHash)
    .limit(1)
    .executeTakeFirst()
  return other ? 'new' : 'first'
}
