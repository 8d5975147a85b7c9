/** @module Tests of the plaintext record encoding (SPEC.md §4). */
import { describe, expect, it } from 'vitest'
import { errorCode as code } from '../test/error-code.ts'
import { decodeRecord, encodeRecord } from './record.ts'
import type { ShareRecord } from './record.ts'

describe('record encoding', () => {
  it('encodes text as 0x01 || UTF-8', () => {
    expect(encodeRecord({ kind: 'text', text: 'hé' })).toEqual(
      new Uint8Array([1, 0x68, 0xc3, 0xa9]),
    )
  })

  it('encodes a file as 0x02 || u16be name || u16be type || data', () => {
    const bytes = encodeRecord({
      kind: 'file',
      name: 'a',
      type: 'x/y',
      data: new Uint8Array([9, 8]),
    })
    expect(bytes).toEqual(new Uint8Array([2, 0, 1, 0x61, 0, 3, 0x78, 0x2f, 0x79, 9, 8]))
  })

  it('round-trips text and files', () => {
    const records: ShareRecord[] = [
      { kind: 'text', text: '' },
      { kind: 'text', text: 'p\u00e4ss \u{1f511}\r\n\u0000' },
      { kind: 'file', name: '', type: '', data: new Uint8Array() },
      {
        kind: 'file',
        name: 'r\u00e9sum\u00e9.pdf',
        type: 'application/pdf',
        data: new Uint8Array([0, 255, 1]),
      },
    ]
    for (const r of records) expect(decodeRecord(encodeRecord(r))).toEqual(r)
  })

  it('accepts a 65535-byte file name and rejects a longer one', () => {
    const data = new Uint8Array()
    const long = 'n'.repeat(0xffff)
    expect(decodeRecord(encodeRecord({ kind: 'file', name: long, type: 't', data }))).toMatchObject(
      { name: long },
    )
    expect(code(() => encodeRecord({ kind: 'file', name: `${long}n`, type: 't', data }))).toBe(
      'bad_input',
    )
    expect(
      code(() => encodeRecord({ kind: 'file', name: 'n', type: '\u00e9'.repeat(0x8000), data })),
    ).toBe('bad_input')
  })

  it('rejects lone surrogates instead of silently replacing them with U+FFFD', () => {
    expect(code(() => encodeRecord({ kind: 'text', text: 'a\ud800b' }))).toBe('bad_input')
    expect(
      code(() => encodeRecord({ kind: 'file', name: '\udc00', type: '', data: new Uint8Array() })),
    ).toBe('bad_input')
    expect(code(() => encodeRecord({ kind: 'text', text: '\ud83d\udd11' }))).toBe('no error')
  })

  it('rejects every truncation of a file header as bad_input', () => {
    const full = encodeRecord({ kind: 'file', name: 'ab', type: 'cd', data: new Uint8Array() })
    // Each proper prefix cuts into a length field or a string; only the full record is valid.
    for (let n = 0; n < full.length; n++)
      expect(code(() => decodeRecord(full.subarray(0, n)))).toBe('bad_input')
    expect(decodeRecord(full)).toEqual({
      kind: 'file',
      name: 'ab',
      type: 'cd',
      data: new Uint8Array(),
    })
  })

  it('rejects unknown kinds and malformed UTF-8', () => {
    for (const kind of [0, 3, 0x7f, 0xff])
      expect(code(() => decodeRecord(new Uint8Array([kind, 0x41])))).toBe('bad_input')
    expect(code(() => decodeRecord(new Uint8Array([1, 0xed, 0xa0, 0x80])))).toBe('bad_input') // encoded surrogate
    expect(code(() => decodeRecord(new Uint8Array([2, 0, 1, 0xff, 0, 0])))).toBe('bad_input')
  })

  it('returns file data as its own copy, not a view of the decrypted buffer', () => {
    const bytes = encodeRecord({
      kind: 'file',
      name: 'n',
      type: 't',
      data: new Uint8Array([1, 2, 3]),
    })
    const r = decodeRecord(bytes)
    bytes.fill(0)
    expect(r.kind === 'file' && [...r.data]).toEqual([1, 2, 3])
    expect(r.kind === 'file' && r.data.byteOffset).toBe(0)
    expect(r.kind === 'file' && r.data.buffer.byteLength).toBe(3)
  })
})
