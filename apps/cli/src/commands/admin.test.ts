/** @module `secretsentry admin`: grant, revoke and list administrators on the server host's database. */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import BetterSqlite3 from 'better-sqlite3'
import { loadConfig } from '@secretsentry/server/config'
import { openBackend } from '@secretsentry/server/db/backend'
import { runCli } from '../cli.ts'
import type { Io } from '../io.ts'
import { cleanUp, tempDir } from '../test/support.ts'
import { memoryTerminal } from '../test/memory-terminal.ts'

afterEach(cleanUp)

function io(env: Record<string, string>) {
  let out = ''
  let err = ''
  const value: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env,
    terminal: memoryTerminal(),
  }
  return { io: value, out: () => out, err: () => err }
}

/** A data directory whose database holds one account, as a server would have left it. */
async function dataDirWith(username: string) {
  const dir = tempDir()
  const { migrateToLatest } = await import('@secretsentry/server/db/migrate')
  const backend = await openBackend({ kind: 'sqlite', file: path.join(dir, 'secretsentry.db') })
  await migrateToLatest(backend.db)
  await backend.db
    .insertInto('users')
    .values({
      id: Buffer.alloc(16, 1),
      username,
      auth_hash: 'x',
      kdf: '{}',
      salt: Buffer.alloc(16),
      wrapped_user_key: Buffer.alloc(61),
      created_at: 0,
      updated_at: 0,
    })
    .execute()
  await backend.close()
  return dir
}

const adminFlag = (dir: string) => {
  const db = new BetterSqlite3(path.join(dir, 'secretsentry.db'), { readonly: true })
  try {
    return (
      db.prepare("select admin from users where username = 'alice'").get() as { admin: number }
    ).admin
  } finally {
    db.close()
  }
}

describe('secretsentry admin', () => {
  it('grants and revokes an existing account, recorded in the admin audit as the server host', async () => {
    const dir = await dataDirWith('alice')
    const run = io({ DATA_DIR: dir })
    expect(await runCli(['admin', 'grant', 'Alice'], run.io)).toBe(0)
    expect(run.out()).toBe('Alice is an administrator\n')
    expect(adminFlag(dir)).toBe(1)
    const listed = io({ DATA_DIR: dir, ADMIN_USERS: 'carol' })
    expect(await runCli(['admin', 'list'], listed.io)).toBe(0)
    expect(listed.out()).toContain('alice  (granted)')
    expect(listed.out()).toContain('carol  (ADMIN_USERS, not registered yet')
    expect(await runCli(['admin', 'revoke', 'alice'], io({ DATA_DIR: dir }).io)).toBe(0)
    expect(adminFlag(dir)).toBe(0)
    const db = new BetterSqlite3(path.join(dir, 'secretsentry.db'), { readonly: true })
    const rows = db.prepare('select actor, action, target from admin_audit order by id').all()
    db.close()
    expect(rows).toEqual([
      { actor: 'server host', action: 'admin.granted', target: 'alice' },
      { actor: 'server host', action: 'admin.revoked', target: 'alice' },
    ])
  })

  it('refuses an unknown name (exit 1) and a wrong action (exit 2)', async () => {
    const dir = await dataDirWith('alice')
    const run = io({ DATA_DIR: dir })
    expect(await runCli(['admin', 'grant', 'mallory'], run.io)).toBe(1)
    expect(run.err()).toContain('no account is named "mallory"; register it first')
    const wrong = io({ DATA_DIR: dir })
    expect(await runCli(['admin', 'promote', 'alice'], wrong.io)).toBe(2)
    expect(await runCli(['admin', 'grant'], io({ DATA_DIR: dir }).io)).toBe(2)
    expect(loadConfig({ DATA_DIR: dir }).adminUsers).toEqual([])
  })
})
