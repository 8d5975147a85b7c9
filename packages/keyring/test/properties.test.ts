/** @module Property tests with a seeded generator: record round trips, tamper detection and binding changes. */
import { describe, expect, it } from 'vitest'
import { errorCode } from '../../envelope/test/error-code.ts'
import { gen } from '../../envelope/test/prng.ts'
import type { Gen } from '../../envelope/test/prng.ts'
import { fromB64url, toB64url } from '@secretsentry/envelope'
import {
  RECORD_LIMITS,
  createSecretVersion,
  openField,
  openFolderMeta,
  openSecretMeta,
  openSecretVersion,
  sealField,
  sealFolderMeta,
  sealSecretMeta,
  unwrapKey,
  wrapKey,
} from '../src/index.ts'
import type { FieldBinding, FieldName, SecretMeta } from '../src/index.ts'

const FIELDS: FieldName[] = ['secret-meta', 'secret-value', 'folder-meta']
const id = (g: Gen) => toB64url(g.bytes(16))
/** Printable text without control characters, trimmed, never empty. */
const label = (g: Gen, max: number) => {
  const t = g
    .text(g.int(1, max))
    .replace(/[\p{Cc}\p{Cs}]/gu, 'x')
    .trim()
  return t === '' ? 'x' : t
}

function randomMeta(g: Gen): SecretMeta {
  const tags = new Set<string>()
  for (let i = g.int(0, RECORD_LIMITS.tagsMax); i > 0; i--) tags.add(label(g, 20))
  const segments = Array.from({ length: g.int(0, 4) }, () => label(g, 10).replaceAll('/', '-'))
  return {
    name: label(g, RECORD_LIMITS.nameMaxChars),
    description: g.text(g.int(0, 300)).replace(/[\p{Cc}\p{Cs}]/gu, '\n'),
    tags: [...tags],
    path: segments
      .filter((s) => s !== '.' && s !== '..')
      .map((s) => `/${s}`)
      .join(''),
  }
}

function randomBinding(g: Gen): FieldBinding {
  return { objectId: id(g), version: g.int(1, 2 ** 31 - 1), field: g.pick(FIELDS) }
}

describe('properties', () => {
  it('random metadata, values and folder metadata round-trip through seal and open', () => {
    for (let s = 1; s <= 200; s++) {
      const g = gen(s)
      const key = g.bytes(32)
      const secretId = id(g)
      const revision = g.int(1, 1000)
      const meta = randomMeta(g)
      expect(
        openSecretMeta(key, secretId, revision, sealSecretMeta(key, secretId, revision, meta)),
        `seed ${s}`,
      ).toEqual(meta)
      const value = { value: g.text(g.int(0, 2000)).replace(/\p{Cs}/gu, '?') }
      const version = g.int(1, 2 ** 31 - 1)
      const sealed = createSecretVersion(key, secretId, version, value)
      expect(openSecretVersion(key, secretId, { version, ...sealed }), `seed ${s}`).toEqual(value)
      const folder = { name: meta.name, path: meta.path }
      expect(
        openFolderMeta(key, secretId, sealFolderMeta(key, secretId, folder)),
        `seed ${s}`,
      ).toEqual(folder)
    }
  })

  it('every single flipped bit of a sealed field fails (version byte: unsupported_version, else decrypt_failed)', () => {
    const g = gen(11)
    const key = g.bytes(32)
    const binding = randomBinding(g)
    const sealed = sealField(key, g.bytes(40), binding)
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const tampered = sealed.slice()
      tampered[bit >> 3]! ^= 1 << (bit & 7)
      const want = bit < 8 ? 'unsupported_version' : 'decrypt_failed'
      expect(
        errorCode(() => openField(key, tampered, binding)),
        `bit ${bit}`,
      ).toBe(want)
    }
  })

  it('every truncation and every appended byte of a sealed field or wrapped key fails', () => {
    const g = gen(12)
    const key = g.bytes(32)
    const binding = randomBinding(g)
    const sealed = sealField(key, g.bytes(10), binding)
    const wrapped = wrapKey(key, g.bytes(32), 'user-key')
    for (let n = 1; n < sealed.length; n++) {
      expect(
        errorCode(() => openField(key, sealed.subarray(0, n), binding)),
        `len ${n}`,
      ).toBe('decrypt_failed')
    }
    for (let n = 1; n < wrapped.length; n++) {
      expect(
        errorCode(() => unwrapKey(key, wrapped.subarray(0, n), 'user-key')),
        `len ${n}`,
      ).toBe('decrypt_failed')
    }
    expect(errorCode(() => openField(key, new Uint8Array([...sealed, 0]), binding))).toBe(
      'decrypt_failed',
    )
    expect(errorCode(() => unwrapKey(key, new Uint8Array([...wrapped, 0]), 'user-key'))).toBe(
      'decrypt_failed',
    )
  })

  it('a changed object id, version or field, or another key, fails to open', () => {
    for (let s = 100; s < 200; s++) {
      const g = gen(s)
      const key = g.bytes(32)
      const b = randomBinding(g)
      const sealed = sealField(key, g.bytes(g.int(0, 64)), b)
      const otherVersion = b.version === 1 ? 2 : b.version - g.int(1, Math.min(b.version - 1, 5))
      const variants: [string, Uint8Array, FieldBinding][] = [
        ['objectId', key, { ...b, objectId: id(g) }],
        ['version', key, { ...b, version: otherVersion }],
        ['field', key, { ...b, field: FIELDS[(FIELDS.indexOf(b.field) + g.int(1, 2)) % 3]! }],
        ['key', g.bytes(32), b],
      ]
      for (const [what, k, binding] of variants) {
        expect(
          errorCode(() => openField(k, sealed, binding)),
          `seed ${s} ${what}`,
        ).toBe('decrypt_failed')
      }
      expect(openField(key, sealed, b)).toHaveLength(sealed.length - 29)
    }
  })

  it('a wrapped key opens only under its exact context', () => {
    const g = gen(31)
    const kek = g.bytes(32)
    const secretId = id(g)
    const contexts = [
      'user-key',
      `folder-key\0${secretId}`,
      `data-key\0${secretId}\0${1}`,
      `data-key\0${secretId}\0${10}`,
    ]
    for (const context of contexts) {
      const wrapped = wrapKey(kek, g.bytes(32), context)
      for (const other of contexts.filter((c) => c !== context)) {
        expect(
          errorCode(() => unwrapKey(kek, wrapped, other)),
          `${JSON.stringify(context)} as ${JSON.stringify(other)}`,
        ).toBe('decrypt_failed')
      }
      expect(fromB64url(toB64url(unwrapKey(kek, wrapped, context)))).toHaveLength(32)
    }
  })
})
