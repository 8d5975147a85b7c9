/**
 * @module Share links, read in one place: `https://HOST/s#<fragment>`, or the fragment alone.
 *
 * Security promise: the key travels only after '#', which browsers and this client never send to
 * a server. A link carrying anything after '?' is refused before any request: a query string is
 * sent to servers and lands in their logs, so a key there would already have leaked, and a link
 * someone "fixed" that way must not be treated as fine.
 */
import { parseFragment, shareIdFromSeed, toB64url } from '@secretsentry/envelope'
import { localError } from './errors.ts'

export interface ParsedLink {
  /** `https://host[:port]` of a full link; null for a bare fragment. */
  origin: string | null
  /** What follows '#', without it. */
  fragment: string
  /** The share's id on the server (derived from the seed alone, no passphrase needed). */
  id: string
  /** Whether the link says a passphrase is part of the key. */
  passphrase: boolean
}

const LINK = /^(https?):\/\/([^/?#@\s]+)(\/[^?#\s]*)?(\?[^#\s]*)?(#\S*)?$/i
const SHARE_ID = /^[A-Za-z0-9_-]{22}$/

/** Parses a full link or a bare fragment; throws ClientError `bad_link` saying what is wrong. */
export function parseLink(input: string): ParsedLink {
  if (typeof input !== 'string') throw localError('bad_link', 'link must be a string')
  const text = input.trim()
  let origin: string | null = null
  let fragment = text
  if (/^https?:/i.test(text)) {
    const m = LINK.exec(text)
    if (!m) throw localError('bad_link', 'link is not a valid http(s) address')
    if (m[4] !== undefined) {
      throw localError(
        'bad_link',
        "link has a query string ('?'): a share key belongs after '#', which is never sent to a server",
      )
    }
    const path = m[3] ?? '/'
    if (path !== '/s' && path !== '/s/') throw localError('bad_link', "link path must be '/s'")
    if (m[5] === undefined || m[5].length <= 1) {
      throw localError('bad_link', "link has no key: the part after '#' is missing")
    }
    origin = `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}`
    fragment = m[5].slice(1)
  } else if (fragment.startsWith('#')) {
    fragment = fragment.slice(1)
  }
  let parsed: { seed: Uint8Array; passphrase: boolean }
  try {
    parsed = parseFragment(fragment)
  } catch (e) {
    const why = e instanceof Error ? e.message : 'malformed'
    throw localError('bad_link', `link key is not valid (${why}); check that all of it was copied`)
  }
  const id = toB64url(shareIdFromSeed(parsed.seed))
  parsed.seed.fill(0)
  return { origin, fragment, id, passphrase: parsed.passphrase }
}

/** `ORIGIN/s#FRAGMENT`, the link a recipient opens. */
export function formatLink(origin: string, fragment: string): string {
  return `${origin}/s#${fragment}`
}

/** A share id as given, or the id of a link or fragment (for status and delete). */
export function shareIdOf(linkOrId: string): string {
  const text = typeof linkOrId === 'string' ? linkOrId.trim() : ''
  if (SHARE_ID.test(text)) return text
  return parseLink(text).id
}
