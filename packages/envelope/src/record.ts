/** @module The plaintext record of a share (SPEC.md §4): text or file, with the file's name and type hidden from the server. */
import { badInput } from './errors.ts'
import { assertBytes, assertObject, concatBytes, wellFormedUtf8 } from './bytes.ts'
import { utf8DecodeStrict } from './platform.ts'

export type ShareRecord =
  { kind: 'text'; text: string } | { kind: 'file'; name: string; type: string; data: Uint8Array }

const KIND_TEXT = 0x01
const KIND_FILE = 0x02
const MAX_U16 = 0xffff

function u16be(n: number): Uint8Array {
  return new Uint8Array([n >>> 8, n & 0xff])
}

function shortField(value: unknown, name: string): Uint8Array {
  const bytes = wellFormedUtf8(value, name)
  if (bytes.length > MAX_U16) throw badInput(`${name} must be at most ${MAX_U16} UTF-8 bytes`)
  return bytes
}

/** text = 0x01 || UTF-8(text); file = 0x02 || u16be(|name|) || name || u16be(|type|) || type || data. */
export function encodeRecord(record: ShareRecord): Uint8Array {
  const r = assertObject(record, 'record')
  if (r['kind'] === 'text') {
    return concatBytes(new Uint8Array([KIND_TEXT]), wellFormedUtf8(r['text'], 'record.text'))
  }
  if (r['kind'] === 'file') {
    const name = shortField(r['name'], 'record.name')
    const type = shortField(r['type'], 'record.type')
    const data = assertBytes(r['data'], 'record.data')
    return concatBytes(
      new Uint8Array([KIND_FILE]),
      u16be(name.length),
      name,
      u16be(type.length),
      type,
      data,
    )
  }
  throw badInput("record.kind must be 'text' or 'file'")
}

function utf8(bytes: Uint8Array, name: string): string {
  try {
    return utf8DecodeStrict(bytes)
  } catch {
    throw badInput(`record ${name} is not valid UTF-8`)
  }
}

/**
 * Inverse of encodeRecord. Only reached after AES-GCM authenticated the bytes, so a malformed
 * record means a buggy or hostile sender, reported as bad_input. File data is a fresh copy.
 */
export function decodeRecord(bytes: Uint8Array): ShareRecord {
  if (bytes.length < 1) throw badInput('record is empty')
  const kind = bytes[0]
  if (kind === KIND_TEXT) return { kind: 'text', text: utf8(bytes.subarray(1), 'text') }
  if (kind !== KIND_FILE) throw badInput(`record kind ${kind} is unknown`)
  let at = 1
  const field = (name: string): string => {
    if (at + 2 > bytes.length) throw badInput(`record is truncated before the ${name} length`)
    const len = (bytes[at]! << 8) | bytes[at + 1]!
    at += 2
    if (at + len > bytes.length) throw badInput(`record is truncated inside the ${name}`)
    const value = utf8(bytes.subarray(at, at + len), name)
    at += len
    return value
  }
  const name = field('name')
  const type = field('type')
  return { kind: 'file', name, type, data: bytes.slice(at) }
}
