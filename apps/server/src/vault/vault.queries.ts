/** @module Vault queries (folders, secrets, versions, vault shares): plain functions taking `db` (or a transaction) first. */
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely'
import type {
  Database,
  FolderTable,
  SecretTable,
  SecretVersionTable,
  VaultShareTable,
} from '../db/database.ts'
import { skipLocked } from '../db/dialect.ts'
import { prepared } from '../db/prepared.ts'

type Db = Kysely<Database>
export type FolderRow = Selectable<FolderTable>
export type SecretRow = Selectable<SecretTable>
export interface VersionInfo {
  secret_id: Buffer
  version: number
  size: number
  restored_from: number | null
  created_at: number
}

// ── Folders ─────────────────────────────────────────────────────────────────

export async function findFolder(db: Db, id: Buffer): Promise<{ user_id: Buffer } | undefined> {
  return db.selectFrom('folders').select('user_id').where('id', '=', id).executeTakeFirst()
}

export async function findFolderRow(db: Db, id: Buffer): Promise<FolderRow | undefined> {
  return db.selectFrom('folders').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Every folder of an account as (id, parent): enough to walk the tree without reading metadata. */
export async function folderParents(
  db: Db,
  userId: Buffer,
): Promise<{ id: Buffer; parent_id: Buffer | null }[]> {
  return db
    .selectFrom('folders')
    .select(['id', 'parent_id'])
    .where('user_id', '=', userId)
    .execute()
}

export async function updateFolder(
  db: Db,
  id: Buffer,
  set: Updateable<FolderTable>,
): Promise<void> {
  await db.updateTable('folders').set(set).where('id', '=', id).execute()
}

export async function deleteFolder(db: Db, id: Buffer): Promise<void> {
  await db.deleteFrom('folders').where('id', '=', id).execute()
}

/** What keeps a folder from being deleted: subfolders, live secrets, deleted secrets not yet purged. */
export async function folderContents(db: Db, id: Buffer) {
  const { rows } = await sql<{ folders: number; live: number; deleted: number }>`
    select
      (select count(*) from folders where parent_id = ${id}) as folders,
      (select count(*) from secrets where folder_id = ${id} and deleted_at is null) as live,
      (select count(*) from secrets where folder_id = ${id} and deleted_at is not null) as deleted
  `.execute(db)
  const r = rows[0]
  return {
    folders: Number(r?.folders ?? 0),
    live: Number(r?.live ?? 0),
    deleted: Number(r?.deleted ?? 0),
  }
}

export async function setVersionWrappedKey(
  db: Db,
  secretId: Buffer,
  version: number,
  wrappedKey: Buffer,
): Promise<void> {
  await db
    .updateTable('secret_versions')
    .set({ wrapped_key: wrappedKey })
    .where('secret_id', '=', secretId)
    .where('version', '=', version)
    .execute()
}

export async function wrappedKeys(db: Db, secretId: Buffer) {
  return db
    .selectFrom('secret_versions')
    .select(['version', 'wrapped_key'])
    .where('secret_id', '=', secretId)
    .orderBy('version')
    .execute()
}

export async function versionNumbers(db: Db, secretId: Buffer): Promise<number[]> {
  const rows = await db
    .selectFrom('secret_versions')
    .select('version')
    .where('secret_id', '=', secretId)
    .orderBy('version')
    .execute()
  return rows.map((r) => Number(r.version))
}

export async function insertFolder(db: Db, row: Insertable<FolderTable>): Promise<void> {
  await db.insertInto('folders').values(row).execute()
}

export async function listFolders(db: Db, userId: Buffer): Promise<FolderRow[]> {
  return db
    .selectFrom('folders')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute()
}

// ── Secrets and versions ────────────────────────────────────────────────────

export async function findSecret(db: Db, id: Buffer): Promise<SecretRow | undefined> {
  return db.selectFrom('secrets').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function insertSecret(db: Db, row: Insertable<SecretTable>): Promise<void> {
  await db.insertInto('secrets').values(row).execute()
}

export async function updateSecret(
  db: Db,
  id: Buffer,
  set: Updateable<SecretTable>,
): Promise<void> {
  await db.updateTable('secrets').set(set).where('id', '=', id).execute()
}

export async function deleteSecret(db: Db, id: Buffer): Promise<void> {
  // secret_versions and vault_shares go with it (ON DELETE CASCADE; secure_delete overwrites).
  await db.deleteFrom('secrets').where('id', '=', id).execute()
}

export async function insertVersion(db: Db, row: Insertable<SecretVersionTable>): Promise<void> {
  await db.insertInto('secret_versions').values(row).execute()
}

/** Live (`deleted` false) or deleted secrets of an account, oldest first. */
export async function listSecrets(db: Db, userId: Buffer, deleted: boolean): Promise<SecretRow[]> {
  return db
    .selectFrom('secrets')
    .selectAll()
    .where('user_id', '=', userId)
    .where('deleted_at', deleted ? 'is not' : 'is', null)
    .orderBy('created_at')
    .execute()
}

const versionInfoColumns = [
  'v.secret_id',
  'v.version',
  sql<number>`length(v.ciphertext)`.as('size'),
  'v.restored_from',
  'v.created_at',
] as const

/** Version metadata (never wrapped keys or ciphertext) of one secret. */
export async function versionInfo(db: Db, secretId: Buffer): Promise<VersionInfo[]> {
  return db
    .selectFrom('secret_versions as v')
    .select(versionInfoColumns)
    .where('v.secret_id', '=', secretId)
    .orderBy('v.version')
    .execute()
}

/** Version metadata of every live or deleted secret of an account, in one query. */
export async function versionInfoOfAccount(
  db: Db,
  userId: Buffer,
  deleted: boolean,
): Promise<VersionInfo[]> {
  return db
    .selectFrom('secret_versions as v')
    .innerJoin('secrets as s', 's.id', 'v.secret_id')
    .select(versionInfoColumns)
    .where('s.user_id', '=', userId)
    .where('s.deleted_at', deleted ? 'is not' : 'is', null)
    .orderBy('v.version')
    .execute()
}

export async function findVersion(db: Db, secretId: Buffer, version: number) {
  return db
    .selectFrom('secret_versions')
    .select(['version', 'wrapped_key', 'ciphertext', 'created_at'])
    .where('secret_id', '=', secretId)
    .where('version', '=', version)
    .executeTakeFirst()
}

/** Secrets whose recovery window has passed, oldest deadline first. */
export async function dueForPurge(db: Db, now: number, limit: number) {
  return skipLocked(
    db
      .selectFrom('secrets')
      .select(['id', 'user_id'])
      .where('purge_at', 'is not', null)
      .where('purge_at', '<=', now)
      .orderBy('purge_at')
      .limit(limit),
    db,
  ).execute()
}

// ── Shares made from secrets ────────────────────────────────────────────────

export async function insertVaultShare(
  db: Db,
  row: Omit<Insertable<VaultShareTable>, 'opened_at'>,
): Promise<void> {
  await db.insertInto('vault_shares').values(row).execute()
}

/** The secret's shares with the live share row's counters, or its receipt, while either exists. */
export async function listVaultShares(db: Db, secretId: Buffer) {
  return db
    .selectFrom('vault_shares as vs')
    .leftJoin('shares as s', 's.id', 'vs.share_id')
    .leftJoin('share_tombstones as t', 't.id', 'vs.share_id')
    .select([
      't.how',
      't.ended_at',
      'vs.share_id',
      'vs.version',
      'vs.created_at',
      'vs.expires_at',
      'vs.max_views',
      'vs.revoked_at',
      'vs.opened_at',
      's.views_left',
    ])
    .where('vs.secret_id', '=', secretId)
    .orderBy('vs.created_at', 'desc')
    .execute()
}

// These two run on every share open (most shares are not from the vault and match nothing), so
// they are compiled once, like the share queries: building a Kysely query costs more than running it.
const findVaultShareQuery = prepared((db: Db, a: { shareId: Buffer }) =>
  db
    .selectFrom('vault_shares')
    .select(['secret_id', 'user_id', 'revoked_at'])
    .where('share_id', '=', a.shareId),
)

export async function findVaultShare(db: Db, shareId: Buffer) {
  const { rows } = await findVaultShareQuery(db, { shareId })
  return rows[0]
}

const recordOpenQuery = prepared((db: Db, a: { shareId: Buffer; entry: string }) =>
  db
    .updateTable('vault_shares')
    .set((eb) => ({ opened_at: sql<string>`${eb.ref('opened_at')} || ${a.entry}` }))
    .where('share_id', '=', a.shareId)
    .returning(['user_id', 'secret_id']),
)

/** Appends an open time; returns the owner when `shareId` was made from a secret. */
export async function recordVaultShareOpen(db: Db, shareId: Buffer, now: number) {
  const { rows } = await recordOpenQuery(db, { shareId, entry: `${now},` })
  return rows[0]
}

export async function markVaultShareRevoked(db: Db, shareId: Buffer, now: number) {
  return db
    .updateTable('vault_shares')
    .set({ revoked_at: now })
    .where('share_id', '=', shareId)
    .where('revoked_at', 'is', null)
    .returning(['user_id', 'secret_id'])
    .executeTakeFirst()
}

/** Shares of a secret not yet revoked whose share row still lives. */
export async function liveShareIds(db: Db, secretId: Buffer): Promise<Buffer[]> {
  const rows = await db
    .selectFrom('vault_shares as vs')
    .innerJoin('shares as s', 's.id', 'vs.share_id')
    .select('vs.share_id')
    .where('vs.secret_id', '=', secretId)
    .where('vs.revoked_at', 'is', null)
    .execute()
  return rows.map((r) => r.share_id)
}

// ── Storage quota ───────────────────────────────────────────────────────────

/**
 * Bytes an account stores, as VAULT_QUOTA_BYTES counts them: ciphertext and wrapped key of
 * every version (of deleted secrets too, until purged), secret metadata, folder keys and
 * metadata. length() of a blob reads its size, not its content.
 */
export async function storedBytes(db: Db, userId: Buffer): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select
      (select coalesce(sum(length(v.ciphertext) + length(v.wrapped_key)), 0)
         from secret_versions v join secrets s on s.id = v.secret_id
        where s.user_id = ${userId})
      + (select coalesce(sum(length(meta)), 0) from secrets where user_id = ${userId})
      + (select coalesce(sum(length(meta) + length(wrapped_key)), 0) from folders where user_id = ${userId})
      as n
  `.execute(db)
  return Number(rows[0]?.n ?? 0)
}
