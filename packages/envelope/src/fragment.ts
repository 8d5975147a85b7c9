/** @module The link fragment (SPEC.md §2): "1." + base64url(seed) [+ ".p"], the only place the seed ever travels. */
import { EnvelopeError } from './errors.ts'
import { assertBoolean, assertBytes, assertObject } from './bytes.ts'
import { fromB64url, toB64url } from './b64url.ts'
import { SEED_BYTES } from './keys.ts'

const SEED_CHARS = 43 // base64url of 32 bytes, unpadded
const VERSION = '1'
const PASSPHRASE_FLAG = 'p'
const MAX_FRAGMENT_CHARS = 256

export function encodeFragment(f: { seed: Uint8Array; passphrase: boolean }): string {
  const o = assertObject(f, 'fragment fields')
  const seed = assertBytes(o['seed'], 'seed', SEED_BYTES)
  const passphrase = assertBoolean(o['passphrase'], 'passphrase')
  return `${VERSION}.${toB64url(seed)}${passphrase ? `.${PASSPHRASE_FLAG}` : ''}`
}

function bad(why: string): EnvelopeError {
  return new EnvelopeError('bad_fragment', `link fragment is malformed: ${why}`)
}

/**
 * Accepts exactly the strings encodeFragment produces, with or without a leading '#'. Anything
 * else is bad_fragment (a mangled link should say so, not fail later as a wrong key); a fragment
 * of another format version is unsupported_version, so newer links get a clear message.
 */
export function parseFragment(fragment: string): { seed: Uint8Array; passphrase: boolean } {
  if (typeof fragment !== 'string')
    throw new EnvelopeError('bad_input', 'fragment must be a string')
  const body = fragment.startsWith('#') ? fragment.slice(1) : fragment
  if (body.length > MAX_FRAGMENT_CHARS) throw bad('too long')
  const parts = body.split('.')
  const version = parts[0]!
  if (version !== VERSION) {
    if (/^[1-9][0-9]{0,8}$/.test(version)) {
      throw new EnvelopeError(
        'unsupported_version',
        `link format version ${version} is not supported`,
      )
    }
    throw bad('no version prefix')
  }
  if (parts.length < 2 || parts.length > 3) throw bad('wrong number of parts')
  if (parts.length === 3 && parts[2] !== PASSPHRASE_FLAG) throw bad('unknown flag')
  const seedText = parts[1]!
  if (seedText.length !== SEED_CHARS) throw bad('seed has the wrong length')
  let seed: Uint8Array
  try {
    seed = fromB64url(seedText)
  } catch {
    throw bad('seed is not canonical base64url')
  }
  return { seed, passphrase: parts.length === 3 }
}
