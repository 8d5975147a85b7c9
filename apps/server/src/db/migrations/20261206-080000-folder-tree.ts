/** @module Migration: folders form a tree of ids, and a folder has a revision for check-and-set renames and moves (issue 11; frozen in time, so `Kysely<any>`). */
import type { Kysely } from 'kysely'
import { columnTypes } from '../dialect.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not follow today's types
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  // Existing folders become top-level folders at revision 1. parent_id has no foreign key: a
  // self-reference would make migrate-data's copy (rows in id order) depend on the tree's shape.
  // The service checks the parent exists and is the caller's, and refuses to delete a folder
  // with subfolders, inside the account's locked write.
  await db.schema.alterTable('folders').addColumn('parent_id', t.blob).execute()
  await db.schema
    .alterTable('folders')
    .addColumn('revision', t.integer, (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema.createIndex('folders_parent').on('folders').column('parent_id').execute()
  await db.schema.createIndex('secrets_folder').on('secrets').column('folder_id').execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('secrets_folder').execute()
  await db.schema.dropIndex('folders_parent').execute()
  await db.schema.alterTable('folders').dropColumn('revision').execute()
  await db.schema.alterTable('folders').dropColumn('parent_id').execute()
}
