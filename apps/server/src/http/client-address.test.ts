/** @module Client address: socket by default, X-Forwarded-For only as far as TRUST_PROXY says. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { clientAddress, isHttps, normalizeAddress, rateLimitKey } from './client-address.ts'

async function seen(
  trustProxy: number,
  socket: string,
  headers: Record<string, string> = {},
  url = 'http://x/',
) {
  const app = new Hono()
  app.get('/', (c) =>
    c.json({ address: clientAddress(c, trustProxy), https: isHttps(c, trustProxy) }),
  )
  const res = await app.request(
    url,
    { headers },
    { incoming: { socket: { remoteAddress: socket } } },
  )
  return (await res.json()) as { address: string; https: boolean }
}

describe('clientAddress', () => {
  it('X-Forwarded-For is ignored unless TRUST_PROXY is set', async () => {
    expect((await seen(0, '10.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).address).toBe(
      '10.0.0.1',
    )
  })

  it('TRUST_PROXY=1 takes the address the one trusted proxy appended', async () => {
    const got = await seen(1, '10.0.0.1', { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' })
    // 198.51.100.7 was written by the client itself: not believed.
    expect(got.address).toBe('203.0.113.9')
  })

  it('TRUST_PROXY=2 walks two hops back', async () => {
    const got = await seen(2, '10.0.0.1', {
      'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.2',
    })
    expect(got.address).toBe('203.0.113.9')
  })

  it('uses the farthest address when the header is shorter than the trusted hops', async () => {
    expect((await seen(3, '10.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).address).toBe(
      '203.0.113.9',
    )
  })

  it('falls back to the socket when the trusted entry is not an address', async () => {
    expect((await seen(1, '10.0.0.1', { 'x-forwarded-for': 'garbage' })).address).toBe('10.0.0.1')
    expect((await seen(1, '10.0.0.1')).address).toBe('10.0.0.1')
  })

  it('normalizes IPv4-mapped IPv6 and zones', () => {
    expect(normalizeAddress('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1')
    expect(normalizeAddress('[2001:DB8::1]')).toBe('2001:db8::1')
  })
})

describe('rateLimitKey', () => {
  it('groups IPv6 clients by /64 and keeps IPv4 whole', () => {
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64')
    expect(rateLimitKey('192.0.2.1')).toBe('192.0.2.1')
  })
})

describe('isHttps', () => {
  it('is true for TLS requests', async () => {
    expect((await seen(0, '10.0.0.1', {}, 'https://x/')).https).toBe(true)
  })
  it('believes X-Forwarded-Proto only from a trusted proxy', async () => {
    expect((await seen(0, '10.0.0.1', { 'x-forwarded-proto': 'https' })).https).toBe(false)
    expect((await seen(1, '10.0.0.1', { 'x-forwarded-proto': 'https' })).https).toBe(true)
    expect((await seen(1, '10.0.0.1', { 'x-forwarded-proto': 'http' })).https).toBe(false)
  })
})
