import { describe, expect, it } from 'vitest'
import { errorCode } from '../../envelope/test/error-code.ts'
import { utf8DecodeStrict, utf8Encode } from '@secretsentry/envelope/internal'
import {
  RECORD_LIMITS,
  decodeFolderMeta,
  decodeSecretMeta,
  decodeSecretValue,
  encodeFolderMeta,
  encodeSecretMeta,
  encodeSecretValue,
} from './records.ts'
import type { SecretMeta } from './records.ts'
import { newId, newKey } from './kdf.ts'
import { sealSecretMeta } from './vault.ts'

const meta: SecretMeta = { name: 'db', description: '', tags: [], path: '' }
const enc = (m: unknown) => errorCode(() => encodeSecretMeta(m as SecretMeta))

describe('SecretMeta rules (SPEC.md §6.1)', () => {
  it('accepts every limit exactly, counting code points (an emoji is one character)', () => {
    const L = RECORD_LIMITS
    const ok: SecretMeta = {
      name: '🔑'.repeat(L.nameMaxChars),
      description: 'd\n\t\r'.repeat(L.descriptionMaxChars / 4),
      tags: Array.from(
        { length: L.tagsMax },
        (_, i) => String.fromCodePoint(65 + i) + '𝄞'.repeat(L.tagMaxChars - 1),
      ),
      path: `/${'p'.repeat(L.pathMaxChars - 1)}`,
    }
    expect(decodeSecretMeta(encodeSecretMeta(ok))).toEqual(ok)
  })

  it.each([
    ['name empty', { ...meta, name: '' }],
    ['name 201 characters', { ...meta, name: 'n'.repeat(201) }],
    ['name with ESC', { ...meta, name: 'a\u001b[2Jb' }],
    ['name with newline', { ...meta, name: 'a\nb' }],
    ['name with lone surrogate', { ...meta, name: '\ud800' }],
    ['description 2001 characters', { ...meta, description: 'd'.repeat(2001) }],
    ['description with NUL', { ...meta, description: 'a\u0000' }],
    ['21 tags', { ...meta, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ['tag 51 characters', { ...meta, tags: ['t'.repeat(51)] }],
    ['empty tag', { ...meta, tags: [''] }],
    ['tag with a trailing space', { ...meta, tags: ['prod '] }],
    ['tag with a leading tab', { ...meta, tags: ['\tprod'] }],
    ['repeated tag', { ...meta, tags: ['a', 'b', 'a'] }],
    ['tag not a string', { ...meta, tags: [1] }],
    ['tags not an array', { ...meta, tags: 'prod' }],
    ['path without a leading slash', { ...meta, path: 'app/db' }],
    ['path "/"', { ...meta, path: '/' }],
    ['path with a trailing slash', { ...meta, path: '/app/' }],
    ['path with an empty segment', { ...meta, path: '/app//db' }],
    ['path with ..', { ...meta, path: '/app/../db' }],
    ['path with .', { ...meta, path: '/./db' }],
    ['path segment with outer spaces', { ...meta, path: '/app/ db' }],
    ['path 201 characters', { ...meta, path: `/${'p'.repeat(200)}` }],
    ['extra field', { ...meta, notes: '' }],
    ['missing field', { name: 'db', description: '', tags: [] }],
    ['an array', ['db', '', [], '']],
    ['null', null],
  ])('refuses %s with bad_input when sealing', (_what, value) => {
    expect(enc(value)).toBe('bad_input')
  })

  it('writes canonical JSON in the spec key order whatever order the caller used', () => {
    const shuffled = { path: '/a', tags: ['x'], description: 'd', name: 'n' }
    expect(utf8DecodeStrict(encodeSecretMeta(shuffled))).toBe(
      '{"name":"n","description":"d","tags":["x"],"path":"/a"}',
    )
  })

  it('opening refuses a valid record in a non-canonical spelling with bad_record', () => {
    const spellings = [
      '{"name":"db","description":"","tags":[],"path":""} ',
      '{ "name":"db","description":"","tags":[],"path":""}',
      '{"name":"\\u0064b","description":"","tags":[],"path":""}',
      '{"path":"","name":"db","description":"","tags":[]}',
      '\ufeff{"name":"db","description":"","tags":[],"path":""}',
    ]
    for (const s of spellings) {
      expect(
        errorCode(() => decodeSecretMeta(utf8Encode(s))),
        s,
      ).toBe('bad_record')
    }
    expect(
      decodeSecretMeta(utf8Encode('{"name":"db","description":"","tags":[],"path":""}')),
    ).toEqual(meta)
  })

  it('the largest possible metadata still fits the server limit of 16 KiB of sealed bytes', () => {
    const L = RECORD_LIMITS
    // 4-byte UTF-8 characters everywhere, and in the description the allowed controls that JSON
    // escapes to 2 bytes are still cheaper than 4-byte characters, so this is the worst case.
    const astral = (n: number) => '\u{10ffff}'.repeat(n)
    const worst: SecretMeta = {
      name: astral(L.nameMaxChars),
      description: astral(L.descriptionMaxChars),
      tags: Array.from(
        { length: L.tagsMax },
        (_, i) => String.fromCodePoint(0x10000 + i) + astral(L.tagMaxChars - 1),
      ),
      path: `/${astral(L.pathMaxChars - 1)}`,
    }
    const sealed = sealSecretMeta(newKey(), newId(), 1, worst)
    const bytes = (sealed.length * 3) / 4
    expect(bytes).toBeLessThanOrEqual(16 * 1024)
  })
})

describe('SecretValue and FolderMeta', () => {
  it('a value may be any well-formed text, empty or large, and round-trips exactly', () => {
    for (const value of ['', '\u0000\u001f"\\\u2028', 'x'.repeat(1 << 20), '🔑 e\u0301']) {
      expect(decodeSecretValue(encodeSecretValue({ value }))).toEqual({ value })
    }
    expect(errorCode(() => encodeSecretValue({ value: 'a\udc00' }))).toBe('bad_input')
    expect(errorCode(() => encodeSecretValue({ value: 5 } as never))).toBe('bad_input')
    expect(errorCode(() => decodeSecretValue(utf8Encode('{"value":"\\udc00"}')))).toBe('bad_record')
  })

  it('folder metadata has a name and a path and nothing else', () => {
    const f = { name: 'Personal', path: '/home' }
    expect(decodeFolderMeta(encodeFolderMeta(f))).toEqual(f)
    expect(errorCode(() => encodeFolderMeta({ name: '', path: '' }))).toBe('bad_input')
    expect(errorCode(() => encodeFolderMeta({ ...f, tags: [] } as never))).toBe('bad_input')
    expect(errorCode(() => decodeFolderMeta(encodeSecretMeta(meta)))).toBe('bad_record')
  })
})
