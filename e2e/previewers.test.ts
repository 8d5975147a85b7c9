/** @module Link previewers, scanners and a page load without Reveal never burn a view (SPEC §1.2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTextShare, openShare, shareStatus } from './support/api.ts'
import { TrafficRecorder, browserSkipReason, launchBrowser } from './support/browser.ts'
import { startServer, type RunningServer } from './support/server.ts'

const PREVIEWERS: Record<string, string> = {
  Slackbot: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  Twitterbot: 'Twitterbot/1.0',
  facebookexternalhit: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  Discordbot: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  WhatsApp: 'WhatsApp/2.23.20.0 A',
  TelegramBot: 'TelegramBot (like TwitterBot)',
  Googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
}

let server: RunningServer

beforeAll(async () => {
  server = await startServer()
})

afterAll(async () => {
  await server?.cleanup()
})

describe('link previewers', () => {
  it('GET and HEAD of the link with previewer user agents consume nothing', async () => {
    const share = await createTextShare(server.origin, 'previewed but never burned', {
      maxViews: 1,
    })
    // HTTP never sends the fragment: a previewer sees only <origin>/s.
    const url = share.link.split('#')[0] as string
    expect(url).toBe(`${server.origin}/s`)
    for (const [name, ua] of Object.entries(PREVIEWERS)) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(url, { method, headers: { 'user-agent': ua }, redirect: 'manual' })
        const body = await res.text()
        expect(res.status, `${name} ${method}`).toBe(200)
        if (method === 'GET') expect(body, `${name} GET is the page`).toMatch(/<html/i)
        // The page a previewer gets carries no share data to summarise.
        expect(body).not.toContain(share.id)
      }
    }
    const status = await shareStatus(server.origin, share.id, share.manageToken)
    expect(status?.viewsLeft).toBe(1)
    expect(status?.opens).toEqual([])
    const opened = await openShare(server.origin, share.fragment)
    expect(opened.status).toBe(200)
    if (opened.ok) {
      expect(opened.record).toEqual({ kind: 'text', text: 'previewed but never burned' })
    }
  })

  describe.skipIf(browserSkipReason !== null)('in a browser', () => {
    it('loading /s#fragment without pressing Reveal makes no API request and burns nothing', async () => {
      const share = await createTextShare(server.origin, 'loaded, not revealed', { maxViews: 1 })
      const browser = await launchBrowser()
      const recorder = new TrafficRecorder()
      recorder.attach(browser.context, 'previewer')
      try {
        const page = await browser.context.newPage()
        await page.goto(share.link, { waitUntil: 'networkidle' })
        await expect
          .poll(() => page.getByRole('button', { name: /reveal/i }).isVisible())
          .toBe(true)
        await page.waitForLoadState('networkidle')
        await recorder.settle()
        const api = recorder.requests.filter((r) => new URL(r.url).pathname.startsWith('/api'))
        expect(api).toEqual([])
      } finally {
        await browser.close()
      }
      const status = await shareStatus(server.origin, share.id, share.manageToken)
      expect(status?.viewsLeft).toBe(1)
      const opened = await openShare(server.origin, share.fragment)
      expect(opened.status).toBe(200)
    })
  })
})
