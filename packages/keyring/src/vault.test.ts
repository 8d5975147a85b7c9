import { beforeAll, describe, expect, it } from 'vitest'
import { asyncErrorCode, errorCode } from '../../envelope/test/error-code.ts'
import { fromB64url, toB64url } from '@secretsentry/envelope/internal'
import { KDF_DEFAULTS, KDF_MINIMUMS, deriveAccountKeys, newId, newKey } from './kdf.ts'
import type { KdfParams } from './kdf.ts'
import {
  changePassword,
  createAccount,
  createFolder,
  createSecret,
  createSecretVersion,
  openFolder,
  openFolderMeta,
  openSecretMeta,
  openSecretValue,
  openSecretVersion,
  sealSecretMeta,
  unlockAccount,
  unwrapUserKey,
} from './vault.ts'
import type { NewAccount, NewSecret } from './vault.ts'
import { dataKeyContext, unwrapKey } from './wrap.ts'

// The client's floor: small enough for tests (~0.1–0.3 s), and the smallest a server may store.
const KDF: KdfParams = { algorithm: 'argon2id', ...KDF_MINIMUMS }
const PASSWORD = 'correct horse battery staple'
const meta = (name: string) => ({
  name,
  description: `about ${name}`,
  tags: ['prod'],
  path: '/app',
})

let account: NewAccount
let other: NewAccount
beforeAll(async () => {
  account = await createAccount(PASSWORD, KDF)
  other = await createAccount('another person entirely', KDF)
})

const flip = (b64: string, byte: number): string => {
  const b = fromB64url(b64)
  b[byte < 0 ? b.length + byte : byte]! ^= 1
  return toB64url(b)
}

describe('accounts', () => {
  it('createAccount gives the register body: 16-byte salt, 32-byte authKey, 61-byte wrapped keys, a first folder', () => {
    expect(fromB64url(account.salt)).toHaveLength(16)
    expect(fromB64url(account.authKey)).toHaveLength(32)
    expect(fromB64url(account.wrappedUserKey)).toHaveLength(61)
    expect(fromB64url(account.folder.wrappedKey)).toHaveLength(61)
    expect(account.kdf).toEqual(KDF)
    expect(account.userKey).toHaveLength(32)
    expect(openFolder(account.userKey, account.folder).meta).toEqual({ name: 'Personal', path: '' })
    expect(account.salt).not.toBe(other.salt)
  })

  it('unlockAccount with the right password gives the same authKey and userKey', async () => {
    const u = await unlockAccount(PASSWORD, account)
    expect(u.authKey).toBe(account.authKey)
    expect(u.userKey).toEqual(account.userKey)
    // NFC: the same password in decomposed form unlocks too.
    const nfc = await createAccount('caf\u00e9', KDF)
    expect((await unlockAccount('cafe\u0301', nfc)).userKey).toEqual(nfc.userKey)
  })

  it('a wrong password is decrypt_failed', async () => {
    for (const pw of [
      'correct horse battery stapl',
      'Correct horse battery staple',
      `${PASSWORD} `,
    ]) {
      expect(await asyncErrorCode(unlockAccount(pw, account)), pw).toBe('decrypt_failed')
    }
  })

  it("another account's wrappedUserKey, another salt, or a tampered wrappedUserKey does not unlock", async () => {
    const swapped = { ...account, wrappedUserKey: other.wrappedUserKey }
    expect(await asyncErrorCode(unlockAccount(PASSWORD, swapped))).toBe('decrypt_failed')
    const otherSalt = { ...account, salt: other.salt }
    expect(await asyncErrorCode(unlockAccount(PASSWORD, otherSalt))).toBe('decrypt_failed')
    // Every byte, with the right kek (derived once): version byte, nonce, ciphertext, tag.
    const { kek } = await deriveAccountKeys(PASSWORD, fromB64url(account.salt), KDF)
    expect(unwrapUserKey(kek, account.wrappedUserKey)).toEqual(account.userKey)
    for (let byte = 0; byte < 61; byte++) {
      const want = byte === 0 ? 'unsupported_version' : 'decrypt_failed'
      expect(
        errorCode(() => unwrapUserKey(kek, flip(account.wrappedUserKey, byte))),
        `${byte}`,
      ).toBe(want)
    }
  })

  it('a downgraded KDF from the server is refused before deriving (kdf_too_weak), a huge one too (kdf_invalid)', async () => {
    const weak = [
      { ...KDF, memoryKiB: 1024 },
      { ...KDF, iterations: 1 },
      { ...KDF, memoryKiB: 19455 },
    ]
    for (const kdf of weak) {
      expect(await asyncErrorCode(unlockAccount(PASSWORD, { ...account, kdf }))).toBe(
        'kdf_too_weak',
      )
      expect(await asyncErrorCode(createAccount(PASSWORD, kdf))).toBe('kdf_too_weak')
      expect(await asyncErrorCode(changePassword(PASSWORD, account, 'new', kdf))).toBe(
        'kdf_too_weak',
      )
    }
    const huge = [
      { ...KDF, memoryKiB: 2 * 1048576 },
      { ...KDF, iterations: 100 },
      { ...KDF, parallelism: 16 },
    ]
    for (const kdf of huge) {
      expect(await asyncErrorCode(unlockAccount(PASSWORD, { ...account, kdf }))).toBe('kdf_invalid')
    }
  })

  it('changePassword re-wraps the same userKey: the new password unlocks it, the old one no longer does', async () => {
    const fractions: number[] = []
    const change = await changePassword(PASSWORD, account, 'a new password', KDF, {
      onProgress: (f) => fractions.push(f),
    })
    expect(Object.keys(change).sort()).toEqual(
      ['authKey', 'newAuthKey', 'newKdf', 'newSalt', 'newWrappedUserKey'].sort(),
    )
    expect(change.authKey).toBe(account.authKey)
    expect(change.newSalt).not.toBe(account.salt)
    expect(change.newAuthKey).not.toBe(account.authKey)
    const moved = {
      salt: change.newSalt,
      kdf: change.newKdf,
      wrappedUserKey: change.newWrappedUserKey,
    }
    const u = await unlockAccount('a new password', moved)
    expect(u.userKey).toEqual(account.userKey)
    expect(u.authKey).toBe(change.newAuthKey)
    expect(await asyncErrorCode(unlockAccount(PASSWORD, moved))).toBe('decrypt_failed')
    // Folders are untouched: the same wrapped folder key opens under the same userKey.
    expect(openFolder(u.userKey, account.folder).key).toHaveLength(32)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(fractions.some((f) => f > 0 && f < 0.5)).toBe(true)
    expect(fractions.some((f) => f > 0.5 && f < 1)).toBe(true)
    expect(fractions.at(-1)).toBe(1)
  })

  it('changePassword with a wrong current password fails locally with decrypt_failed', async () => {
    expect(await asyncErrorCode(changePassword('not it', account, 'x', KDF))).toBe('decrypt_failed')
  })

  it('at the defaults (64 MiB, t=3): create, then unlock', async () => {
    const a = await createAccount(PASSWORD, undefined, { folderName: 'Work' })
    expect(a.kdf).toEqual(KDF_DEFAULTS)
    const u = await unlockAccount(PASSWORD, a)
    expect(u.userKey).toEqual(a.userKey)
    expect(openFolder(u.userKey, a.folder).meta.name).toBe('Work')
  })
})

describe('folders and secrets', () => {
  let folder: ReturnType<typeof openFolder>
  let s1: NewSecret
  let s2: NewSecret
  beforeAll(() => {
    folder = openFolder(account.userKey, account.folder)
    s1 = createSecret(folder, meta('one'), { value: 'value of one' })
    s2 = createSecret(folder, meta('two'), { value: 'value of two' })
  })

  it('createSecret gives the POST /api/secrets body, and both parts open', () => {
    expect(Object.keys(s1).sort()).toEqual(['folderId', 'id', 'meta', 'value'])
    expect(Object.keys(s1.value).sort()).toEqual(['ciphertext', 'wrappedKey'])
    expect(s1.folderId).toBe(folder.id)
    expect(openSecretMeta(folder.key, s1.id, 1, s1.meta.ciphertext)).toEqual(meta('one'))
    expect(openSecretVersion(folder.key, s1.id, { version: 1, ...s1.value })).toEqual({
      value: 'value of one',
    })
  })

  it('each version has its own data key; a new version opens, the old one still opens as itself', () => {
    const v2 = createSecretVersion(folder.key, s1.id, 2, { value: 'rotated' })
    expect(openSecretVersion(folder.key, s1.id, { version: 2, ...v2 })).toEqual({
      value: 'rotated',
    })
    expect(openSecretVersion(folder.key, s1.id, { version: 1, ...s1.value }).value).toBe(
      'value of one',
    )
    const k1 = unwrapKey(folder.key, fromB64url(s1.value.wrappedKey), dataKeyContext(s1.id, 1))
    const k2 = unwrapKey(folder.key, fromB64url(v2.wrappedKey), dataKeyContext(s1.id, 2))
    expect(k1).not.toEqual(k2)
  })

  // Security promise (SPEC.md §7): every swap the server could try fails to open.
  it('the value of another secret does not open as this one', () => {
    const code = errorCode(() => openSecretVersion(folder.key, s1.id, { version: 1, ...s2.value }))
    expect(code).toBe('decrypt_failed')
    // Only the ciphertext swapped (this secret's own data key): still refused.
    const mixed = { version: 1, wrappedKey: s1.value.wrappedKey, ciphertext: s2.value.ciphertext }
    expect(errorCode(() => openSecretVersion(folder.key, s1.id, mixed))).toBe('decrypt_failed')
  })

  it('an old version presented as a newer one does not open', () => {
    const v2 = createSecretVersion(folder.key, s1.id, 2, { value: 'rotated' })
    expect(errorCode(() => openSecretVersion(folder.key, s1.id, { version: 2, ...s1.value }))).toBe(
      'decrypt_failed',
    )
    expect(errorCode(() => openSecretVersion(folder.key, s1.id, { version: 1, ...v2 }))).toBe(
      'decrypt_failed',
    )
    // Even with the right data key at hand, a value sealed for version 1 is not version 2's.
    const k1 = unwrapKey(folder.key, fromB64url(s1.value.wrappedKey), dataKeyContext(s1.id, 1))
    expect(errorCode(() => openSecretValue(k1, s1.id, 2, s1.value.ciphertext))).toBe(
      'decrypt_failed',
    )
  })

  it("another secret's metadata, or an older revision's, does not open as this one", () => {
    expect(errorCode(() => openSecretMeta(folder.key, s1.id, 1, s2.meta.ciphertext))).toBe(
      'decrypt_failed',
    )
    const rev2 = sealSecretMeta(folder.key, s1.id, 2, meta('one, renamed'))
    expect(errorCode(() => openSecretMeta(folder.key, s1.id, 2, s1.meta.ciphertext))).toBe(
      'decrypt_failed',
    )
    expect(openSecretMeta(folder.key, s1.id, 2, rev2).name).toBe('one, renamed')
  })

  it('metadata as a value, a value as metadata, folder metadata as secret metadata: all refused', () => {
    const k1 = unwrapKey(folder.key, fromB64url(s1.value.wrappedKey), dataKeyContext(s1.id, 1))
    // Meta is under the folder key, so try it with the folder key and with the data key.
    for (const key of [folder.key, k1]) {
      expect(errorCode(() => openSecretValue(key, s1.id, 1, s1.meta.ciphertext))).toBe(
        'decrypt_failed',
      )
    }
    expect(errorCode(() => openSecretMeta(k1, s1.id, 1, s1.value.ciphertext))).toBe(
      'decrypt_failed',
    )
    expect(errorCode(() => openSecretMeta(folder.key, folder.id, 1, account.folder.meta))).toBe(
      'decrypt_failed',
    )
    expect(errorCode(() => openFolderMeta(folder.key, s1.id, s1.meta.ciphertext))).toBe(
      'decrypt_failed',
    )
  })

  it("another folder's key or metadata does not open as this folder's", () => {
    const f2 = createFolder(account.userKey, { name: 'Second', path: '/two' })
    const swappedKey = { ...account.folder, wrappedKey: f2.wrappedKey }
    expect(errorCode(() => openFolder(account.userKey, swappedKey))).toBe('decrypt_failed')
    const swappedMeta = { ...account.folder, meta: f2.meta }
    expect(errorCode(() => openFolder(account.userKey, swappedMeta))).toBe('decrypt_failed')
    expect(openFolder(account.userKey, f2).meta).toEqual({ name: 'Second', path: '/two' })
    // A secret of folder 1 does not open under folder 2's key.
    expect(errorCode(() => openSecretVersion(f2.key, s1.id, { version: 1, ...s1.value }))).toBe(
      'decrypt_failed',
    )
  })

  it("another account's folder does not open with this account's userKey", () => {
    expect(errorCode(() => openFolder(account.userKey, other.folder))).toBe('decrypt_failed')
    expect(errorCode(() => unwrapUserKey(newKey(), account.wrappedUserKey))).toBe('decrypt_failed')
  })

  it('any flipped bit in a wrapped data key or sealed value is refused', () => {
    for (const part of ['wrappedKey', 'ciphertext'] as const) {
      const len = fromB64url(s1.value[part]).length
      for (let byte = 0; byte < len; byte++) {
        const tampered = { version: 1, ...s1.value, [part]: flip(s1.value[part], byte) }
        const want = byte === 0 ? 'unsupported_version' : 'decrypt_failed'
        expect(
          errorCode(() => openSecretVersion(folder.key, s1.id, tampered)),
          `${part} ${byte}`,
        ).toBe(want)
      }
    }
  })

  it('ids are checked: a non-canonical or wrong-length id is bad_input, not a silent rebinding', () => {
    const id = newId()
    const lowBit = id.slice(0, 21) + 'B' // 22nd character must have its low 4 bits clear
    expect(errorCode(() => createSecretVersion(folder.key, lowBit, 1, { value: 'x' }))).toBe(
      'bad_input',
    )
    expect(errorCode(() => createSecretVersion(folder.key, `${id}A`, 1, { value: 'x' }))).toBe(
      'bad_input',
    )
  })
})
