/** @module The leak scanner finds a secret in each encoding it claims to cover, so a clean scan means something. */
import { describe, expect, it } from 'vitest'
import { scan } from './leak-scan.ts'

const SECRET = 'canary-7f3a9c1e-secret'
const SPACED = 'canary 7f3a "quoted" secret'

describe('scan', () => {
  it.each([
    ['raw', SECRET, Buffer.from(`xx${SECRET}yy`)],
    ['hex', SECRET, Buffer.from(`"${Buffer.from(SECRET).toString('hex')}"`)],
    ['HEX', SECRET, Buffer.from(Buffer.from(SECRET).toString('hex').toUpperCase())],
    ['utf16le', SECRET, Buffer.concat([Buffer.from([0, 1]), Buffer.from(SECRET, 'utf16le')])],
    ['uri', SPACED, Buffer.from(`q=${encodeURIComponent(SPACED)}&x=1`)],
    ['json', SPACED, Buffer.from(JSON.stringify({ text: SPACED }))],
  ])('finds the %s form', (form, secret, haystack) => {
    expect(scan('h', haystack, { s: secret }).map((f) => f.form)).toContain(form)
  })

  it.each([0, 1, 2])('finds base64 and base64url at any alignment (%i leading bytes)', (lead) => {
    const data = Buffer.concat([Buffer.alloc(lead, 0xfb), Buffer.from(SECRET), Buffer.from('tail')])
    for (const encoded of [data.toString('base64'), data.toString('base64url')]) {
      expect(scan('h', Buffer.from(encoded), { s: SECRET }), encoded).not.toEqual([])
    }
  })

  it('finds binary secrets (seeds) raw and encoded', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
    const hay = Buffer.from(`{"k":"${Buffer.from(seed).toString('base64url')}"}`)
    expect(scan('h', hay, { seed }).map((f) => f.form)).toContain('base64url')
    expect(scan('h', Buffer.concat([Buffer.alloc(3), seed]), { seed })[0]?.form).toBe('raw')
  })

  it('reports nothing for unrelated bytes', () => {
    expect(
      scan('h', Buffer.from('nothing to see here, just ciphertext 0xdeadbeef'), { s: SECRET }),
    ).toEqual([])
  })
})
