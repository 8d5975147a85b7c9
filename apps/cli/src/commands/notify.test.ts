/** @module `webhook` and `alert-email` as the built CLI against a real server and a real HTTP receiver. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReceiver, type Receiver } from '@secretsentry/server/test/webhook-receiver'
import { startLive, type Live } from '../test/live.ts'
import { cleanUp } from '../test/support.ts'

let live: Live
let receiver: Receiver
beforeAll(async () => {
  live = await startLive({ WEBHOOK_ALLOW_PRIVATE: 'true' })
  receiver = await startReceiver()
})
afterAll(async () => {
  await receiver.close()
  await live.stop()
  cleanUp()
})

describe('secretsentry webhook and alert-email', () => {
  it('set prints the secret once, show reports, test delivers a signed POST, remove removes', async () => {
    const env = {
      XDG_CONFIG_HOME: live.home(),
      SECRETSENTRY_PASSWORD: 'correct horse battery staple',
    }
    const ss = (args: string[]) => live.ss(args, { env })
    expect((await ss(['webhook', 'show'])).code).toBe(4)
    expect((await ss(['register', '--username', 'hana'])).code).toBe(0)

    const set = await ss(['webhook', 'set', receiver.url])
    expect(set.code).toBe(0)
    expect(set.out).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/)
    expect(set.err).toContain(`Webhook set: ${receiver.url}`)

    const test = await ss(['webhook', 'test'])
    expect(test).toMatchObject({
      code: 0,
      err: 'Test notification delivered to the webhook (204).\n',
    })
    expect(receiver.received).toHaveLength(1)
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'webhook.test' })

    receiver.status = 500
    const failed = await ss(['webhook', 'test'])
    expect(failed.code).toBe(1)
    expect(failed.err).toContain('not delivered: HTTP 500')

    const show = await ss(['webhook', 'show'])
    expect(show.code).toBe(0)
    expect(show.out).toContain(`webhook: ${receiver.url}`)
    expect(show.out).not.toContain('whsec_')

    const bad = await ss(['webhook', 'set', 'ftp://example.com'])
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('(url)')
    expect((await ss(['webhook', 'frobnicate'])).code).toBe(2)

    expect((await ss(['webhook', 'remove'])).code).toBe(0)
    expect((await ss(['webhook', 'show'])).out).toBe('webhook: none\n')

    // This server has no SMTP_URL: said plainly.
    const mail = await ss(['alert-email', 'set', 'hana@example.test'])
    expect(mail.code).toBe(1)
    expect(mail.err).toContain('SMTP_URL')
  })
})
