/** @module Zero knowledge on the wire: no request of the whole flow carries the plaintext, the key material or the passphrase. */
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { recordedFlow, type FlowResult } from './support/flow.ts'
import { scan, type Finding } from './support/leak-scan.ts'
import { useServerAndBrowsers } from './support/suite.ts'

describe.skipIf(browserSkipReason !== null)('recorded requests of the whole flow', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])
  let flow: FlowResult
  const text = `wire canary ${randomUUID()}`
  const passphrase = `wire passphrase ${randomUUID()}`
  const wrongPassphrase = `wrong passphrase ${randomUUID()}`

  beforeAll(async () => {
    flow = await recordedFlow({
      origin: suite.server.origin,
      creator: suite.creator,
      recipient: suite.recipient,
      text,
      passphrase,
      wrongPassphrase,
    })
  })

  it('revealed the right text (the recording is of a flow that worked)', () => {
    expect(flow.revealed).toBe(text)
    const paths = flow.recorder.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)
    expect(paths).toContain('POST /api/share')
    expect(paths).toContain(`POST /api/share/${flow.id}/open`)
  })

  it('no request URL, header or body contains the plaintext, fragment, seed, key or passphrases', () => {
    const secrets = {
      plaintext: text,
      passphrase,
      wrongPassphrase,
      fragment: flow.fragment,
      seed: flow.seed,
      encKey: flow.encKey,
    }
    const findings: Finding[] = []
    for (const r of flow.recorder.requests) {
      const where = `${r.browser} ${r.method} ${r.url}`
      findings.push(...scan(`${where} [url]`, Buffer.from(r.url), secrets))
      const headers = Object.entries(r.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')
      findings.push(...scan(`${where} [headers]`, Buffer.from(headers), secrets))
      if (r.body) findings.push(...scan(`${where} [body]`, r.body, secrets))
    }
    expect(flow.recorder.requests.length).toBeGreaterThan(5)
    expect(findings).toEqual([])
  })

  it('every request goes to our own origin', () => {
    const foreign = flow.recorder.requests.filter(
      (r) => new URL(r.url).origin !== suite.server.origin && !r.url.startsWith('data:'),
    )
    expect(foreign).toEqual([])
  })

  it('the reveal page made no API request before Reveal was pressed, and only the open after', () => {
    const api = flow.recorder.requests.filter(
      (r) => r.browser === 'recipient' && new URL(r.url).pathname.startsWith('/api/'),
    )
    expect(api.filter((r) => r.seq < flow.revealMark)).toEqual([])
    // Wrong passphrase, then the right one: two opens and nothing else.
    expect(api.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      `POST /api/share/${flow.id}/open`,
      `POST /api/share/${flow.id}/open`,
    ])
  })

  it('the create request carries only what the protocol says the server gets', () => {
    expect(Object.keys(flow.created).sort()).toEqual(
      ['ciphertext', 'id', 'maxViews', 'ttlSeconds', 'verifier'].sort(),
    )
    expect(flow.created.id).toBe(flow.id)
  })
})
