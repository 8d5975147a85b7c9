/** @module Subresource Integrity beyond the first page: the lazily loaded vault chunk is checked before it runs, and the master password only ever reaches pinned code. */
import { randomUUID } from 'node:crypto'
import type { Page, Route } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'

const VAULT_CHUNK = /\/assets\/vault-[\w-]+\.js$/
const VAULT_CSS = /\/assets\/vault-[\w-]+\.css$/
/** What tampered code does first: a mark the test can look for. */
const MARK = 'globalThis.__tamperedRan = true;\n'
const SLOW = { timeout: 60_000 }

/** Serves the real file with MARK in front (one changed byte would do; this also shows whether it ran). */
async function tampered(route: Route): Promise<void> {
  const res = await route.fetch()
  const body = (await res.body()).toString('utf8')
  await route.fulfill({ response: res, body: MARK + body })
}

async function tamperedRan(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as { __tamperedRan?: boolean }).__tamperedRan === true)
}

describe.skipIf(browserSkipReason !== null)('integrity of lazily loaded code', () => {
  const suite = useServerAndBrowsers(['browser'])
  const pages: Page[] = []
  const newPage = async (): Promise<Page> => {
    const page = await suite.browser.context.newPage()
    pages.push(page)
    return page
  }
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close()
  })

  it('refuses a tampered vault chunk with a visible error, and never runs it', async () => {
    const page = await newPage()
    await page.route(VAULT_CHUNK, tampered)
    await page.goto(`${suite.server.origin}/vault/login`)
    await page.getByRole('alert').getByText('did not match').waitFor()
    expect(await page.getByRole('heading', { name: 'Log in to your vault' }).count()).toBe(0)
    expect(await page.getByLabel('Master password').count()).toBe(0)
    expect(await tamperedRan(page)).toBe(false)
    // The rest of the app still works: the create page is one click away.
    await page.getByRole('link', { name: 'Share a secret' }).click()
    await page.getByRole('heading', { name: 'Share a secret' }).waitFor()
  })

  it('refuses the vault when its stylesheet was tampered with', async () => {
    const page = await newPage()
    await page.route(VAULT_CSS, async (route) => {
      const res = await route.fetch()
      await route.fulfill({ response: res, body: `body{display:none}\n${await res.text()}` })
    })
    await page.goto(`${suite.server.origin}/vault/login`)
    await page.getByRole('alert').getByText('did not match').waitFor()
    expect(await page.getByLabel('Master password').count()).toBe(0)
  })

  it('runs the module it checked: a second fetch of the chunk, tampered, is never made or used', async () => {
    const page = await newPage()
    let served = 0
    await page.route(VAULT_CHUNK, async (route) => {
      served += 1
      if (served === 1) await route.fallback()
      else await tampered(route)
    })
    await page.goto(`${suite.server.origin}/vault/login`)
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor()
    // Other vault pages come from the same chunk.
    await page.getByRole('link', { name: 'Create one' }).click()
    await page.getByRole('heading', { name: 'Create your vault' }).waitFor()
    expect(await tamperedRan(page)).toBe(false)
    expect(served).toBe(1)
  })

  it('derives keys from the master password only in pinned code: no worker, no unpinned script', async () => {
    const page = await newPage()
    const workers: string[] = []
    const scripts: string[] = []
    page.on('worker', (w) => workers.push(w.url()))
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname)
    })
    // A login runs Argon2id before the server can say anything about the password.
    await page.goto(`${suite.server.origin}/vault/login`)
    await page.getByLabel('Username').fill(`pin-${randomUUID()}`)
    await page.getByLabel('Master password').fill(`master ${randomUUID()}`)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('alert').getByText('Wrong username or master password.').waitFor(SLOW)
    expect(workers).toEqual([])
    const csp = (await fetch(`${suite.server.origin}/vault/login`)).headers.get(
      'content-security-policy',
    )
    expect(csp).toContain("worker-src 'none'")
    // Every script the page ran is pinned: by index.html's integrity, or by a hash in the pinned entry.
    const html = await (await fetch(`${suite.server.origin}/`)).text()
    const entry = /<script[^>]*src="([^"]+)"[^>]*integrity=/.exec(html)?.[1]
    expect(entry).toBeDefined()
    const entryCode = await (await fetch(`${suite.server.origin}${entry}`)).text()
    const pinned = new Set([
      ...[...html.matchAll(/(?:src|href)="([^"]+\.js)"[^>]*integrity="sha384-/g)].map((m) => m[1]),
      ...[...entryCode.matchAll(/\\"url\\":\\"([^"\\]+\.js)\\",\\"integrity\\":\\"sha384-/g)].map(
        (m) => m[1],
      ),
    ])
    expect([...pinned].some((u) => VAULT_CHUNK.test(u ?? ''))).toBe(true)
    expect(scripts.length).toBeGreaterThan(0)
    for (const s of scripts) expect(pinned, s).toContain(s)
  })
})
