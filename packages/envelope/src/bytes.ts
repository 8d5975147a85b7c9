/** @module Boundary checks and byte helpers shared by the envelope modules (not public API; sibling packages reach them through ./internal). */
import { badInput } from './errors.ts'
import { utf8Encode } from './platform.ts'

export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array')
  )
}

export function assertBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!isBytes(value)) throw badInput(`${name} must be a Uint8Array`)
  if (length !== undefined && value.length !== length) {
    throw badInput(`${name} must be ${length} bytes, got ${value.length}`)
  }
  return value
}

export function assertInt(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badInput(`${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

export function assertBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw badInput(`${name} must be a boolean`)
  return value
}

export function assertObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw badInput(`${name} must be an object`)
  return value as Record<string, unknown>
}

// In a `u` regex a surrogate pair is one code point, so \p{Cs} matches lone surrogates only.
const LONE_SURROGATE = /\p{Cs}/u

/**
 * UTF-8 of a well-formed string. Lone surrogates are rejected rather than replaced by U+FFFD,
 * which would make two different strings (e.g. passphrases) encode to the same bytes.
 */
export function wellFormedUtf8(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw badInput(`${name} must be a string`)
  if (LONE_SURROGATE.test(value)) throw badInput(`${name} contains a lone UTF-16 surrogate`)
  return utf8Encode(value)
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Overwrites key material once it is no longer needed (best effort: JS engines may hold copies). */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0)
}
