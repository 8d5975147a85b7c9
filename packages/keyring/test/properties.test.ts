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
  KeyringError,
  createServiceToken,
  deriveTokenKeys,
  formatToken,
  grantFolder,
  openGrant,
  openTokenMeta,
  parseToken,
  rewrapForMove,
  sealTokenMeta,
  tokenVerifier,
  tokenVerifierMatches,
  unlockServiceToken,
} from '../src/index.ts'
import type { FieldBinding, FieldName, GrantRole, SecretMeta } from '../src/index.ts'

const FIELDS: FieldName[] = ['secret-meta', 'secret-value', 'folder-meta', 'token-meta']
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

/** '' or /a/b…: segments of printable characters, as a folder tree's paths look. */
function randomPath(g: Gen): string {
  return Array.from({ length: g.int(0, 5) }, () => label(g, 12).replaceAll('/', '-'))
    .filter((x) => x !== '.' && x !== '..')
    .map((x) => `/${x}`)
    .join('')
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

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const randomToken = (g: Gen) => ({ id: id(g), secret: g.bytes(32) })
const GRANT_ROLE_LIST: GrantRole[] = ['root', 'subfolder']

describe('service token properties', () => {
  it('random tokens round-trip through their text, and their grants through grantFolder/openGrant', () => {
    for (let s = 300; s < 400; s++) {
      const g = gen(s)
      const token = randomToken(g)
      const text = formatToken(token)
      expect(parseToken(text), `seed ${s}`).toEqual(token)
      const { wrapKey: tokenWrapKey } = deriveTokenKeys(token)
      const folder = { id: id(g), key: g.bytes(32) }
      const role = g.pick(GRANT_ROLE_LIST)
      const grant = grantFolder(tokenWrapKey, token.id, folder, role)
      expect(openGrant(unlockServiceToken(text).wrapKey, token.id, grant), `seed ${s}`).toEqual({
        folderId: folder.id,
        role,
        key: folder.key,
      })
    }
  })

  it('a grant for folder A under token T opens neither as folder B, nor as the other role, nor under token T′', () => {
    for (let s = 400; s < 500; s++) {
      const g = gen(s)
      const t = randomToken(g)
      const other = randomToken(g)
      const kt = deriveTokenKeys(t)
      const ko = deriveTokenKeys(other)
      const folderA = { id: id(g), key: g.bytes(32) }
      const role = g.pick(GRANT_ROLE_LIST)
      const grant = grantFolder(kt.wrapKey, t.id, folderA, role)
      const otherRole = role === 'root' ? 'subfolder' : 'root'
      const attempts: [string, () => unknown][] = [
        ['folder B', () => openGrant(kt.wrapKey, t.id, { ...grant, folderId: id(g) })],
        ['other role', () => openGrant(kt.wrapKey, t.id, { ...grant, role: otherRole })],
        ["token T'", () => openGrant(ko.wrapKey, other.id, grant)],
        ["T' key, T id", () => openGrant(ko.wrapKey, t.id, grant)],
        ["T key, T' id", () => openGrant(kt.wrapKey, other.id, grant)],
        ['authKey', () => openGrant(kt.authKey, t.id, grant)],
        ['verifier', () => openGrant(tokenVerifier(kt.authKey), t.id, grant)],
        // Same secret, another id: the id is bound into the derivation, not only the AD.
        [
          'same secret other id',
          () => openGrant(deriveTokenKeys({ ...t, id: other.id }).wrapKey, t.id, grant),
        ],
      ]
      for (const [what, fn] of attempts) {
        expect(errorCode(fn), `seed ${s} ${what}`).toBe('decrypt_failed')
      }
    }
  })

  it('a token made for folder A opens none of the grants (nor the meta) of a token made for folder B', () => {
    for (let s = 520; s < 560; s++) {
      const g = gen(s)
      const userKey = g.bytes(32)
      const folder = () => ({ id: id(g), key: g.bytes(32) })
      const a = folder()
      const b = folder()
      const t = createServiceToken(userKey, a, [folder()], { path: randomPath(g) })
      const u = createServiceToken(userKey, b, [folder(), folder()], { path: randomPath(g) })
      const kt = unlockServiceToken(t.text)
      for (const grant of u.grants) {
        const attempts: [string, () => unknown][] = [
          ['as is', () => openGrant(kt.wrapKey, kt.id, grant)],
          ['as folder A', () => openGrant(kt.wrapKey, kt.id, { ...grant, folderId: a.id })],
          ['under U’s id', () => openGrant(kt.wrapKey, u.id, grant)],
        ]
        for (const [what, fn] of attempts) {
          expect(errorCode(fn), `seed ${s} ${grant.role} ${what}`).toBe('decrypt_failed')
        }
      }
      expect(errorCode(() => openTokenMeta(kt.wrapKey, kt.id, u.meta))).toBe('decrypt_failed')
      expect(errorCode(() => openTokenMeta(kt.wrapKey, u.id, u.meta))).toBe('decrypt_failed')
      // …while its own grants open to exactly its folders.
      expect(t.grants.map((x) => openGrant(kt.wrapKey, kt.id, x).folderId)[0]).toBe(a.id)
    }
  })

  it('token meta: random root paths round-trip; every bit flip, another id or another key fails', () => {
    for (let s = 560; s < 600; s++) {
      const g = gen(s)
      const token = randomToken(g)
      const { wrapKey: k } = deriveTokenKeys(token)
      const meta = { path: randomPath(g) }
      const sealed = sealTokenMeta(k, token.id, meta)
      expect(openTokenMeta(k, token.id, sealed), `seed ${s}`).toEqual(meta)
      expect(errorCode(() => openTokenMeta(k, id(g), sealed))).toBe('decrypt_failed')
      expect(errorCode(() => openTokenMeta(g.bytes(32), token.id, sealed))).toBe('decrypt_failed')
      const bytes = fromB64url(sealed)
      const bit = g.int(8, bytes.length * 8 - 1)
      bytes[bit >> 3]! ^= 1 << (bit & 7)
      expect(
        errorCode(() => openTokenMeta(k, token.id, toB64url(bytes))),
        `seed ${s}`,
      ).toBe('decrypt_failed')
    }
  })

  it('every flipped bit and every truncation of a grant fails', () => {
    const g = gen(501)
    const t = randomToken(g)
    const { wrapKey: k } = deriveTokenKeys(t)
    const grant = grantFolder(k, t.id, { id: id(g), key: g.bytes(32) }, 'root')
    const bytes = fromB64url(grant.wrappedKey)
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const tampered = bytes.slice()
      tampered[bit >> 3]! ^= 1 << (bit & 7)
      expect(
        errorCode(() => openGrant(k, t.id, { ...grant, wrappedKey: toB64url(tampered) })),
        `bit ${bit}`,
      ).toBe(bit < 8 ? 'unsupported_version' : 'decrypt_failed')
    }
    for (let n = 1; n < bytes.length; n++) {
      const cut = toB64url(bytes.subarray(0, n))
      expect(
        errorCode(() => openGrant(k, t.id, { ...grant, wrappedKey: cut })),
        `len ${n}`,
      ).toBe('decrypt_failed')
    }
  })

  it('authKey, wrapKey and verifier are pairwise distinct, and the verifier matches only its authKey', () => {
    for (let s = 600; s < 700; s++) {
      const g = gen(s)
      const k = deriveTokenKeys(randomToken(g))
      const v = tokenVerifier(k.authKey)
      expect(new Set([k.authKey, k.wrapKey, v].map(toB64url)).size, `seed ${s}`).toBe(3)
      expect(tokenVerifierMatches(v, k.authKey)).toBe(true)
      expect(tokenVerifierMatches(v, k.wrapKey)).toBe(false)
      expect(tokenVerifierMatches(v, g.bytes(32))).toBe(false)
    }
  })

  it('every one-character change of a token text is refused or is another token: one spelling per token', () => {
    const g = gen(701)
    const token = randomToken(g)
    const text = formatToken(token)
    const outside = ['+', '/', '=', ' ', '.', '\n', 'é', '\u0000']
    for (let i = 0; i < text.length; i++) {
      for (const c of [...ALPHABET, ...outside]) {
        if (c === text[i]) continue
        const changed = text.slice(0, i) + c + text.slice(i + 1)
        let parsed: ReturnType<typeof parseToken> | undefined
        try {
          parsed = parseToken(changed)
        } catch (e) {
          expect(e instanceof KeyringError ? e.code : e, `${i} ${JSON.stringify(c)}`).toBe(
            'bad_token',
          )
          continue
        }
        // Accepted only inside the id or secret, with an alphabet character, canonically.
        expect(i >= 4 && i !== 26 && ALPHABET.includes(c), `${i} ${JSON.stringify(c)}`).toBe(true)
        expect(formatToken(parsed)).toBe(changed)
        expect(parsed.id === token.id && toB64url(parsed.secret) === toB64url(token.secret)).toBe(
          false,
        )
      }
    }
    for (let n = 0; n <= 90; n++) {
      if (n === text.length) continue
      const t = n <= text.length ? text.slice(0, n) : text + 'A'.repeat(n - text.length)
      expect(
        errorCode(() => parseToken(t)),
        `length ${n}`,
      ).toBe('bad_token')
    }
  })

  it('rewrapForMove: any set of versions opens under the new key with the same values', () => {
    for (let s = 800; s < 830; s++) {
      const g = gen(s)
      const from = { id: id(g), key: g.bytes(32) }
      const to = { id: id(g), key: g.bytes(32) }
      const secretId = id(g)
      const revision = g.int(1, 1000)
      const meta = randomMeta(g)
      const versions = [
        ...new Set(Array.from({ length: g.int(1, 6) }, () => g.int(1, 2 ** 31 - 1))),
      ]
      const stored = versions.map((version) => {
        const value = { value: g.text(g.int(0, 50)).replace(/\p{Cs}/gu, '?') }
        return { version, value, ...createSecretVersion(from.key, secretId, version, value) }
      })
      const moved = rewrapForMove(from.key, to, {
        id: secretId,
        metaRevision: revision,
        meta: sealSecretMeta(from.key, secretId, revision, meta),
        versions: stored.map(({ version, wrappedKey }) => ({ version, wrappedKey })),
      })
      expect(
        openSecretMeta(to.key, secretId, revision + 1, moved.meta.ciphertext),
        `seed ${s}`,
      ).toEqual(meta)
      moved.versions.forEach((v, i) => {
        const sealed = { ...v, ciphertext: stored[i]!.ciphertext }
        expect(openSecretVersion(to.key, secretId, sealed), `seed ${s}`).toEqual(stored[i]!.value)
        expect(errorCode(() => openSecretVersion(from.key, secretId, sealed))).toBe(
          'decrypt_failed',
        )
      })
    }
  })
})
