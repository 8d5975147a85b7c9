/** @module The vault commands as the built CLI against a real server: a whole rotation, a share of a secret, and a session that ends. */
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_FILE } from '../session-file.ts'
import { startLive, type Live } from '../test/live.ts'
import { cleanUp } from '../test/support.ts'

const PASSWORD = 'correct horse battery staple'

let live: Live
beforeAll(async () => {
  live = await startLive()
})
afterAll(async () => {
  await live.stop()
  cleanUp()
})

describe('the vault from the terminal', () => {
  it('register → set → get → history → set --pending → promote → share PATH → open → logout → get is exit 4', async () => {
    const env = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_PASSWORD: PASSWORD }
    const ss = (args: string[], input?: string) =>
      live.ss(args, { env, ...(input !== undefined ? { input } : {}) })
    expect((await ss(['register', '--username', 'gina'])).code).toBe(0)

    // A value with a trailing newline and no terminal: stored and printed exactly.
    const v1 = 'first value ✓\n'
    const set1 = await ss(
      ['set', '/app/production/DB_PASSWORD', '--tag', 'db', '--tag', 'prod'],
      v1,
    )
    expect(set1.code).toBe(0)
    expect(set1.err).toBe('Created /app/production/DB_PASSWORD (version 1).\n')
    const get1 = await ss(['get', '/app/production/DB_PASSWORD'])
    expect(get1.code).toBe(0)
    expect(get1.out).toBe(v1)

    const v2 = 'rotated-Value-2'
    const pending = await ss(['set', '/app/production/DB_PASSWORD', '--pending'], v2)
    expect(pending.code).toBe(0)
    expect(pending.err).toContain('version 2 as pending')
    expect((await ss(['get', '/app/production/DB_PASSWORD'])).out).toBe(v1)
    expect((await ss(['get', 'DB_PASSWORD', '--stage', 'pending'])).out).toBe(v2)
    expect((await ss(['ls', '/app'])).out).toBe('/app/production/DB_PASSWORD  v1  (pending v2)\n')

    const history = await ss(['history', '/app/production/DB_PASSWORD'])
    expect(history.code).toBe(0)
    expect(history.out).toMatch(/^v2 +\S+ +pending\nv1 +\S+ +current\n$/)

    const promoted = await ss(['promote', '/app/production/DB_PASSWORD'])
    expect(promoted.err).toBe('Promoted: version 2 of /app/production/DB_PASSWORD is current.\n')
    const json = JSON.parse((await ss(['get', '/app/production/DB_PASSWORD', '--json'])).out)
    expect(json).toMatchObject({ version: 2, value: v2, tags: ['db', 'prod'] })
    expect((await ss(['get', '/app/production/DB_PASSWORD', '--stage', 'previous'])).out).toBe(v1)
    expect((await ss(['get', '/app/production/DB_PASSWORD', '--version', '1'])).out).toBe(v1)

    const shared = await ss([
      'share',
      '/app/production/DB_PASSWORD',
      '--expires',
      '5m',
      '--views',
      '1',
    ])
    expect(shared.code).toBe(0)
    expect(shared.err).toMatch(/in 5 minutes\), 1 view/)
    // Anyone with the link opens it, logged in or not.
    const opened = await live.ss(['open', shared.out, '--yes'], {
      env: { XDG_CONFIG_HOME: live.home() },
    })
    expect(opened.code).toBe(0)
    expect(opened.out).toBe(v2)

    // PATH is always a vault secret on the logged-in server: no --file, no other server.
    const withFile = await ss(['share', '/app/production/DB_PASSWORD', '--file', 'x'])
    expect(withFile.code).toBe(2)
    expect(withFile.err).toContain('give PATH or --file, not both')
    const elsewhere = await ss(['share', 'DB_PASSWORD', '--server', 'http://127.0.0.1:9'])
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.err).toContain('leave out --server')

    // A copy of the session file taken before logout opens nothing afterwards.
    const file = path.join(env.XDG_CONFIG_HOME, 'secretsentry', SESSION_FILE)
    const copy = fs.readFileSync(file)
    expect((await ss(['logout'])).code).toBe(0)
    const after = await ss(['get', '/app/production/DB_PASSWORD'])
    expect(after.code).toBe(4)
    expect(after.err).toBe('secretsentry get: not logged in: run secretsentry login\n')
    fs.writeFileSync(file, copy, { mode: 0o600 })
    const stale = await ss(['get', '/app/production/DB_PASSWORD'])
    expect(stale.code).toBe(4)
    expect(stale.err).toContain('the session has ended')
    expect(fs.existsSync(file)).toBe(false)
  })

  it('rm and restore; unknown paths are exit 3; a value that is not UTF-8, or empty, is exit 2', async () => {
    const env = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_PASSWORD: PASSWORD }
    const ss = (args: string[], input?: string | Uint8Array) =>
      live.ss(args, { env, ...(input !== undefined ? { input } : {}) })
    expect((await ss(['register', '--username', 'hank'])).code).toBe(0)
    expect((await ss(['set', 'API_TOKEN'], 'tok')).code).toBe(0)
    expect((await ss(['get', 'NOPE'])).code).toBe(3)
    expect((await ss(['promote', 'API_TOKEN'])).code).toBe(3)

    const removed = await ss(['rm', 'API_TOKEN'])
    expect(removed.code).toBe(0)
    expect(removed.err).toContain('secretsentry restore /API_TOKEN brings it back until')
    expect((await ss(['get', 'API_TOKEN'])).code).toBe(3)
    expect((await ss(['ls', '--deleted'])).out).toMatch(/^\/API_TOKEN {2}v1 {2}\(purged /)
    expect((await ss(['restore', 'API_TOKEN'])).code).toBe(0)
    expect((await ss(['get', 'API_TOKEN'])).out).toBe('tok')

    const binary = await ss(['set', 'BIN'], new Uint8Array([0xff, 0xfe]))
    expect(binary.code).toBe(2)
    expect(binary.err).toContain('not UTF-8 text')
    expect((await ss(['set', 'EMPTY'], '')).code).toBe(2)
    const both = await ss(['get', 'API_TOKEN', '--version', '1', '--stage', 'current'])
    expect(both.code).toBe(2)
    const newPending = await ss(['set', 'NEW', '--pending'], 'x')
    expect(newPending.code).toBe(2)
    expect(newPending.err).toContain('does not exist yet')
  })

  it('ls shows a name with a bidirectional override escaped, so the listing says what is there', async () => {
    const env = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_PASSWORD: PASSWORD }
    expect((await live.ss(['register', '--username', 'ivan'], { env })).code).toBe(0)
    // The keyring refuses control characters in a name; a right-to-left override is no control
    // character, and would show "evilexe.txt" for a name ending in ".exe".
    const set = await live.ss(['set', '/app/evil\u202etxt.exe'], { env, input: 'v' })
    expect(set.code).toBe(0)
    const ls = await live.ss(['ls'], { env })
    expect(ls.code).toBe(0)
    expect(ls.out).toBe('/app/evil\\u202etxt.exe  v1\n')
  })
})

describe('folders from the terminal', () => {
  it('mkdir -p → set inside → mv secret → value still opens → mv folder → rmdir refusals → mkdir --environments', async () => {
    const env = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_PASSWORD: PASSWORD }
    const ss = (args: string[], input?: string) =>
      live.ss(args, { env, ...(input !== undefined ? { input } : {}) })
    expect((await ss(['register', '--username', 'folder-fan'])).code).toBe(0)

    const noParent = await ss(['mkdir', '/app/production/database'])
    expect(noParent.code).toBe(3)
    expect(noParent.err).toContain('No folder /app')
    const made = await ss(['mkdir', '-p', '/app/production/database'])
    expect(made.code).toBe(0)
    expect(made.err).toBe(
      'Created /app/\nCreated /app/production/\nCreated /app/production/database/\n',
    )
    expect((await ss(['mkdir', '--parents', '/app/production'])).err).toBe(
      'Nothing to do: /app/production exists.\n',
    )
    expect((await ss(['mkdir', '/app'])).code).toBe(1)
    expect((await ss(['ls', '--folders'])).out).toBe(
      '/\n/app/\n/app/production/\n/app/production/database/\n',
    )

    // Stored at a path inside a folder, the secret goes in that folder.
    expect((await ss(['set', '/app/production/API_KEY'], 'k-1')).code).toBe(0)
    expect((await ss(['set', '/DB_PASSWORD'], 'p-1')).code).toBe(0)
    expect((await ss(['set', '/DB_PASSWORD'], 'p-2')).code).toBe(0)
    const moved = await ss(['mv', '/DB_PASSWORD', '/app/production/database'])
    expect(moved.code).toBe(0)
    expect(moved.err).toBe('Moved /DB_PASSWORD to /app/production/database/DB_PASSWORD.\n')
    expect((await ss(['get', '/app/production/database/DB_PASSWORD'])).out).toBe('p-2')
    expect((await ss(['get', '/app/production/database/DB_PASSWORD', '--version', '1'])).out).toBe(
      'p-1',
    )
    expect((await ss(['mv', '/NOPE', '/app'])).code).toBe(3)
    expect((await ss(['mv', '/app/production/API_KEY', '/nowhere'])).code).toBe(3)

    // A folder: into an existing folder, or renamed.
    expect((await ss(['mkdir', '/archive'])).code).toBe(0)
    expect((await ss(['mv', '/app/production', '/archive'])).err).toBe(
      'Moved /app/production/ to /archive/production/.\n',
    )
    expect((await ss(['get', '/archive/production/database/DB_PASSWORD'])).out).toBe('p-2')
    expect((await ss(['mv', '/archive/production/', '/prod'])).err).toBe(
      'Moved /archive/production/ to /prod/.\n',
    )
    const cycle = await ss(['mv', '/prod', '/prod/database'])
    expect(cycle.code).toBe(1)
    expect(cycle.err).toContain('subfolders')

    const notEmpty = await ss(['rmdir', '/prod'])
    expect(notEmpty.code).toBe(1)
    expect(notEmpty.err).toContain('1 subfolder(s), 1 secret(s)')
    expect((await ss(['rmdir', '/archive'])).code).toBe(0)
    expect((await ss(['rmdir', '/archive'])).code).toBe(3)

    const envs = await ss(['mkdir', '/shop', '--environments'])
    expect(envs.err).toBe(
      'Created /shop/\nCreated /shop/development/\nCreated /shop/production/\nCreated /shop/staging/\n',
    )
    expect((await ss(['mkdir', '/shop', '--environments'])).err).toContain('Nothing to do')
    expect((await ss(['ls', '--folders', '/shop'])).out).toBe(
      '/shop/\n/shop/development/\n/shop/production/\n/shop/staging/\n',
    )
  })
})

describe('rotation from the terminal', () => {
  it('--rotate-every on set, stale secrets marked by ls, ls --stale (and --json), the four-step rotation and a rollback', async () => {
    const env = { XDG_CONFIG_HOME: live.home(), SECRETSENTRY_PASSWORD: PASSWORD }
    const ss = (args: string[], input?: string) =>
      live.ss(args, { env, ...(input !== undefined ? { input } : {}) })
    expect((await ss(['register', '--username', 'rhea'])).code).toBe(0)
    const db = '/app/production/DB_PASSWORD'
    const created = await ss(['set', db, '--rotate-every', '30d'], 'v1')
    expect(created.code).toBe(0)
    expect(created.err).toBe(`Created ${db} (version 1, rotated every 30 days).\n`)
    expect((await ss(['set', '/app/production/API_KEY'], 'k1')).code).toBe(0)
    const fresh = (await ss(['ls', '/app'])).out.split('\n')
    expect(fresh).toContain(`${db}  v1  (rotate every 30 days)`)
    expect(fresh).toContain('/app/production/API_KEY  v1')
    expect((await ss(['ls', '--stale'])).out).toBe('')

    // 40 days later, as far as the stored versions say (the server keeps no other clock).
    const sqlite = new BetterSqlite3(path.join(live.dataDir, 'secretsentry.db'))
    try {
      sqlite.prepare('update secret_versions set created_at = created_at - ?').run(40 * 86_400_000)
    } finally {
      sqlite.close()
    }
    const aged = (await ss(['ls'])).out.split('\n')
    expect(aged).toContain(
      `${db}  v1  (rotate every 30 days)  (stale: 40 days old, interval 30 days)`,
    )
    // Without an interval the 90-day default applies: 40 days is not stale.
    expect(aged).toContain('/app/production/API_KEY  v1')
    expect((await ss(['ls', '--stale'])).out).toBe(
      `${db}  v1  (rotate every 30 days)  (stale: 40 days old, interval 30 days)\n`,
    )
    const listed = JSON.parse((await ss(['ls', '--stale', '--json'])).out)
    expect(listed).toEqual([
      {
        path: db,
        id: expect.any(String),
        version: 1,
        pending: null,
        rotationDays: 30,
        ageDays: 40,
        stale: true,
      },
    ])

    // The four steps: a pending value, the application's own test, promote; the old one stays.
    expect((await ss(['set', db, '--pending'], 'v2')).code).toBe(0)
    expect((await ss(['get', db, '--stage', 'pending'])).out).toBe('v2')
    expect((await ss(['get', db])).out).toBe('v1')
    expect((await ss(['ls', '--stale', '--json'])).out).toContain('"pending":2')
    expect((await ss(['promote', db])).code).toBe(0)
    expect((await ss(['ls', '--stale'])).out).toBe('')
    expect((await ss(['get', db])).out).toBe('v2')
    // Rollback: the previous value, stored again as a new current version.
    const previous = await ss(['get', db, '--stage', 'previous'])
    expect(previous.out).toBe('v1')
    const rolledBack = await ss(['set', db], previous.out)
    expect(rolledBack.err).toBe(`Stored ${db} version 3.\n`)
    expect((await ss(['get', db])).out).toBe('v1')

    // The interval alone, with nothing on standard input.
    const weekly = await ss(['set', '/app/production/API_KEY', '--rotate-every', '7d'], '')
    expect(weekly.code).toBe(0)
    expect(weekly.err).toBe(
      'Stored the rotation interval of /app/production/API_KEY: every 7 days.\n',
    )
    expect((await ss(['get', '/app/production/API_KEY'])).out).toBe('k1')
    expect((await ss(['ls', '--stale'])).out).toBe(
      '/app/production/API_KEY  v1  (rotate every 7 days)  (stale: 40 days old, interval 7 days)\n',
    )
    const none = await ss(['set', '/app/production/API_KEY', '--rotate-every', 'none'], '')
    expect(none.err).toBe(
      'Stored the rotation interval of /app/production/API_KEY: none (due after 90 days).\n',
    )
    expect((await ss(['ls', '--stale'])).out).toBe('')

    for (const bad of ['0d', '3651d', '30', '2w', 'soon']) {
      const res = await ss(['set', db, '--rotate-every', bad], 'x')
      expect(res.code).toBe(2)
      expect(res.err).toContain('--rotate-every must be a number of days like 30d')
    }
    const missing = await ss(['set', '/app/NEW', '--rotate-every', '30d'], '')
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('pipe its value in')
    const both = await ss(['ls', '--stale', '--deleted'])
    expect(both.code).toBe(2)
    expect((await ss(['get', db])).out).toBe('v1')
  })
})
