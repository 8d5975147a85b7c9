import { describe, expect, it } from 'vitest'
import { toB64url } from '@secretsentry/envelope/internal'
import { KeyringError } from './errors.ts'
import { newKey } from './kdf.ts'
import { rewrapForMove } from './move.ts'
import { createServiceToken, openGrant, unlockServiceToken } from './token.ts'
import {
  createFolder,
  createSecret,
  createSecretVersion,
  openSecretMeta,
  openSecretVersion,
  sealSecretMeta,
} from './vault.ts'

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    return e instanceof KeyringError ? e.code : String(e)
  }
  return 'no error'
}

const userKey = newKey()
const a = createFolder(userKey, { name: 'a', path: '/app/a' })
const b = createFolder(userKey, { name: 'b', path: '/app/b' })
const meta = { name: 'DB_PASSWORD', description: '', tags: [], path: '' }

function secretInA() {
  const s = createSecret(a, meta, { value: 'one' })
  const v2 = createSecretVersion(a.key, s.id, 2, { value: 'two' })
  const stored = [
    { version: 1, ...s.value },
    { version: 2, ...v2 },
  ]
  return {
    s,
    stored,
    input: {
      id: s.id,
      metaRevision: 1,
      meta: s.meta.ciphertext,
      versions: stored.map(({ version, wrappedKey }) => ({ version, wrappedKey })),
    },
  }
}

describe('rewrapForMove', () => {
  it('every version opens under the new folder key with its old ciphertext, and no longer under the old', () => {
    const { s, stored, input } = secretInA()
    const moved = rewrapForMove(a.key, b, input)
    expect(moved.folderId).toBe(b.id)
    expect(moved.meta.revision).toBe(2)
    expect(openSecretMeta(b.key, s.id, 2, moved.meta.ciphertext)).toEqual(meta)
    moved.versions.forEach((v, i) => {
      const sealed = {
        version: v.version,
        wrappedKey: v.wrappedKey,
        ciphertext: stored[i]!.ciphertext,
      }
      expect(openSecretVersion(b.key, s.id, sealed).value).toBe(['one', 'two'][i])
      expect(codeOf(() => openSecretVersion(a.key, s.id, sealed))).toBe('decrypt_failed')
    })
  })

  it('a token for the destination reads the moved secret; a token for the source cannot', () => {
    const { s, stored, input } = secretInA()
    const moved = rewrapForMove(a.key, b, input)
    const forB = createServiceToken(userKey, b, [], { path: '/b' })
    const forA = createServiceToken(userKey, a, [], { path: '/a' })
    const sealed = { ...moved.versions[1]!, ciphertext: stored[1]!.ciphertext }
    const keyB = openGrant(unlockServiceToken(forB.text).wrapKey, forB.id, forB.grants[0]!).key
    expect(openSecretVersion(keyB, s.id, sealed).value).toBe('two')
    const keyA = openGrant(unlockServiceToken(forA.text).wrapKey, forA.id, forA.grants[0]!).key
    expect(codeOf(() => openSecretVersion(keyA, s.id, sealed))).toBe('decrypt_failed')
    expect(codeOf(() => openSecretMeta(keyA, s.id, 2, moved.meta.ciphertext))).toBe(
      'decrypt_failed',
    )
  })

  it('renames on the way when given new metadata, and checks it before unwrapping', () => {
    const { s, input } = secretInA()
    const renamed = { ...meta, name: 'DATABASE_PASSWORD' }
    const moved = rewrapForMove(a.key, b, input, { meta: renamed })
    expect(openSecretMeta(b.key, s.id, 2, moved.meta.ciphertext)).toEqual(renamed)
    expect(codeOf(() => rewrapForMove(a.key, b, input, { meta: { ...meta, name: '' } }))).toBe(
      'bad_input',
    )
  })

  it('the wrong source key, tampered metadata or a data key of another version fails with decrypt_failed', () => {
    const { s, input } = secretInA()
    expect(codeOf(() => rewrapForMove(b.key, a, input))).toBe('decrypt_failed')
    const otherMeta = sealSecretMeta(a.key, s.id, 2, meta)
    expect(codeOf(() => rewrapForMove(a.key, b, { ...input, meta: otherMeta }))).toBe(
      'decrypt_failed',
    )
    const swapped = [
      { version: 1, wrappedKey: input.versions[1]!.wrappedKey },
      { version: 2, wrappedKey: input.versions[0]!.wrappedKey },
    ]
    expect(codeOf(() => rewrapForMove(a.key, b, { ...input, versions: swapped }))).toBe(
      'decrypt_failed',
    )
  })

  it('refuses no versions, repeated versions and a revision with no successor', () => {
    const { input } = secretInA()
    expect(codeOf(() => rewrapForMove(a.key, b, { ...input, versions: [] }))).toBe('bad_input')
    const twice = [input.versions[0]!, input.versions[0]!]
    expect(codeOf(() => rewrapForMove(a.key, b, { ...input, versions: twice }))).toBe('bad_input')
    expect(codeOf(() => rewrapForMove(a.key, b, { ...input, metaRevision: 2 ** 31 - 1 }))).toBe(
      'bad_input',
    )
  })

  it('rotates a folder key when the destination is the same folder with a new key', () => {
    const { s, stored, input } = secretInA()
    const rotated = { id: a.id, key: newKey() }
    const moved = rewrapForMove(a.key, rotated, input)
    expect(moved.folderId).toBe(a.id)
    const sealed = { ...moved.versions[0]!, ciphertext: stored[0]!.ciphertext }
    expect(openSecretVersion(rotated.key, s.id, sealed).value).toBe('one')
    expect(toB64url(rotated.key)).not.toBe(toB64url(a.key))
  })
})
