/**
 * @module `share` with the session and receipts: the flag checks in-process, then the built CLI
 * against a real server that takes links from accounts only, a real SMTP server and a real
 * webhook receiver.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodedMail, startSmtp, type SmtpReceiver } from '@secretsentry/server/test/smtp-receiver'
import { startReceiver, type Receiver } from '@secretsentry/server/test/webhook-receiver'
import { parseArgs, UsageError } from '../args.ts'
import { CommandError } from '../io.ts'
import { startLive, type Live } from '../test/live.ts'
import { cleanUp } from '../test/support.ts'
import { receiptRequest, share } from './share.ts'

const args = (...argv: string[]) => parseArgs('share', argv, share.spec)

describe('receipt flags', () => {
  it('build the request, sending the label only with --receipt-label', () => {
    expect(receiptRequest(args('--receipt-to', 'me@example.org'), false)).toEqual({
      to: 'email',
      email: 'me@example.org',
    })
    expect(receiptRequest(args('--receipt-to', 'me@example.org', '--label', 'db'), false)).toEqual({
      to: 'email',
      email: 'me@example.org',
    })
    expect(
      receiptRequest(args('--receipt', '--label', ' db for Sam ', '--receipt-label'), true),
    ).toEqual({ to: 'account', label: 'db for Sam' })
    expect(receiptRequest(args('--label', 'x'), false)).toBeUndefined()
  })

  it('refuse what cannot work before anything is read or sent', () => {
    const usage: string[][] = [
      ['--receipt-to', 'a@example.org', '--receipt'],
      ['--receipt-label', '--label', 'x'],
      ['--receipt-to', 'a@example.org', '--receipt-label'],
      ['--receipt-to', 'not-an-address'],
      ['--receipt-to', 'a@example.org', '--label', 'see https://x.test', '--receipt-label'],
    ]
    for (const argv of usage)
      expect(() => receiptRequest(args(...argv), true), argv.join(' ')).toThrow(UsageError)
    // --receipt without a login is exit 4, like every command that needs one.
    expect(() => receiptRequest(args('--receipt'), false)).toThrow(CommandError)
  })
})

describe('share with the session and receipts, as a process', () => {
  let live: Live
  let mail: SmtpReceiver
  let hook: Receiver
  const env = { SECRETSENTRY_PASSWORD: 'correct horse battery staple' }
  let home: string

  beforeAll(async () => {
    mail = await startSmtp()
    hook = await startReceiver()
    live = await startLive({
      ADMIN_USERS: 'root',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
      MAIL_FROM: 'receipts@example.test',
    })
    home = live.home()
    const reg = await live.ss(['register', '--username', 'root'], {
      env: { ...env, XDG_CONFIG_HOME: home },
    })
    expect(reg.code, reg.err).toBe(0)
    const { token } = JSON.parse(
      fs.readFileSync(path.join(home, 'secretsentry', 'session.json'), 'utf8'),
    ) as { token: string }
    // Links from logged-in accounts only.
    const res = await fetch(`${live.url}/api/admin/policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        registration: 'open',
        anonymousShares: false,
        maxShareBytes: 1_048_576,
        maxExpirySeconds: 30 * 86400,
        receiptEmailDomains: ['example.org'],
      }),
    })
    expect(res.status).toBe(200)
  }, 120_000)
  afterAll(async () => {
    await live.stop()
    await hook.close()
    await mail.close()
    cleanUp()
  })

  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 150 && !check(); i++) await new Promise((r) => setTimeout(r, 100))
    return check()
  }

  it('logged in, share works where only accounts may share; not logged in it is exit 4', async () => {
    const anon = await live.ss(['share'], { input: 'x', env: { XDG_CONFIG_HOME: live.home() } })
    expect(anon.code).toBe(4)
    expect(anon.err).toContain('takes links only from logged-in accounts')
    const made = await live.ss(['share'], { input: 'from the CLI', env: { XDG_CONFIG_HOME: home } })
    expect(made.code, made.err).toBe(0)
    const opened = await live.ss(['open', made.out, '--yes'])
    expect(Buffer.from(opened.outBytes).toString()).toBe('from the CLI')
  })

  it('--receipt-to: mailed once when the link is opened, with the label, no secret or link', async () => {
    const made = await live.ss(
      ['share', '--receipt-to', 'sam@example.org', '--label', 'kubeconfig', '--receipt-label'],
      { input: 'receipt canary 42', env: { XDG_CONFIG_HOME: home } },
    )
    expect(made.code, made.err).toBe(0)
    expect((await live.ss(['open', made.out, '--yes'])).code).toBe(0)
    expect(await waitFor(() => mail.mails.length > 0)).toBe(true)
    expect(mail.mails).toHaveLength(1)
    const text = decodedMail(mail.mails[0]!.raw)
    expect(mail.mails[0]!.to).toEqual(['sam@example.org'])
    expect(text).toContain('your secret link was read')
    expect(text).toContain('"kubeconfig"')
    expect(text).not.toContain('receipt canary 42')
    expect(text).not.toContain(made.out.split('#')[1]!)
    // A domain the policy does not allow: refused, naming the field.
    const other = await live.ss(['share', '--receipt-to', 'sam@example.com'], {
      input: 'x',
      env: { XDG_CONFIG_HOME: home },
    })
    expect(other.code).toBe(2)
    expect(other.err).toContain('(receipt.email)')
  })

  it('--receipt: the account webhook gets it; without a channel the server says so', async () => {
    const noChannel = await live.ss(['share', '--receipt'], {
      input: 'x',
      env: { XDG_CONFIG_HOME: home },
    })
    expect(noChannel.code).toBe(2)
    expect(noChannel.err).toContain('(receipt.to)')
    const set = await live.ss(['webhook', 'set', hook.url], { env: { XDG_CONFIG_HOME: home } })
    expect(set.code, set.err).toBe(0)
    const made = await live.ss(['share', '--receipt'], {
      input: 'hook canary',
      env: { XDG_CONFIG_HOME: home },
    })
    expect(made.code, made.err).toBe(0)
    expect((await live.ss(['open', made.out, '--yes'])).code).toBe(0)
    expect(await waitFor(() => hook.received.some((h) => h.body.includes('share.ended')))).toBe(
      true,
    )
    const receipt = hook.received.find((h) => h.body.includes('share.ended'))!
    expect(JSON.parse(receipt.body)).toMatchObject({ type: 'share.ended', data: { how: 'read' } })
    expect(receipt.body).not.toContain('hook canary')
    expect(receipt.body).not.toContain('label')
  })
})
