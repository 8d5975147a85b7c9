/** @module SPEC §6 headers: the pages run under the strict CSP with zero violations, and every response carries CSP, nosniff and no-referrer (no-store where it matters). */
import { beforeAll, describe, expect, it } from 'vitest'
import { TrafficRecorder, browserSkipReason, type RecordedResponse } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { createViaUi, openLink, pressReveal } from './support/ui.ts'

/** Reports CSP violations to the test through a DevTools binding, which the page's CSP cannot block. */
const CSP_PROBE = `document.addEventListener('securitypolicyviolation', (e) => {
  window.__reportCsp(JSON.stringify({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample }))
})`

function headerProblems(r: { url: string; headers: Record<string, string> }): string[] {
  const problems: string[] = []
  const path = new URL(r.url).pathname
  const csp = r.headers['content-security-policy'] ?? ''
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map((d) => [d[0] as string, d.slice(1)] as const),
  )
  if (directives.get('default-src')?.join(' ') !== "'none'")
    problems.push("default-src is not 'none'")
  if (directives.get('frame-ancestors')?.join(' ') !== "'none'")
    problems.push("frame-ancestors is not 'none'")
  for (const d of ['script-src', 'style-src']) {
    const sources = directives.get(d)
    if (!sources || sources.join(' ') !== "'self'")
      problems.push(`${d} is not exactly 'self': ${sources?.join(' ')}`)
  }
  if (/unsafe-|\*|https?:|blob:/.test(csp)) problems.push(`CSP allows too much: ${csp}`)
  if (r.headers['x-content-type-options'] !== 'nosniff') problems.push('no nosniff')
  if (r.headers['referrer-policy'] !== 'no-referrer') problems.push('no no-referrer')
  const mustNotStore = path === '/s' || path.startsWith('/s/') || path.startsWith('/api/')
  if (mustNotStore && !/\bno-store\b/.test(r.headers['cache-control'] ?? '')) {
    problems.push(`no Cache-Control: no-store (${r.headers['cache-control']})`)
  }
  return problems.map((p) => `${r.url}: ${p}`)
}

describe.skipIf(browserSkipReason !== null)('security headers and CSP', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])
  const violations: string[] = []
  const consoleErrors: string[] = []
  const recorder = new TrafficRecorder()

  beforeAll(async () => {
    for (const [name, b] of [
      ['creator', suite.creator],
      ['recipient', suite.recipient],
    ] as const) {
      recorder.attach(b.context, name)
      await b.context.exposeBinding('__reportCsp', (_source, v: string) => {
        violations.push(`${name}: ${v}`)
      })
      await b.context.addInitScript(CSP_PROBE)
      b.context.on('console', (m) => {
        if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) {
          consoleErrors.push(`${name} ${m.type()}: ${m.text()}`)
        }
      })
      b.context.on('weberror', (e) =>
        consoleErrors.push(`${name} page error: ${e.error().message}`),
      )
    }

    // The whole flow, with a passphrase so the Argon2id path runs under the CSP too.
    const createPage = await suite.creator.context.newPage()
    const link = await createViaUi(createPage, suite.server.origin, {
      text: 'csp check',
      passphrase: 'csp pass',
    })
    await createPage.getByRole('link', { name: 'My links' }).click()
    await createPage.waitForLoadState('networkidle')
    const page = await suite.recipient.context.newPage()
    await openLink(page, link)
    if ((await pressReveal(page, 'csp pass')) !== 'csp check') throw new Error('reveal failed')
    await page.waitForLoadState('networkidle')
    await recorder.settle()
  })

  it('the pages ran with zero CSP violations and no console errors', () => {
    expect(violations).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('every response of the flow has the security headers', () => {
    const ours = recorder.responses.filter((r) => new URL(r.url).origin === suite.server.origin)
    const kinds = new Set(ours.map((r: RecordedResponse) => new URL(r.url).pathname.split('/')[1]))
    // HTML pages, assets and the API were all seen.
    expect([...kinds]).toEqual(expect.arrayContaining(['', 's', 'assets', 'api']))
    expect(ours.flatMap(headerProblems)).toEqual([])
  })

  it('errors, health checks and unknown paths carry them too', async () => {
    const probes: [string, RequestInit?][] = [
      ['/'],
      ['/s'],
      ['/links'],
      ['/healthz'],
      ['/api/openapi.json'],
      ['/assets/does-not-exist.js'],
      ['/api/does-not-exist'],
      [`/api/share/${'A'.repeat(22)}/status`],
      [
        '/api/share',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' },
      ],
      [`/api/share/${'A'.repeat(22)}/open`, { method: 'POST', body: 'x' }],
    ]
    const problems: string[] = []
    for (const [path, init] of probes) {
      const res = await fetch(`${suite.server.origin}${path}`, init)
      await res.arrayBuffer()
      expect(res.status, path).toBeLessThan(500)
      problems.push(...headerProblems({ url: res.url, headers: Object.fromEntries(res.headers) }))
    }
    expect(problems).toEqual([])
  })

  it('the pages load their scripts and styles with Subresource Integrity', async () => {
    for (const path of ['/', '/s']) {
      const html = await (await fetch(`${suite.server.origin}${path}`)).text()
      const tags = html.match(/<(script|link)\b[^>]*>/g) ?? []
      const loading = tags.filter((t) => /\bsrc=|rel="(modulepreload|stylesheet)"/.test(t))
      expect(loading.length, path).toBeGreaterThan(0)
      for (const tag of loading) expect(tag, path).toMatch(/\bintegrity="sha(256|384|512)-/)
      // No inline scripts for the CSP to refuse.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    }
  })

  it('the violation probe itself works: an injected inline script is reported', async () => {
    const before = violations.length
    const page = await suite.recipient.context.newPage()
    await page.goto(`${suite.server.origin}/s`)
    await page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'window.__inline = 1'
      document.head.append(s)
    })
    await expect.poll(() => violations.length).toBeGreaterThan(before)
    expect(violations.slice(before).join('\n')).toContain('script-src')
    // And the CSP really refused it.
    expect(await page.evaluate(() => (window as { __inline?: number }).__inline ?? null)).toBe(null)
  })
})
