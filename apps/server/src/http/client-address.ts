/** @module Who is calling: the socket address, or X-Forwarded-For when TRUST_PROXY says how many proxies to believe. */
import { isIP } from 'node:net'
import type { Context } from 'hono'

/** What @hono/node-server passes as `c.env`; tests pass the same shape to `app.request()`. */
export interface NodeBindings {
  incoming?: {
    socket?: { remoteAddress?: string | undefined; encrypted?: boolean | undefined }
  }
}

export const UNKNOWN_ADDRESS = 'unknown'

function socketAddress(c: Context): string {
  const bindings = c.env as NodeBindings | undefined
  return normalizeAddress(bindings?.incoming?.socket?.remoteAddress ?? UNKNOWN_ADDRESS)
}

/** Strips the IPv4-mapped IPv6 prefix and an IPv6 zone, so one client has one spelling. */
export function normalizeAddress(raw: string): string {
  let address = raw.trim()
  if (address.startsWith('[') && address.includes(']'))
    address = address.slice(1, address.indexOf(']'))
  const zone = address.indexOf('%')
  if (zone > 0) address = address.slice(0, zone)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) address = mapped[1]
  return address.toLowerCase()
}

/**
 * TRUST_PROXY = N trusts the N nearest hops: the chain is X-Forwarded-For's addresses followed
 * by the socket address, and the client is the one N places left of the socket (the farthest
 * listed when the header is shorter). N = 0 ignores the header: anyone can write it.
 */
export function clientAddress(c: Context, trustProxy: number): string {
  const socket = socketAddress(c)
  if (trustProxy <= 0) return socket
  const header = c.req.header('x-forwarded-for')
  if (!header) return socket
  const chain = header
    .split(',')
    .map((part) => normalizeAddress(part))
    .filter((part) => part.length > 0)
  chain.push(socket)
  const picked = chain[Math.max(0, chain.length - 1 - trustProxy)] ?? socket
  // A proxy that passes garbage along does not get to invent rate-limit keys.
  return isIP(picked) ? picked : socket
}

/** True when the request reached us over TLS, or a trusted proxy says it did (for HSTS). */
export function isHttps(c: Context, trustProxy: number): boolean {
  const bindings = c.env as NodeBindings | undefined
  if (bindings?.incoming?.socket?.encrypted) return true
  if (c.req.url.startsWith('https:')) return true
  if (trustProxy <= 0) return false
  const proto = c.req.header('x-forwarded-proto')
  // The nearest proxy appends last.
  return proto?.split(',').at(-1)?.trim().toLowerCase() === 'https'
}

/**
 * The rate-limit key: IPv6 clients are limited per /64, since one host commonly holds a whole
 * /64 and could otherwise rotate addresses for a fresh budget.
 */
export function rateLimitKey(address: string): string {
  if (isIP(address) !== 6) return address
  return expandIpv6(address).slice(0, 4).join(':') + '::/64'
}

function expandIpv6(address: string): string[] {
  let text = address
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number]
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16)
  }
  const [head = '', tail] = text.split('::')
  const headParts = head ? head.split(':') : []
  const tailParts = tail !== undefined && tail !== '' ? tail.split(':') : []
  const fill =
    tail === undefined ? [] : Array<string>(8 - headParts.length - tailParts.length).fill('0')
  return [...headParts, ...fill, ...tailParts].map((part) =>
    part.replace(/^0+(?=.)/, '').toLowerCase(),
  )
}
