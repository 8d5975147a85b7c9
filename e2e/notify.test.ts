/**
 * @module Notifications against the real built server: an alert committed, the process killed
 * with SIGKILL before the receiver took it, delivered after the restart; and the account page's
 * Notifications section in a real browser (axe, screenshots on desktop and phone, light and dark).
 */
import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { VAULT_LIMITS } from '@secretsentry/contract/limits'
import { browserSkipReason, launchBrowser } from './support/browser.ts'
import { startServer, type RunningServer } from './support/server.ts'
import { registerViaUi } from './support/vault-flow.ts'

interface Hit {
  headers: http.IncomingHttpHeaders
  body: string
}

/** A webhook receiver on 127.0.0.1:`port` (0: any), answering 204. */
async function receiver(port = 0) {
  const hits: Hit[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString() })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    hits,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const rand = (n: number) => crypto.randomBytes(n).toString('base64url')

/** An account made over the API with client-shaped random keys (the server cannot tell). */
async function registerApi(origin: string, username: string) {
  const authKey = rand(32)
  const res = await fetch(`${origin}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username,
      kdf: VAULT_LIMITS.kdfDefaults,
      salt: rand(16),
      authKey,
      wrappedUserKey: rand(VAULT_LIMITS.wrappedKeyBytes),
      folder: {
        id: rand(VAULT_LIMITS.idBytes),
        wrappedKey: rand(VAULT_LIMITS.wrappedKeyBytes),
        meta: rand(1 + 12 + 40 + 16),
      },
      session: 'bearer',
    }),
  })
  expect(res.status).toBe(201)
  const { token } = (await res.json()) as { token: string }
  return { authorization: `Bearer ${token}` }
}

const servers: RunningServer[] = []
afterAll(async () => {
  for (const s of servers.reverse()) {
    await s.stop().catch(() => {})
    await s.cleanup()
  }
})

const waitFor = async (check: () => boolean, ms: number) => {
  const until = Date.now() + ms
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 100))
  return check()
}

describe('the outbox across a crash', () => {
  it('an alert committed before SIGKILL is delivered after the restart, once, with its id', async () => {
    const env = { WEBHOOK_ALLOW_PRIVATE: 'true', ALERT_THRESHOLD: '3' }
    const first = await startServer({ env })
    servers.push(first)
    // The receiver's port, reserved and then left closed: it is down until after the crash.
    const probe = await receiver()
    const port = probe.port
    await probe.close()
    const auth = await registerApi(first.origin, 'crash-user')
    const set = await fetch(`${first.origin}/api/account/webhook`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook` }),
    })
    expect(set.status).toBe(200)
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${first.origin}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'crash-user', authKey: rand(32) }),
      })
      expect(res.status).toBe(401)
    }
    // The event is committed (the 401s came after their commit); the first attempt finds nobody.
    const pending = await fetch(`${first.origin}/api/account/notifications`, { headers: auth })
    const status = (await pending.json()) as { deliveries: { status: string; id: string }[] }
    expect(status.deliveries).toEqual([expect.objectContaining({ status: 'pending' })])
    expect(await first.crash()).toBe('SIGKILL')

    const up = await receiver(port)
    try {
      const second = await startServer({ env, dataDir: first.dataDir })
      servers.push(second)
      // The retry is due within the first backoff step (10 s, jittered) or the lease (60 s).
      expect(await waitFor(() => up.hits.length > 0, 90_000)).toBe(true)
      await new Promise((r) => setTimeout(r, 500))
      expect(up.hits).toHaveLength(1)
      expect(up.hits[0]!.headers['webhook-id']).toBe(status.deliveries[0]!.id)
      expect(JSON.parse(up.hits[0]!.body)).toMatchObject({ type: 'alert.failed_access' })
    } finally {
      await up.close()
    }
  }, 180_000)
})

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

describe.skipIf(browserSkipReason !== null)('the Notifications section of the account page', () => {
  it('sets a webhook, shows its secret once, sends a test; axe-clean; screenshots', async () => {
    const server = await startServer({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } })
    servers.push(server)
    const hook = await receiver()
    const browser = await launchBrowser({ bypassCSP: true })
    try {
      const page = await browser.context.newPage()
      await registerViaUi(page, server.origin, 'notify-ui', 'notify master password')
      await page.getByRole('link', { name: 'Account', exact: true }).click()
      await page.getByRole('heading', { name: 'Notifications' }).waitFor()
      await page.getByLabel('Webhook URL').fill(`http://127.0.0.1:${hook.port}/hook`)
      await page.getByRole('button', { name: 'Save webhook' }).click()
      const secret = page.getByRole('textbox', { name: 'Webhook signing secret' })
      await secret.waitFor()
      expect(await secret.inputValue()).toMatch(/^whsec_/)
      await page.getByRole('button', { name: 'Send a test' }).click()
      await page.getByText('Test notification delivered.').waitFor()
      expect(hook.hits).toHaveLength(1)

      await page.addScriptTag({ content: await AXE_SOURCE })
      const violations = await page.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: {
              run(d: Document): Promise<{ violations: { id: string; impact: string | null }[] }>
            }
          }
        ).axe
        return (await axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact }))
      })
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
        [],
      )

      const dir = process.env.SCREENSHOT_DIR
      if (dir) {
        mkdirSync(dir, { recursive: true })
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme })
          for (const [name, size] of [
            ['desktop', { width: 1280, height: 900 }],
            ['phone', { width: 390, height: 844 }],
          ] as const) {
            await page.setViewportSize(size)
            await page.getByRole('heading', { name: 'Notifications' }).scrollIntoViewIfNeeded()
            await page.screenshot({
              path: join(dir, `notify-${name}-${scheme}.png`),
              fullPage: true,
            })
          }
        }
      }
    } finally {
      await browser.close()
      await hook.close()
    }
  })
})
