/**
 * @module Where a webhook may be sent (SSRF): only to public addresses, checked when the URL is
 * saved and again at every send, and the connection goes to exactly the address that was checked.
 */
import dns from 'node:dns'
import net from 'node:net'

export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError'
}

/** IPv4 ranges a webhook must never reach: this host, private networks, link-local, and the like. */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT, RFC 6598
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
]

const BLOCKED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local, RFC 4193
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
]

const blocked = new net.BlockList()
for (const [prefix, bits] of BLOCKED_V4) blocked.addSubnet(prefix, bits, 'ipv4')
for (const [prefix, bits] of BLOCKED_V6) blocked.addSubnet(prefix, bits, 'ipv6')

/** The IPv4 address an IPv6 address stands for: mapped (::ffff:a.b.c.d), compatible, NAT64, 6to4. */
function embeddedV4(address: string): string | undefined {
  const words = expandV6(address)
  if (!words) return undefined
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0)
  // ::ffff:0:0/96 (mapped) and ::/96 (deprecated compatible; :: and ::1 are blocked above).
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0)) return v4(words[6]!, words[7]!)
  // 64:ff9b::/96, the NAT64 well-known prefix, RFC 6052.
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6]!, words[7]!)
  // 2002::/16, 6to4: the IPv4 address sits in the next 32 bits.
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!)
  return undefined
}

/** Eight 16-bit words of an IPv6 address, or undefined when it is not one. */
function expandV6(address: string): number[] | undefined {
  if (net.isIPv6(address) === false) return undefined
  let text = address.split('%')[0] as string
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [
      number,
      number,
      number,
      number,
    ]
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : [])
  const h = part(head)
  const t = part(tail)
  const fill = tail === undefined ? [] : new Array<number>(8 - h.length - t.length).fill(0)
  const words = [...h, ...fill, ...t]
  return words.length === 8 ? words : undefined
}

/** True when `address` (an IP literal) is loopback, private, link-local or otherwise not public. */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address)
  if (family === 4) return blocked.check(address, 'ipv4')
  if (family === 6) {
    const bare = address.split('%')[0] as string
    if (blocked.check(bare, 'ipv6')) return true
    const v4 = embeddedV4(bare)
    return v4 !== undefined && blocked.check(v4, 'ipv4')
  }
  return true
}

export interface ResolvedTarget {
  url: URL
  /** The one address the request will connect to. */
  address: string
  family: 4 | 6
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>

const systemLookup: Lookup = (hostname) =>
  dns.promises.lookup(hostname, { all: true, verbatim: true })

/** Longest webhook URL accepted. */
export const WEBHOOK_URL_MAX = 2048

/** Syntax only: http(s), a host, no credentials, no fragment. */
export function parseWebhookUrl(text: string): URL {
  if (text.length > WEBHOOK_URL_MAX)
    throw new WebhookUrlError(`must be at most ${WEBHOOK_URL_MAX} characters`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WebhookUrlError('must be an absolute URL like https://example.com/hooks/secretsentry')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookUrlError(`must start with https:// or http://, got ${url.protocol}//`)
  if (url.hostname === '') throw new WebhookUrlError('must name a host')
  // Credentials in a URL end up in logs and on screens; the signature authenticates us instead.
  if (url.username !== '' || url.password !== '')
    throw new WebhookUrlError('must not contain a user name or password')
  if (url.hash !== '') throw new WebhookUrlError('must not contain a #fragment')
  return url
}

/**
 * Security promise (SSRF): a webhook goes only to a public address unless the administrator
 * allows private ones (WEBHOOK_ALLOW_PRIVATE). Every address the name resolves to must be
 * allowed (one bad answer refuses the name), and the caller connects to the returned address
 * only, so a second DNS answer (rebinding) cannot swap in another.
 */
export async function resolveWebhookTarget(
  text: string,
  options: { allowPrivate: boolean; lookup?: Lookup },
): Promise<ResolvedTarget> {
  const url = parseWebhookUrl(text)
  // URL keeps IPv6 literals in brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  let answers: { address: string; family: number }[]
  if (net.isIP(host) !== 0) answers = [{ address: host, family: net.isIP(host) }]
  else {
    try {
      answers = await (options.lookup ?? systemLookup)(host)
    } catch {
      throw new WebhookUrlError(`host ${host} does not resolve`)
    }
    if (answers.length === 0) throw new WebhookUrlError(`host ${host} does not resolve`)
  }
  if (!options.allowPrivate) {
    const bad = answers.find((a) => isForbiddenAddress(a.address))
    if (bad)
      throw new WebhookUrlError(
        `${host} resolves to ${bad.address}, a loopback, private or link-local address; webhooks go only to public addresses`,
      )
  }
  const chosen = answers[0] as { address: string; family: number }
  return { url, address: chosen.address, family: chosen.family === 6 ? 6 : 4 }
}
