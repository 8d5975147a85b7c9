/**
 * @module `secretsentry admin grant|revoke|list` on the server host: the bootstrap of the first
 * administrator without ADMIN_USERS. It works on the database directly (like backup and
 * migrate-data): whoever can run it there can read the database anyway, so it asks for no session.
 */
import path from 'node:path'
import type { Config } from '../config.ts'
import { normalizeUsername } from '../config.ts'
import { openBackend, type Backend } from '../db/backend.ts'
import type { NativeAddon } from '../db/database.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { DATABASE_FILE } from '../server.ts'
import { listAccounts } from './admin.queries.ts'
import { adminVia, setGrantedAdmin } from './admin.service.ts'

async function open(config: Config, nativeBinding?: NativeAddon): Promise<Backend> {
  const backend = config.databaseUrl
    ? await openBackend({ kind: 'postgres', url: config.databaseUrl, check: true, max: 1 })
    : await openBackend({
        kind: 'sqlite',
        file: path.join(config.dataDir, DATABASE_FILE),
        ...(nativeBinding ? { nativeBinding } : {}),
      })
  try {
    // A database the server has not started on yet gets its tables first, as a start would.
    await migrateToLatest(backend.db)
  } catch (err) {
    await backend.close()
    throw err
  }
  return backend
}

/** Grants (or revokes) administrator rights; false when no account has that name. */
export async function hostSetAdmin(
  config: Config,
  name: string,
  admin: boolean,
  nativeBinding?: NativeAddon,
): Promise<boolean> {
  const backend = await open(config, nativeBinding)
  try {
    return await setGrantedAdmin(backend.db, normalizeUsername(name), admin, Date.now())
  } finally {
    await backend.close()
  }
}

/** The administrators and why: ADMIN_USERS (registered or not) and grants. */
export async function hostListAdmins(
  config: Config,
  nativeBinding?: NativeAddon,
): Promise<{ username: string; via: 'setting' | 'granted' | 'not registered' | 'disabled' }[]> {
  const backend = await open(config, nativeBinding)
  try {
    const accounts = await listAccounts(backend.db)
    const out: { username: string; via: 'setting' | 'granted' | 'not registered' | 'disabled' }[] =
      []
    for (const a of accounts) {
      const via = adminVia(a, config.adminUsers)
      if (via) out.push({ username: a.username, via })
      else if (a.disabled_at !== null && (a.admin === 1 || config.adminUsers.includes(a.username)))
        out.push({ username: a.username, via: 'disabled' })
    }
    for (const name of config.adminUsers) {
      if (!accounts.some((a) => a.username === name))
        out.push({ username: name, via: 'not registered' })
    }
    return out
  } finally {
    await backend.close()
  }
}
