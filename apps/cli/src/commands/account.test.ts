/** @module register / login / logout as the built CLI against a real server: the session file, the session key, and what ends them. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { newPasswordProblem } from '@secretsentry/client/password'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../cli.ts'
import type { Io } from '../io.ts'
import { KDF_FILE, SESSION_FILE } from '../session-file.ts'
import { memoryTerminal } from '../test/memory-terminal.ts'
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

function sessionKeysOnServer(): number {
  const db = new Database(path.join(live.dataDir, 'secretsentry.db'), { readonly: true })
  try {
    return (
      db.prepare('select count(*) as n from sessions where client_key is not null').get() as {
        n: number
      }
    ).n
  } finally {
    db.close()
  }
}

describe('accounts from the terminal', () => {
  it('register → logout → login: the file exists only while a session does, and holds no password', async () => {
    const home = live.home()
    const env = { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: PASSWORD }
    const reg = await live.ss(['register', '--username', 'Carol'], { env })
    expect(reg.err).toBe(`Registered and logged in as carol on ${live.url}.\n`)
    expect(reg.code).toBe(0)
    const file = path.join(home, 'secretsentry', SESSION_FILE)
    const text = fs.readFileSync(file, 'utf8')
    expect(text).not.toContain(PASSWORD)
    expect(JSON.parse(text)).toMatchObject({ server: live.url, username: 'carol' })
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const before = sessionKeysOnServer()

    const out = await live.ss(['logout'], { env })
    expect(out.code).toBe(0)
    expect(out.err).toBe(`Logged out of ${live.url}.\n`)
    expect(fs.existsSync(file)).toBe(false)
    // The server forgot the session's key with the session.
    expect(sessionKeysOnServer()).toBe(before - 1)

    const login = await live.ss(['login', '--username', 'carol'], { env })
    expect(login.code).toBe(0)
    expect(fs.existsSync(file)).toBe(true)
    // Logging in again ends the previous session first.
    const again = await live.ss(['login', '--username', 'carol'], { env })
    expect(again.code).toBe(0)
    expect(sessionKeysOnServer()).toBe(before)
  })

  it('a wrong password is exit 4; no password and no terminal is exit 2 naming the variable', async () => {
    const home = live.home()
    expect(
      (
        await live.ss(['register', '--username', 'dave'], {
          env: { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: PASSWORD },
        })
      ).code,
    ).toBe(0)
    const wrong = await live.ss(['login', '--username', 'dave'], {
      env: { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: 'not the password at all' },
    })
    expect(wrong.code).toBe(4)
    expect(wrong.err).toBe('secretsentry login: Wrong username or password\n')
    // A refused login leaves the working session alone.
    expect((await live.ss(['ls'], { env: { XDG_CONFIG_HOME: home } })).code).toBe(0)
    const none = await live.ss(['login', '--username', 'dave'], { env: { XDG_CONFIG_HOME: home } })
    expect(none.code).toBe(2)
    expect(none.err).toContain('set SECRETSENTRY_PASSWORD')
  })

  it('register obeys the web form: a short password or a bad name is exit 2, nothing sent', async () => {
    const home = live.home()
    const short = await live.ss(['register', '--username', 'erin'], {
      env: { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: 'short' },
    })
    expect(short.code).toBe(2)
    // The web form's rule and words, from the client package both take it from.
    expect(short.err).toContain(`register: the password: ${newPasswordProblem('short')}`)
    const bad = await live.ss(['register', '--username', '-x y'], {
      env: { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: PASSWORD },
    })
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('register: --username')
    expect(fs.existsSync(path.join(home, 'secretsentry', SESSION_FILE))).toBe(false)
  })

  it('logout without a session says so; with the server gone it still deletes the file (exit 1)', async () => {
    const home = live.home()
    const env = { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: PASSWORD }
    expect(await live.ss(['logout'], { env })).toMatchObject({ code: 0, err: 'Not logged in.\n' })
    expect((await live.ss(['register', '--username', 'frank'], { env })).code).toBe(0)
    const file = path.join(home, 'secretsentry', SESSION_FILE)
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
    fs.writeFileSync(file, JSON.stringify({ ...data, server: 'http://127.0.0.1:9' }), {
      mode: 0o600,
    })
    const out = await live.ss(['logout'], { env })
    expect(out.code).toBe(1)
    expect(out.err).toContain('the session file is deleted, but the server did not confirm')
    expect(fs.existsSync(file)).toBe(false)
  })

  it('a server offering weaker key derivation than last time: refused without a terminal, asked at one', async () => {
    const home = live.home()
    const env = {
      XDG_CONFIG_HOME: home,
      SECRETSENTRY_PASSWORD: PASSWORD,
      SECRETSENTRY_SERVER: live.url,
    }
    expect((await live.ss(['register', '--username', 'grace'], { env })).code).toBe(0)
    // As if the account had used stronger settings before: what the server offers now is weaker.
    const kdfFile = path.join(home, 'secretsentry', KDF_FILE)
    const remembered = JSON.parse(fs.readFileSync(kdfFile, 'utf8')) as Record<
      string,
      { memoryKiB: number; iterations: number; parallelism: number }
    >
    expect(Object.keys(remembered)).toHaveLength(1)
    const stronger = Object.fromEntries(
      Object.entries(remembered).map(([k, v]) => [k, { ...v, iterations: v.iterations + 2 }]),
    )
    fs.writeFileSync(kdfFile, JSON.stringify(stronger), { mode: 0o600 })
    const before = sessionKeysOnServer()

    // No terminal: refused, not accepted silently; nothing derived or sent, no new session, and
    // the session there was is untouched.
    const file = path.join(home, 'secretsentry', SESSION_FILE)
    const kept = fs.readFileSync(file, 'utf8')
    const scripted = await live.ss(['login', '--username', 'grace'], { env })
    expect(scripted.code).toBe(1)
    expect(scripted.err).toContain('weaker protection of your master password than last time')
    expect(scripted.err).toContain('run secretsentry login at a terminal')
    expect(fs.readFileSync(file, 'utf8')).toBe(kept)
    expect(sessionKeysOnServer()).toBe(before)

    // At a terminal: the person is asked; "no" refuses, "yes" logs in and remembers the new settings.
    const atTerminal = async (answer: string) => {
      let err = ''
      const terminal = memoryTerminal({ stdinIsTTY: true, answers: [answer] })
      const io: Io = { out: () => {}, err: (t) => void (err += t), env, terminal }
      const code = await runCli(['login', '--username', 'grace'], io)
      return { code, err, asked: terminal.asked }
    }
    const no = await atTerminal('n')
    expect(no.asked).toEqual(['Go on with the weaker settings? [y/N] '])
    expect(no.err).toContain('The server now asks for weaker key derivation')
    expect(no.code).toBe(1)
    expect(fs.readFileSync(file, 'utf8')).toBe(kept)
    expect(sessionKeysOnServer()).toBe(before)
    const yes = await atTerminal('y')
    expect(yes.code).toBe(0)
    // The new session replaced the old one, which ended on the server.
    expect(fs.readFileSync(file, 'utf8')).not.toBe(kept)
    expect(sessionKeysOnServer()).toBe(before)
    expect(JSON.parse(fs.readFileSync(kdfFile, 'utf8'))).toEqual(remembered)
  })

  it('a live session that holds no key for the file: exit 4, the useless file deleted', async () => {
    const home = live.home()
    const env = { XDG_CONFIG_HOME: home, SECRETSENTRY_PASSWORD: PASSWORD }
    expect((await live.ss(['register', '--username', 'heidi'], { env })).code).toBe(0)
    const file = path.join(home, 'secretsentry', SESSION_FILE)
    const { token } = JSON.parse(fs.readFileSync(file, 'utf8')) as { token: string }
    const db = new Database(path.join(live.dataDir, 'secretsentry.db'))
    try {
      const hash = crypto.createHash('sha256').update(Buffer.from(token, 'base64url')).digest()
      const changed = db
        .prepare('update sessions set client_key = null where token_hash = ?')
        .run(hash).changes
      expect(changed).toBe(1)
    } finally {
      db.close()
    }
    const ls = await live.ss(['ls'], { env })
    expect(ls.code).toBe(4)
    expect(ls.err).toBe(
      'secretsentry ls: the session has ended (logged out, expired, or the password changed): run secretsentry login\n',
    )
    expect(fs.existsSync(file)).toBe(false)
  })
})
