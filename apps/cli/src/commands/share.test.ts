/** @module share / open / status / delete: the flag checks in-process, then the built CLI as a process against a real server. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShareClient } from '@secretsentry/client/share'
import { UsageError } from '../args.ts'
import { startLive, type Live } from '../test/live.ts'
import { cleanUp, CONTROL_EXCEPT_NEWLINE, tempDir } from '../test/support.ts'
import { parseExpires, parseViews, recordFromStdin, safeFileName } from './share.ts'

describe('share flags and input', () => {
  it.each([
    ['5m', 300],
    ['1h', 3600],
    ['3d', 259200],
    ['30d', 2592000],
    ['90m', 5400],
  ])('--expires %s is %i seconds', (text, seconds) => {
    expect(parseExpires(text)).toBe(seconds)
  })

  it.each(['4m', '31d', '1w', '', '1.5h', '-1h', 'h'])(
    '--expires %j is refused, naming the flag',
    (text) => {
      expect(() => parseExpires(text)).toThrow(UsageError)
      expect(() => parseExpires(text)).toThrow('share: --expires must be a duration from 5m to 30d')
    },
  )

  it('--views takes 1 to 100', () => {
    expect(parseViews('1')).toBe(1)
    expect(parseViews('100')).toBe(100)
    for (const bad of ['0', '101', 'two', '1.5']) {
      expect(() => parseViews(bad)).toThrow('share: --views must be a whole number from 1 to 100')
    }
  })

  it('standard input is text when it is UTF-8, else a file, so every byte survives', () => {
    expect(recordFromStdin(new TextEncoder().encode('pässword\n'))).toEqual({
      kind: 'text',
      text: 'pässword\n',
    })
    const binary = new Uint8Array([0xff, 0x00, 0x80])
    expect(recordFromStdin(binary)).toMatchObject({ kind: 'file', name: 'stdin.bin', data: binary })
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61])
    expect(recordFromStdin(bom)).toMatchObject({ kind: 'file', data: bom })
  })

  it('a sender file name is used only when it is a plain name', () => {
    expect(safeFileName('report.pdf')).toBe(true)
    expect(safeFileName('..hidden')).toBe(true)
    expect(safeFileName('.env')).toBe(true)
    expect(safeFileName('console.log')).toBe(true)
    expect(safeFileName('ünïcode name.txt')).toBe(true)
    const refused = [
      ...['', '.', '..', '../x', 'a/b', '/etc/passwd', 'a\\b', 'x\0y'],
      // Control characters (a terminal escape, a newline), Windows devices and forbidden or
      // silently stripped characters, and a name too long for any file system.
      ...['\x1b]0;pwned\x07.txt', 'a\nb', 'x\x9b31m', 'CON', 'nul.txt', 'Com1.log', 'a:b'],
      ...['a?b', 'trailing.', 'trailing ', `${'x'.repeat(256)}`],
    ]
    for (const bad of refused) {
      expect(safeFileName(bad)).toBe(false)
    }
  })
})

describe('the CLI against a real server', () => {
  let live: Live
  beforeAll(async () => {
    live = await startLive()
  })
  afterAll(async () => {
    await live.stop()
    cleanUp()
  })

  it('share → open: the text byte for byte, the link alone on stdout, then the link is used up (exit 3)', async () => {
    const secret = 'line one\nline two — ünïcode, no final newline'
    const made = await live.ss(['share', '--expires', '1h', '--views', '1'], { input: secret })
    expect(made.err).not.toContain(secret)
    expect(made.code).toBe(0)
    expect(made.out).toMatch(new RegExp(`^${live.url}/s#[A-Za-z0-9._-]+$`))
    expect(made.err).toMatch(/expires .* \(in 1 hour\), 1 view/)

    const refused = await live.ss(['open', made.out])
    expect(refused.code).toBe(2)
    expect(refused.err).toContain('opening consumes one view of the link; add --yes')

    const opened = await live.ss(['open', made.out, '--yes'])
    expect(opened.code).toBe(0)
    expect(Buffer.from(opened.outBytes).toString()).toBe(secret)
    expect(opened.err).toContain('0 views left')

    const again = await live.ss(['open', made.out, '--yes'])
    expect(again.code).toBe(3)
    expect(again.err).toBe(
      'secretsentry open: This share does not exist, has expired or has been used up\n',
    )
  })

  it('binary standard input round-trips byte for byte (--output - writes it to stdout)', async () => {
    const bytes = crypto.randomBytes(3000)
    bytes[0] = 0xff // never valid UTF-8
    const made = await live.ss(['share'], { input: bytes })
    expect(made.code).toBe(0)
    const opened = await live.ss(['open', made.out, '--yes', '--output', '-'])
    expect(opened.code).toBe(0)
    expect(Buffer.from(opened.outBytes).equals(bytes)).toBe(true)
  })

  it('--json prints {link, id, expiresAt, manageToken, label}; status and delete use the token', async () => {
    const made = await live.ss(['share', '--json', '--views', '3', '--label', 'for Ana'], {
      input: 's3cret',
    })
    expect(made.code).toBe(0)
    const json = JSON.parse(made.out) as Record<string, string>
    expect(Object.keys(json).sort()).toEqual(['expiresAt', 'id', 'label', 'link', 'manageToken'])
    expect(json['label']).toBe('for Ana')

    const wrongToken = await live.ss(['status', json['id'] as string, '--token', 'x'.repeat(43)])
    expect(wrongToken.code).toBe(4)
    const status = await live.ss([
      'status',
      json['link'] as string,
      '--token',
      json['manageToken'] as string,
    ])
    expect(status.code).toBe(0)
    expect(status.out).toMatch(/^state +live$/m)
    expect(status.out).toMatch(/^views left +3 of 3$/m)
    expect(status.out).toMatch(/^opened +never$/m)

    expect((await live.ss(['open', json['link'] as string, '--yes'])).code).toBe(0)
    const after = await live.ss([
      'status',
      json['id'] as string,
      '--token',
      json['manageToken'] as string,
      '--json',
    ])
    expect(JSON.parse(after.out)).toMatchObject({ viewsLeft: 2, maxViews: 3 })

    const noToken = await live.ss(['delete', json['id'] as string])
    expect(noToken.code).toBe(2)
    expect(noToken.err).toContain('delete: missing --token MANAGE_TOKEN')
    const deleted = await live.ss([
      'delete',
      json['id'] as string,
      '--token',
      json['manageToken'] as string,
    ])
    expect(deleted.code).toBe(0)
    expect((await live.ss(['open', json['link'] as string, '--yes'])).code).toBe(3)
    const receipt = await live.ss([
      'status',
      json['id'] as string,
      '--token',
      json['manageToken'] as string,
    ])
    expect(receipt.code).toBe(0)
    expect(receipt.out).toMatch(/^state +deleted \(\d{4}-\d\d-\d\dT[^)]+Z\)$/m)
    expect(receipt.out).toMatch(/^views left +0 of 3$/m)
    expect(receipt.out).toMatch(/^opened +\d{4}-\d\d-\d\dT\S+Z$/m)
    const twice = await live.ss([
      'delete',
      json['id'] as string,
      '--token',
      json['manageToken'] as string,
    ])
    expect(twice.code).toBe(3)
  })

  it('passphrase: wrong says the attempts left (exit 4), right opens; none and no terminal is exit 2', async () => {
    const made = await live.ss(['share', '--passphrase'], {
      input: 'behind a passphrase',
      env: { SECRETSENTRY_PASSPHRASE: 'correct horse' },
    })
    expect(made.code).toBe(0)
    // No terminal and no --yes: refused before anything is asked or fetched.
    const unasked = await live.ss(['open', made.out], {
      env: { SECRETSENTRY_PASSPHRASE: 'correct horse' },
    })
    expect(unasked.code).toBe(2)
    expect(unasked.err).toContain('add --yes')
    const none = await live.ss(['open', made.out, '--yes'])
    expect(none.code).toBe(2)
    expect(none.err).toContain('this link needs its passphrase')
    const wrong = await live.ss(['open', made.out, '--yes'], {
      env: { SECRETSENTRY_PASSPHRASE: 'battery staple' },
    })
    expect(wrong.code).toBe(4)
    expect(wrong.err).toBe(
      'secretsentry open: wrong passphrase: 4 attempts left before the link is destroyed\n',
    )
    const right = await live.ss(['open', made.out, '--yes'], {
      env: { SECRETSENTRY_PASSPHRASE: 'correct horse' },
    })
    expect(right.code).toBe(0)
    expect(right.out).toBe('behind a passphrase')

    const noPassphrase = await live.ss(['share', '--passphrase'], { input: 'x' })
    expect(noPassphrase.code).toBe(2)
    expect(noPassphrase.err).toContain('SECRETSENTRY_PASSPHRASE')
  })

  it('files: saved under their own name, never replacing one, and --output with --force', async () => {
    const src = tempDir()
    const data = crypto.randomBytes(5000)
    fs.writeFileSync(path.join(src, 'key.pem'), data)
    const made = await live.ss(['share', '--file', 'key.pem', '--views', '3'], { cwd: src })
    expect(made.code).toBe(0)

    const dest = tempDir()
    const first = await live.ss(['open', made.out, '--yes'], { cwd: dest })
    expect(first.code).toBe(0)
    expect(first.out).toBe('')
    expect(fs.readFileSync(path.join(dest, 'key.pem')).equals(data)).toBe(true)
    expect(fs.statSync(path.join(dest, 'key.pem')).mode & 0o777).toBe(0o600)

    // The name is taken: not replaced, the file goes to a fresh name (the view is spent).
    fs.writeFileSync(path.join(dest, 'key.pem'), 'mine')
    const second = await live.ss(['open', made.out, '--yes'], { cwd: dest })
    expect(second.code).toBe(0)
    expect(second.err).toContain('key.pem exists and --force was not given: not replaced')
    expect(fs.readFileSync(path.join(dest, 'key.pem'), 'utf8')).toBe('mine')
    const fresh = /Wrote it to (\S+) instead/.exec(second.err)?.[1] as string
    expect(fs.readFileSync(path.join(dest, fresh)).equals(data)).toBe(true)

    // --output naming an existing file is refused before any view is spent.
    const refused = await live.ss(['open', made.out, '--yes', '--output', 'key.pem'], { cwd: dest })
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('key.pem exists; add --force to replace it')
    const forced = await live.ss(['open', made.out, '--yes', '--output', 'key.pem', '--force'], {
      cwd: dest,
    })
    expect(forced.code).toBe(0)
    expect(fs.readFileSync(path.join(dest, 'key.pem')).equals(data)).toBe(true)
    expect((await live.ss(['open', made.out, '--yes'], { cwd: dest })).code).toBe(3)
  })

  it('--output at a symbolic link: refused before the view is spent, and --force replaces the link, never its target', async () => {
    const made = await live.ss(['share', '--views', '2'], { input: 'the secret' })
    const dest = tempDir()
    const theirs = path.join(tempDir(), 'theirs.txt')
    fs.writeFileSync(theirs, 'not yours to overwrite')
    fs.symlinkSync(theirs, path.join(dest, 'out.txt'))
    fs.symlinkSync(path.join(dest, 'nowhere'), path.join(dest, 'dangling.txt'))
    for (const name of ['out.txt', 'dangling.txt']) {
      const refused = await live.ss(['open', made.out, '--yes', '--output', name], { cwd: dest })
      expect(refused.code).toBe(1)
      expect(refused.err).toContain(`${name} exists; add --force to replace it`)
    }
    const forced = await live.ss(['open', made.out, '--yes', '--output', 'out.txt', '--force'], {
      cwd: dest,
    })
    expect(forced.code).toBe(0)
    expect(fs.readFileSync(theirs, 'utf8')).toBe('not yours to overwrite')
    expect(fs.lstatSync(path.join(dest, 'out.txt')).isSymbolicLink()).toBe(false)
    expect(fs.readFileSync(path.join(dest, 'out.txt'), 'utf8')).toBe('the secret')
    // The refusals spent nothing: one view is left.
    expect((await live.ss(['open', made.out, '--yes'])).out).toBe('the secret')
  })

  it("open - takes the link from standard input, so the key is never in the process's arguments", async () => {
    const made = await live.ss(['share'], { input: 'piped secret' })
    const opened = await live.ss(['open', '-', '--yes'], { input: `${made.out}\n` })
    expect(opened.code).toBe(0)
    expect(opened.out).toBe('piped secret')
    const empty = await live.ss(['open', '-', '--yes'], { input: '' })
    expect(empty.code).toBe(2)
    expect(empty.err).toContain('open: no link on standard input')
  })

  it('a link with a key in its query string, or a broken one, is refused before any request (exit 2)', async () => {
    const made = await live.ss(['share'], { input: 'x' })
    const fragment = made.out.split('#')[1] as string
    const query = await live.ss(['open', `${live.url}/s?k=${fragment}`, '--yes'])
    expect(query.code).toBe(2)
    expect(query.err).toContain('query string')
    expect((await live.ss(['open', `${live.url}/s#nonsense`, '--yes'])).code).toBe(2)
    // Still unopened.
    expect((await live.ss(['open', made.out, '--yes'])).out).toBe('x')
  })

  it("a sender's file name with a terminal escape in it is refused and never printed raw", async () => {
    const evil = 'report\x1b]0;pwned\x07\x1b[2J.txt'
    const data = new Uint8Array(crypto.randomBytes(64))
    const made = await createShareClient({ origin: live.url, fetch }).create(
      { kind: 'file', name: evil, type: 'text/plain', data },
      { ttlSeconds: 3600, maxViews: 2 },
    )
    const dest = tempDir()
    const opened = await live.ss(['open', made.link, '--yes'], { cwd: dest })
    expect(opened.code).toBe(0)
    expect(opened.err).not.toMatch(CONTROL_EXCEPT_NEWLINE)
    expect(opened.err).toContain('report\\u001b]0;pwned\\u0007')
    expect(opened.err).toContain('is not a plain file name: refused')
    const files = fs.readdirSync(dest)
    expect(files).toEqual([expect.stringMatching(/^secretsentry-[A-Za-z0-9]{8}-1\.bin$/)])
    expect(fs.readFileSync(path.join(dest, files[0] as string)).equals(data)).toBe(true)
    // Written to standard output on request, the name in the message is made harmless too.
    const piped = await live.ss(['open', made.link, '--yes', '--output', '-'], { cwd: dest })
    expect(piped.code).toBe(0)
    expect(Buffer.from(piped.outBytes).equals(data)).toBe(true)
    expect(piped.err).not.toContain('\x1b')
  })

  it('a whole link and a different --server: refused before anything is fetched (exit 2)', async () => {
    const made = await live.ss(['share'], { input: 'x' })
    const other = await live.ss(['open', made.out, '--yes', '--server', 'http://127.0.0.1:9'])
    expect(other.code).toBe(2)
    expect(other.err).toContain(
      `open: the link is for ${live.url}, not --server http://127.0.0.1:9`,
    )
    // status and delete likewise: the manage token goes to the link's server or nowhere.
    const json = await live.ss(['share', '--json'], { input: 'y' })
    const { link, manageToken } = JSON.parse(json.out) as { link: string; manageToken: string }
    for (const command of ['status', 'delete']) {
      const r = await live.ss([
        command,
        link,
        '--token',
        manageToken,
        '--server',
        'http://127.0.0.1:9',
      ])
      expect(r.code).toBe(2)
      expect(r.err).toContain(`${command}: the link is for ${live.url}, not --server`)
    }
    // The same server spelled with a trailing slash is no conflict; the link was still unopened.
    const same = await live.ss(['open', made.out, '--yes', '--server', `${live.url}/`])
    expect(same.code).toBe(0)
    expect(same.out).toBe('x')
  })

  it('no server anywhere is a usage error saying how to give one; an unreachable one says so', async () => {
    const none = await live.ss(['share'], { input: 'x', env: { SECRETSENTRY_SERVER: '' } })
    expect(none.code).toBe(2)
    expect(none.err).toContain('Give --server URL or set SECRETSENTRY_SERVER')
    const down = await live.ss(['share', '--server', 'http://127.0.0.1:9'], { input: 'x' })
    expect(down.code).toBe(1)
    expect(down.err).toContain('could not reach http://127.0.0.1:9')
  })
})
