/** @module Strict base64url without padding (RFC 4648 §5), the encoding of every binary value on the wire. */
import { EnvelopeError } from './errors.ts'
import { assertBytes } from './bytes.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const LOOKUP = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i

export function toB64url(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes')
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out +=
      ALPHABET[n >>> 18]! +
      ALPHABET[(n >>> 12) & 63]! +
      ALPHABET[(n >>> 6) & 63]! +
      ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!
  }
  return out
}

/**
 * Decodes base64url without padding. Rejects '=', '+', '/', whitespace, any other character,
 * impossible lengths (4k+1) and non-canonical trailing bits (RFC 4648 §3.5), so every byte string
 * has exactly one accepted text form and a value cannot be altered without changing its bytes.
 */
export function fromB64url(text: string): Uint8Array {
  if (typeof text !== 'string')
    throw new EnvelopeError('bad_input', 'base64url input must be a string')
  const rem = text.length % 4
  if (rem === 1) throw new EnvelopeError('bad_input', 'base64url input has an impossible length')
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? LOOKUP[c]! : -1
    if (v < 0)
      throw new EnvelopeError('bad_input', 'base64url input has a character outside the alphabet')
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
  }
  // Leftover bits (2 or 4) must be zero in the canonical encoding.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
    throw new EnvelopeError('bad_input', 'base64url input has non-canonical trailing bits')
  }
  return out
}
