/** @module Writes test/vectors/v1.json from an implementation independent of src/ (node:crypto; noble only for Argon2id, which Node 20 lacks). */
/* eslint-disable no-restricted-imports, no-restricted-globals -- a Node-only generator; src/ never imports it. */
import { createCipheriv, createHash, hkdfSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { argon2id } from '../../envelope/scripts/checked-argon2id.ts'

// Written from SPEC.md alone, on purpose without importing src/: if both implementations shared a
// misreading of the spec, the vectors could not catch it.

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest()
const hkdf = (ikm: Uint8Array, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.from(info, 'ascii'), 32))

interface Kdf {
  algorithm: 'argon2id'
  memoryKiB: number
  iterations: number
  parallelism: number
}
const MIN_KDF: Kdf = { algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 }

/** SPEC.md §3.2. */
function accountKeys(password: string, salt: Buffer, kdf: Kdf) {
  const masterKey = argon2id(Buffer.from(password.normalize('NFC'), 'utf8'), salt, {
    m: kdf.memoryKiB,
    t: kdf.iterations,
    p: kdf.parallelism,
    dkLen: 32,
  })
  return {
    masterKey: Buffer.from(masterKey),
    authKey: hkdf(masterKey, 'secretsentry/v1/account/auth'),
    kek: hkdf(masterKey, 'secretsentry/v1/account/kek'),
  }
}

/** SPEC.md §4: 0x01 || nonce || AES-256-GCM(key, nonce, ad, plaintext) || tag. */
function seal(key: Buffer, nonce: Buffer, ad: Buffer, plaintext: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
  c.setAAD(ad)
  const body = Buffer.concat([c.update(plaintext), c.final()])
  return Buffer.concat([Buffer.from([1]), nonce, body, c.getAuthTag()])
}

const wrapAd = (context: string) => Buffer.from(`secretsentry/v1/wrap\0${context}`, 'utf8')
type Field = 'secret-meta' | 'secret-value' | 'folder-meta' | 'token-meta'
interface Binding {
  objectId: string
  version: number
  field: Field
}
const fieldAd = (b: Binding) =>
  Buffer.from(`secretsentry/v1/field\0${b.field}\0${b.objectId}\0${b.version}`, 'utf8')

const keyOf = (label: string) => sha256(`secretsentry/v1 keyring vector key ${label}`)
const idOf = (label: string) =>
  b64(sha256(`secretsentry/v1 keyring vector id ${label}`).subarray(0, 16))
const saltOf = (label: string) =>
  sha256(`secretsentry/v1 keyring vector salt ${label}`).subarray(0, 16)
const nonceOf = (label: string) =>
  sha256(`secretsentry/v1 keyring vector nonce ${label}`).subarray(0, 12)

// ── Accounts (§3) ─────────────────────────────────────────────────────────────

interface AccountCase {
  name: string
  password: string
  saltLabel: string
  kdf: Kdf
}
const accountCases: AccountCase[] = [
  {
    name: 'ascii-minimum-kdf',
    password: 'correct horse battery staple',
    saltLabel: 'a',
    kdf: MIN_KDF,
  },
  {
    name: 'unicode-t3-p2',
    password: 'Grüße 🔑 秘密 ☃ 𝄞',
    saltLabel: 'b',
    kdf: { algorithm: 'argon2id', memoryKiB: 20000, iterations: 3, parallelism: 2 },
  },
  {
    name: 'password-nfc',
    password: 'pa\u00dfw\u00f6rt \u00e9t\u00e9',
    saltLabel: 'c',
    kdf: MIN_KDF,
  },
  {
    name: 'password-nfd',
    password: 'pa\u00dfwo\u0308rt e\u0301te\u0301',
    saltLabel: 'c',
    kdf: MIN_KDF,
  },
]
const accounts = accountCases.map((c) => {
  const salt = saltOf(c.saltLabel)
  const k = accountKeys(c.password, salt, c.kdf)
  return {
    name: c.name,
    password: c.password,
    salt: b64(salt),
    kdf: c.kdf,
    masterKey: b64(k.masterKey),
    authKey: b64(k.authKey),
    kek: b64(k.kek),
  }
})

// ── Key wraps (§4.1) ──────────────────────────────────────────────────────────

const folderA = idOf('folder-a')
const secretA = idOf('secret-a')
interface WrapCase {
  name: string
  wrappingKey: Buffer
  key: Buffer
  context: string
}
const wrapCases: WrapCase[] = [
  { name: 'user-key', wrappingKey: keyOf('kek'), key: keyOf('user'), context: 'user-key' },
  {
    name: 'folder-key',
    wrappingKey: keyOf('user'),
    key: keyOf('folder'),
    context: `folder-key\0${folderA}`,
  },
  {
    name: 'data-key-v1',
    wrappingKey: keyOf('folder'),
    key: keyOf('data-1'),
    context: `data-key\0${secretA}\0${1}`,
  },
  {
    name: 'data-key-max-version',
    wrappingKey: keyOf('folder'),
    key: keyOf('data-max'),
    context: `data-key\0${secretA}\0${2147483647}`,
  },
]
const wraps = wrapCases.map((c) => {
  const nonce = nonceOf(`wrap ${c.name}`)
  return {
    name: c.name,
    wrappingKey: b64(c.wrappingKey),
    key: b64(c.key),
    context: c.context,
    nonce: b64(nonce),
    wrapped: b64(seal(c.wrappingKey, nonce, wrapAd(c.context), c.key)),
  }
})

// ── Sealed fields and records (§4.2, §6) ──────────────────────────────────────

/** SPEC.md §6: JSON.stringify with the keys in the spec's order, UTF-8. */
type SecretMeta = { name: string; description: string; tags: string[]; path: string }
type RecordValue =
  SecretMeta | { value: string } | { name: string; path: string } | { path: string }
const canonical = (field: Field, r: RecordValue): Buffer => {
  const ordered =
    field === 'token-meta'
      ? { path: (r as { path: string }).path }
      : field === 'secret-meta'
        ? (({ name, description, tags, path }: SecretMeta) => ({ name, description, tags, path }))(
            r as SecretMeta,
          )
        : field === 'secret-value'
          ? { value: (r as { value: string }).value }
          : { name: (r as { name: string }).name, path: (r as { path: string }).path }
  return Buffer.from(JSON.stringify(ordered), 'utf8')
}

interface FieldCase {
  name: string
  keyLabel: string
  binding: Binding
  record: RecordValue
}
const fieldCases: FieldCase[] = [
  {
    name: 'secret-meta-minimal',
    keyLabel: 'folder',
    binding: { objectId: secretA, version: 1, field: 'secret-meta' },
    record: { name: 'db', description: '', tags: [], path: '' },
  },
  {
    name: 'secret-meta-unicode',
    keyLabel: 'folder',
    binding: { objectId: secretA, version: 7, field: 'secret-meta' },
    record: {
      name: 'Grüße 🔑 秘密 "prod" \\ db',
      description: 'line 1\nline 2\r\n\ttabbed </script> \u2028 e\u0301',
      tags: ['prod', '🔑', 'team a', 'x'.repeat(50)],
      path: '/app/prod/db',
    },
  },
  {
    name: 'secret-value-empty',
    keyLabel: 'data-1',
    binding: { objectId: secretA, version: 1, field: 'secret-value' },
    record: { value: '' },
  },
  {
    name: 'secret-value-escapes',
    keyLabel: 'data-1',
    binding: { objectId: secretA, version: 1, field: 'secret-value' },
    record: { value: 'API_KEY=sk_live_0123\u0000\u0001\u001f\u007f"\\/\b\f\n\r\t \u2028\u2029 𝄞' },
  },
  {
    name: 'secret-value-max-version',
    keyLabel: 'data-max',
    binding: { objectId: secretA, version: 2147483647, field: 'secret-value' },
    record: { value: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n' },
  },
  {
    name: 'folder-meta',
    keyLabel: 'folder',
    binding: { objectId: folderA, version: 1, field: 'folder-meta' },
    record: { name: 'Personal', path: '' },
  },
  {
    name: 'folder-meta-path',
    keyLabel: 'folder',
    binding: { objectId: folderA, version: 1, field: 'folder-meta' },
    record: { name: 'Production · EU', path: '/teams/ops' },
  },
]
const fields = fieldCases.map((c) => {
  const nonce = nonceOf(`field ${c.name}`)
  const plaintext = canonical(c.binding.field, c.record)
  return {
    name: c.name,
    key: b64(keyOf(c.keyLabel)),
    binding: c.binding,
    record: c.record,
    plaintext: b64(plaintext),
    nonce: b64(nonce),
    sealed: b64(seal(keyOf(c.keyLabel), nonce, fieldAd(c.binding), plaintext)),
  }
})

// ── One whole account (§5): what the server stores after registration and one secret ─────

const chainPassword = 'vault chain password'
const chainSalt = saltOf('chain')
const chainKeys = accountKeys(chainPassword, chainSalt, MIN_KDF)
const userKey = keyOf('chain user')
const folderKey = keyOf('chain folder')
const dataKey = keyOf('chain data 3')
const chainFolderId = idOf('chain folder')
const chainSecretId = idOf('chain secret')
const folderMetaRecord = { name: 'Personal', path: '' }
const secretMetaRecord = {
  name: 'Stripe live key',
  description: 'billing',
  tags: ['prod'],
  path: '/billing',
}
const secretValueRecord = { value: 'sk_live_51Hx0123456789' }
const chain = {
  password: chainPassword,
  salt: b64(chainSalt),
  kdf: MIN_KDF,
  authKey: b64(chainKeys.authKey),
  userKey: b64(userKey),
  wrappedUserKey: b64(seal(chainKeys.kek, nonceOf('chain user'), wrapAd('user-key'), userKey)),
  folder: {
    id: chainFolderId,
    key: b64(folderKey),
    wrappedKey: b64(
      seal(userKey, nonceOf('chain folder'), wrapAd(`folder-key\0${chainFolderId}`), folderKey),
    ),
    metaRecord: folderMetaRecord,
    meta: b64(
      seal(
        folderKey,
        nonceOf('chain folder meta'),
        fieldAd({ objectId: chainFolderId, version: 1, field: 'folder-meta' }),
        canonical('folder-meta', folderMetaRecord),
      ),
    ),
  },
  secret: {
    id: chainSecretId,
    metaRevision: 2,
    metaRecord: secretMetaRecord,
    meta: b64(
      seal(
        folderKey,
        nonceOf('chain secret meta'),
        fieldAd({ objectId: chainSecretId, version: 2, field: 'secret-meta' }),
        canonical('secret-meta', secretMetaRecord),
      ),
    ),
    value: {
      version: 3,
      wrappedKey: b64(
        seal(
          folderKey,
          nonceOf('chain data key'),
          wrapAd(`data-key\0${chainSecretId}\0${3}`),
          dataKey,
        ),
      ),
      ciphertext: b64(
        seal(
          dataKey,
          nonceOf('chain value'),
          fieldAd({ objectId: chainSecretId, version: 3, field: 'secret-value' }),
          canonical('secret-value', secretValueRecord),
        ),
      ),
    },
    valueRecord: secretValueRecord,
  },
}

// ── Refusals ──────────────────────────────────────────────────────────────────

const withByte = (text: string, i: number, f: (b: number) => number) => {
  const b = Buffer.from(text, 'base64url')
  b[i] = f(b[i]!)
  return b64(b)
}
const cut = (text: string, end: number) => b64(Buffer.from(text, 'base64url').subarray(0, end))

const folderWrap = wraps.find((w) => w.name === 'folder-key')!
const invalidUnwraps = [
  {
    name: 'tag-bit-flipped',
    vector: 'folder-key',
    wrapped: withByte(folderWrap.wrapped, 60, (b) => b ^ 1),
    error: 'decrypt_failed',
  },
  {
    name: 'nonce-bit-flipped',
    vector: 'folder-key',
    wrapped: withByte(folderWrap.wrapped, 1, (b) => b ^ 0x80),
    error: 'decrypt_failed',
  },
  {
    name: 'ciphertext-bit-flipped',
    vector: 'folder-key',
    wrapped: withByte(folderWrap.wrapped, 20, (b) => b ^ 4),
    error: 'decrypt_failed',
  },
  {
    name: 'version-byte-2',
    vector: 'folder-key',
    wrapped: withByte(folderWrap.wrapped, 0, () => 2),
    error: 'unsupported_version',
  },
  { name: 'empty', vector: 'folder-key', wrapped: '', error: 'decrypt_failed' },
  {
    name: 'one-byte-short',
    vector: 'folder-key',
    wrapped: cut(folderWrap.wrapped, 60),
    error: 'decrypt_failed',
  },
  {
    name: 'one-byte-long',
    vector: 'folder-key',
    wrapped: b64(Buffer.concat([Buffer.from(folderWrap.wrapped, 'base64url'), Buffer.from([0])])),
    error: 'decrypt_failed',
  },
  {
    name: 'other-folder-context',
    vector: 'folder-key',
    context: `folder-key\0${idOf('folder-b')}`,
    error: 'decrypt_failed',
  },
  {
    name: 'folder-key-as-user-key',
    vector: 'folder-key',
    context: 'user-key',
    error: 'decrypt_failed',
  },
  {
    name: 'data-key-other-version',
    vector: 'data-key-v1',
    context: `data-key\0${secretA}\0${2}`,
    error: 'decrypt_failed',
  },
  {
    name: 'data-key-other-secret',
    vector: 'data-key-v1',
    context: `data-key\0${idOf('secret-b')}\0${1}`,
    error: 'decrypt_failed',
  },
  {
    name: 'data-key-under-user-key',
    vector: 'data-key-v1',
    wrappingKey: b64(keyOf('user')),
    error: 'decrypt_failed',
  },
].map((v) => ({ wrapped: wraps.find((w) => w.name === v.vector)!.wrapped, ...v }))

const metaField = fields.find((f) => f.name === 'secret-meta-minimal')!
const valueField = fields.find((f) => f.name === 'secret-value-escapes')!
const folderField = fields.find((f) => f.name === 'folder-meta')!
// Authentic ciphertexts (right key, right binding) whose plaintext is not a valid record.
const badRecord = (
  label: string,
  binding: Binding,
  keyLabel: string,
  plaintext: string | Buffer,
) => ({
  name: label,
  key: b64(keyOf(keyLabel)),
  binding,
  sealed: b64(
    seal(
      keyOf(keyLabel),
      nonceOf(`bad record ${label}`),
      fieldAd(binding),
      typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext,
    ),
  ),
  error: 'bad_record',
})
const metaB = metaField.binding
const metaJson = (o: object) =>
  JSON.stringify({ name: 'db', description: '', tags: [], path: '', ...o })
const invalidOpens = [
  ...[
    {
      name: 'tag-bit-flipped',
      sealed: withByte(
        metaField.sealed,
        -1 + Buffer.from(metaField.sealed, 'base64url').length,
        (b) => b ^ 1,
      ),
      error: 'decrypt_failed',
    },
    {
      name: 'nonce-bit-flipped',
      sealed: withByte(metaField.sealed, 5, (b) => b ^ 0x10),
      error: 'decrypt_failed',
    },
    {
      name: 'ciphertext-bit-flipped',
      sealed: withByte(metaField.sealed, 13, (b) => b ^ 2),
      error: 'decrypt_failed',
    },
    {
      name: 'version-byte-2',
      sealed: withByte(metaField.sealed, 0, () => 2),
      error: 'unsupported_version',
    },
    {
      name: 'version-byte-0',
      sealed: withByte(metaField.sealed, 0, () => 0),
      error: 'unsupported_version',
    },
    { name: 'empty', sealed: '', error: 'decrypt_failed' },
    { name: 'header-only', sealed: cut(metaField.sealed, 13), error: 'decrypt_failed' },
    { name: 'shorter-than-tag', sealed: cut(metaField.sealed, 28), error: 'decrypt_failed' },
    {
      name: 'last-byte-dropped',
      sealed: cut(metaField.sealed, Buffer.from(metaField.sealed, 'base64url').length - 1),
      error: 'decrypt_failed',
    },
  ].map((v) => ({ ...v, key: metaField.key, binding: metaB })),
  // Every swap the server could try: the same bytes presented under another binding.
  {
    name: 'meta-of-another-secret',
    key: metaField.key,
    sealed: metaField.sealed,
    binding: { ...metaB, objectId: idOf('secret-b') },
    error: 'decrypt_failed',
  },
  {
    name: 'meta-at-another-revision',
    key: metaField.key,
    sealed: metaField.sealed,
    binding: { ...metaB, version: 2 },
    error: 'decrypt_failed',
  },
  {
    name: 'meta-as-folder-meta',
    key: metaField.key,
    sealed: metaField.sealed,
    binding: { ...metaB, field: 'folder-meta' },
    error: 'decrypt_failed',
  },
  {
    name: 'meta-as-value',
    key: metaField.key,
    sealed: metaField.sealed,
    binding: { ...metaB, field: 'secret-value' },
    error: 'decrypt_failed',
  },
  {
    name: 'value-as-meta',
    key: valueField.key,
    sealed: valueField.sealed,
    binding: { ...valueField.binding, field: 'secret-meta' },
    error: 'decrypt_failed',
  },
  {
    name: 'value-of-another-version',
    key: valueField.key,
    sealed: valueField.sealed,
    binding: { ...valueField.binding, version: 2 },
    error: 'decrypt_failed',
  },
  {
    name: 'value-of-another-secret',
    key: valueField.key,
    sealed: valueField.sealed,
    binding: { ...valueField.binding, objectId: idOf('secret-b') },
    error: 'decrypt_failed',
  },
  {
    name: 'folder-meta-of-another-folder',
    key: folderField.key,
    sealed: folderField.sealed,
    binding: { ...folderField.binding, objectId: idOf('folder-b') },
    error: 'decrypt_failed',
  },
  {
    name: 'folder-meta-as-secret-meta',
    key: folderField.key,
    sealed: folderField.sealed,
    binding: { ...folderField.binding, field: 'secret-meta' },
    error: 'decrypt_failed',
  },
  {
    name: 'meta-under-another-key',
    key: b64(keyOf('other folder')),
    sealed: metaField.sealed,
    binding: metaB,
    error: 'decrypt_failed',
  },
  // Authentic but not a valid record.
  badRecord('meta-not-json', metaB, 'folder', 'name=db'),
  badRecord('meta-bad-utf8', metaB, 'folder', Buffer.from([0x7b, 0xc3, 0x28, 0x7d])),
  badRecord(
    'meta-bom',
    metaB,
    'folder',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(metaJson({}))]),
  ),
  badRecord('meta-whitespace', metaB, 'folder', JSON.stringify(JSON.parse(metaJson({})), null, 1)),
  badRecord(
    'meta-key-order',
    metaB,
    'folder',
    JSON.stringify({ description: '', name: 'db', tags: [], path: '' }),
  ),
  badRecord('meta-escaped-ascii', metaB, 'folder', metaJson({}).replace('"db"', '"\\u0064b"')),
  badRecord(
    'meta-duplicate-key',
    metaB,
    'folder',
    '{"name":"x","name":"db","description":"","tags":[],"path":""}',
  ),
  badRecord('meta-array', metaB, 'folder', '["db","",[],""]'),
  badRecord('meta-extra-key', metaB, 'folder', metaJson({ notes: 'x' })),
  badRecord(
    'meta-missing-path',
    metaB,
    'folder',
    JSON.stringify({ name: 'db', description: '', tags: [] }),
  ),
  badRecord('meta-name-empty', metaB, 'folder', metaJson({ name: '' })),
  badRecord('meta-name-201', metaB, 'folder', metaJson({ name: 'n'.repeat(201) })),
  badRecord('meta-name-number', metaB, 'folder', metaJson({ name: 5 })),
  badRecord('meta-name-control', metaB, 'folder', metaJson({ name: 'a\u001bb' })),
  badRecord('meta-name-lone-surrogate', metaB, 'folder', metaJson({}).replace('"db"', '"\\ud800"')),
  badRecord('meta-description-2001', metaB, 'folder', metaJson({ description: 'd'.repeat(2001) })),
  badRecord('meta-description-bell', metaB, 'folder', metaJson({ description: 'ding\u0007' })),
  badRecord(
    'meta-21-tags',
    metaB,
    'folder',
    metaJson({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }),
  ),
  badRecord('meta-tag-51', metaB, 'folder', metaJson({ tags: ['t'.repeat(51)] })),
  badRecord('meta-tag-empty', metaB, 'folder', metaJson({ tags: [''] })),
  badRecord('meta-tag-untrimmed', metaB, 'folder', metaJson({ tags: [' prod'] })),
  badRecord('meta-tags-duplicate', metaB, 'folder', metaJson({ tags: ['prod', 'prod'] })),
  badRecord('meta-tags-not-array', metaB, 'folder', metaJson({ tags: 'prod' })),
  badRecord('meta-path-relative', metaB, 'folder', metaJson({ path: 'app/prod' })),
  badRecord('meta-path-trailing-slash', metaB, 'folder', metaJson({ path: '/app/' })),
  badRecord('meta-path-empty-segment', metaB, 'folder', metaJson({ path: '/app//db' })),
  badRecord('meta-path-dotdot', metaB, 'folder', metaJson({ path: '/app/../db' })),
  badRecord('meta-path-201', metaB, 'folder', metaJson({ path: `/${'p'.repeat(200)}` })),
  badRecord('value-number', valueField.binding, 'data-1', '{"value":42}'),
  badRecord('value-extra-key', valueField.binding, 'data-1', '{"value":"x","version":1}'),
  badRecord('value-lone-surrogate', valueField.binding, 'data-1', '{"value":"\\udc00"}'),
  badRecord('folder-meta-no-name', folderField.binding, 'folder', '{"name":"","path":""}'),
  badRecord('folder-meta-as-secret-meta-record', folderField.binding, 'folder', metaJson({})),
]

const invalidKdf: { name: string; kdf: unknown; error: string }[] = [
  { name: 'null', kdf: null, error: 'kdf_invalid' },
  { name: 'array', kdf: [], error: 'kdf_invalid' },
  { name: 'argon2i', kdf: { ...MIN_KDF, algorithm: 'argon2i' }, error: 'kdf_invalid' },
  { name: 'pbkdf2', kdf: { ...MIN_KDF, algorithm: 'pbkdf2' }, error: 'kdf_invalid' },
  { name: 'memory-string', kdf: { ...MIN_KDF, memoryKiB: '65536' }, error: 'kdf_invalid' },
  { name: 'memory-fraction', kdf: { ...MIN_KDF, memoryKiB: 19456.5 }, error: 'kdf_invalid' },
  { name: 'memory-zero', kdf: { ...MIN_KDF, memoryKiB: 0 }, error: 'kdf_invalid' },
  {
    name: 'iterations-missing',
    kdf: { algorithm: 'argon2id', memoryKiB: 65536, parallelism: 1 },
    error: 'kdf_invalid',
  },
  { name: 'unknown-field', kdf: { ...MIN_KDF, version: 19 }, error: 'kdf_invalid' },
  { name: 'memory-below-minimum', kdf: { ...MIN_KDF, memoryKiB: 19455 }, error: 'kdf_too_weak' },
  { name: 'memory-8-MiB', kdf: { ...MIN_KDF, memoryKiB: 8192 }, error: 'kdf_too_weak' },
  { name: 'iterations-1', kdf: { ...MIN_KDF, iterations: 1 }, error: 'kdf_too_weak' },
  { name: 'memory-above-maximum', kdf: { ...MIN_KDF, memoryKiB: 1048577 }, error: 'kdf_invalid' },
  { name: 'iterations-11', kdf: { ...MIN_KDF, iterations: 11 }, error: 'kdf_invalid' },
  { name: 'parallelism-5', kdf: { ...MIN_KDF, parallelism: 5 }, error: 'kdf_invalid' },
  { name: 'memory-2^32', kdf: { ...MIN_KDF, memoryKiB: 2 ** 32 }, error: 'kdf_invalid' },
]
const validKdf = [
  MIN_KDF,
  { algorithm: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1 },
  { algorithm: 'argon2id', memoryKiB: 1048576, iterations: 10, parallelism: 4 },
]

// ── Service tokens (§11) ──────────────────────────────────────────────────────

const tokenText = (id: string, secret: Buffer) => `sst_${id}_${b64(secret)}`
const tokenVerifier = (authKey: Buffer) =>
  createHash('sha256')
    .update(Buffer.concat([Buffer.from('secretsentry/v1/token/verifier\0', 'utf8'), authKey]))
    .digest()
const grantContext = (tokenId: string, role: string, folderId: string) =>
  `token-grant\0${tokenId}\0${role}\0${folderId}`

const folderSub = idOf('folder-sub')
const tokenUserKey = keyOf('user')
interface TokenCase {
  name: string
  id: string
  secret: Buffer
}
const tokenCases: TokenCase[] = [
  { name: 'token-a', id: idOf('token-a'), secret: keyOf('token-a secret') },
  { name: 'token-b', id: idOf('token-b'), secret: keyOf('token-b secret') },
  // 0xfb bytes encode as "-_-_…" and 0xff as "_…": the text must be parsed by position.
  {
    name: 'token-separator-characters',
    id: b64(Buffer.alloc(16, 0xff)),
    secret: Buffer.alloc(32, 0xfb),
  },
]
const tokens = tokenCases.map((c) => {
  const authKey = hkdf(c.secret, `secretsentry/v1/token/auth\0${c.id}`)
  const wrapKey = hkdf(c.secret, `secretsentry/v1/token/wrap\0${c.id}`)
  const ownerNonce = nonceOf(`token-key ${c.name}`)
  // §11.6: the root's path sealed under wrapKey, bound to (tokenId, 1, 'token-meta').
  const metaRecord = { path: c.name === 'token-b' ? '' : '/app/production' }
  const metaNonce = nonceOf(`token-meta ${c.name}`)
  const grantCases = [
    { folderId: folderA, role: 'root', folderKey: keyOf('folder') },
    { folderId: folderSub, role: 'subfolder', folderKey: keyOf('folder-sub') },
  ]
  return {
    name: c.name,
    id: c.id,
    secret: b64(c.secret),
    text: tokenText(c.id, c.secret),
    authKey: b64(authKey),
    wrapKey: b64(wrapKey),
    verifier: b64(tokenVerifier(authKey)),
    userKey: b64(tokenUserKey),
    ownerNonce: b64(ownerNonce),
    ownerWrappedKey: b64(seal(tokenUserKey, ownerNonce, wrapAd(`token-key\0${c.id}`), wrapKey)),
    metaRecord,
    metaNonce: b64(metaNonce),
    meta: b64(
      seal(
        wrapKey,
        metaNonce,
        fieldAd({ objectId: c.id, version: 1, field: 'token-meta' }),
        canonical('token-meta', metaRecord),
      ),
    ),
    grants: grantCases.map((g) => {
      const nonce = nonceOf(`token-grant ${c.name} ${g.role}`)
      return {
        folderId: g.folderId,
        role: g.role,
        folderKey: b64(g.folderKey),
        nonce: b64(nonce),
        wrappedKey: b64(
          seal(wrapKey, nonce, wrapAd(grantContext(c.id, g.role, g.folderId)), g.folderKey),
        ),
      }
    }),
  }
})

const tokenA = tokens[0]!
const tokenB = tokens[1]!
const goodText = tokenA.text
const invalidTokens = [
  { name: 'empty', text: '' },
  { name: 'no-prefix', text: goodText.slice(4) },
  { name: 'upper-case-prefix', text: `SST_${goodText.slice(4)}` },
  { name: 'other-prefix', text: `sst2${goodText.slice(4)}` },
  { name: 'one-char-short', text: goodText.slice(0, -1) },
  { name: 'one-char-long', text: `${goodText}A` },
  { name: 'trailing-newline', text: `${goodText}\n` },
  { name: 'leading-space', text: ` ${goodText.slice(0, -1)}` },
  { name: 'separator-dot', text: `${goodText.slice(0, 26)}.${goodText.slice(27)}` },
  { name: 'separator-dash', text: `${goodText.slice(0, 26)}-${goodText.slice(27)}` },
  { name: 'standard-base64-plus', text: `${goodText.slice(0, 30)}+${goodText.slice(31)}` },
  { name: 'standard-base64-slash', text: `${goodText.slice(0, 8)}/${goodText.slice(9)}` },
  { name: 'padding', text: `${goodText.slice(0, -1)}=` },
  { name: 'non-ascii', text: `${goodText.slice(0, 10)}\u00e9${goodText.slice(11)}` },
  { name: 'id-non-canonical-end', text: `sst_${'A'.repeat(21)}B_${goodText.slice(27)}` },
  { name: 'secret-non-canonical-end', text: `${goodText.slice(0, 27)}${'A'.repeat(42)}B` },
  {
    name: 'id-and-secret-swapped-lengths',
    text: `sst_${goodText.slice(27, 70)}_${goodText.slice(4, 26)}`,
  },
].map((v) => ({ ...v, error: 'bad_token' }))

const invalidGrants = [
  { name: 'as-another-folder', grant: 0, folderId: idOf('folder-b') },
  { name: 'subfolder-as-root', grant: 1, role: 'root' },
  { name: 'root-as-subfolder', grant: 0, role: 'subfolder' },
  { name: 'under-another-token', grant: 0, tokenId: tokenB.id, wrapKey: tokenB.wrapKey },
  { name: 'another-tokens-key-same-id', grant: 0, wrapKey: tokenB.wrapKey },
  { name: 'same-key-another-id', grant: 0, tokenId: tokenB.id },
  { name: 'auth-key-as-wrap-key', grant: 0, wrapKey: tokenA.authKey },
  { name: 'verifier-as-wrap-key', grant: 0, wrapKey: tokenA.verifier },
  { name: 'user-key-as-wrap-key', grant: 0, wrapKey: tokenA.userKey },
  {
    name: 'tag-bit-flipped',
    grant: 0,
    wrappedKey: withByte(tokenA.grants[0]!.wrappedKey, 60, (b) => b ^ 0x40),
  },
  {
    name: 'nonce-bit-flipped',
    grant: 0,
    wrappedKey: withByte(tokenA.grants[0]!.wrappedKey, 3, (b) => b ^ 1),
  },
  {
    name: 'ciphertext-bit-flipped',
    grant: 1,
    wrappedKey: withByte(tokenA.grants[1]!.wrappedKey, 30, (b) => b ^ 8),
  },
  { name: 'truncated', grant: 0, wrappedKey: cut(tokenA.grants[0]!.wrappedKey, 60) },
  {
    name: 'version-byte-2',
    grant: 0,
    wrappedKey: withByte(tokenA.grants[0]!.wrappedKey, 0, () => 2),
    error: 'unsupported_version',
  },
  // The folder's ordinary wrap (under userKey, folder-key context) is no grant.
  {
    name: 'folder-wrap-as-grant',
    grant: 0,
    wrapKey: b64(keyOf('user')),
    wrappedKey: folderWrap.wrapped,
  },
].map((v) => ({ token: tokenA.name, error: 'decrypt_failed', ...v }))

// A token's meta opens only under its own wrapKey and binding; an authentic but invalid record is
// bad_record.
const tokenMetaBinding = (id: string) => ({
  objectId: id,
  version: 1,
  field: 'token-meta' as const,
})
invalidOpens.push(
  {
    name: 'token-meta-of-another-token',
    key: tokenA.wrapKey,
    sealed: tokenA.meta,
    binding: tokenMetaBinding(tokenB.id),
    error: 'decrypt_failed',
  },
  {
    name: 'token-meta-under-another-tokens-key',
    key: tokenB.wrapKey,
    sealed: tokenA.meta,
    binding: tokenMetaBinding(tokenA.id),
    error: 'decrypt_failed',
  },
  {
    name: 'token-meta-under-auth-key',
    key: tokenA.authKey,
    sealed: tokenA.meta,
    binding: tokenMetaBinding(tokenA.id),
    error: 'decrypt_failed',
  },
  {
    name: 'token-meta-as-folder-meta',
    key: tokenA.wrapKey,
    sealed: tokenA.meta,
    binding: { ...tokenMetaBinding(tokenA.id), field: 'folder-meta' },
    error: 'decrypt_failed',
  },
  {
    name: 'folder-meta-as-token-meta',
    key: folderField.key,
    sealed: folderField.sealed,
    binding: { ...folderField.binding, field: 'token-meta' },
    error: 'decrypt_failed',
  },
  ...[
    ['token-meta-relative-path', '{"path":"app/production"}'],
    ['token-meta-trailing-slash', '{"path":"/app/"}'],
    ['token-meta-extra-field', '{"path":"/app","name":"x"}'],
    ['token-meta-whitespace', '{ "path":"/app"}'],
  ].map(([label, text]) => ({
    name: label!,
    key: tokenA.wrapKey,
    binding: tokenMetaBinding(tokenA.id),
    sealed: b64(
      seal(
        Buffer.from(tokenA.wrapKey, 'base64url'),
        nonceOf(`bad record ${label}`),
        fieldAd(tokenMetaBinding(tokenA.id)),
        Buffer.from(text!, 'utf8'),
      ),
    ),
    error: 'bad_record',
  })),
)

// ── Moving a secret between folders (§12) ─────────────────────────────────────

const moveSecretId = idOf('move secret')
const moveFrom = keyOf('move from folder')
const moveTo = { id: idOf('move to folder'), key: keyOf('move to folder') }
const moveMeta = { name: 'DB_PASSWORD', description: 'moved', tags: ['prod'], path: '' }
const moveVersions = [1, 2, 5].map((version) => {
  const dataKey = keyOf(`move data ${version}`)
  const context = `data-key\0${moveSecretId}\0${version}`
  const valueRecord = { value: `value of version ${version}` }
  const movedNonce = nonceOf(`move moved data ${version}`)
  return {
    version,
    dataKey: b64(dataKey),
    wrappedKey: b64(seal(moveFrom, nonceOf(`move data ${version}`), wrapAd(context), dataKey)),
    ciphertext: b64(
      seal(
        dataKey,
        nonceOf(`move value ${version}`),
        fieldAd({ objectId: moveSecretId, version, field: 'secret-value' }),
        canonical('secret-value', valueRecord),
      ),
    ),
    valueRecord,
    movedNonce: b64(movedNonce),
    movedWrappedKey: b64(seal(moveTo.key, movedNonce, wrapAd(context), dataKey)),
  }
})
const movedMetaNonce = nonceOf('move moved meta')
const moves = [
  {
    name: 'three-versions',
    secretId: moveSecretId,
    fromKey: b64(moveFrom),
    to: { id: moveTo.id, key: b64(moveTo.key) },
    metaRevision: 4,
    metaRecord: moveMeta,
    meta: b64(
      seal(
        moveFrom,
        nonceOf('move meta'),
        fieldAd({ objectId: moveSecretId, version: 4, field: 'secret-meta' }),
        canonical('secret-meta', moveMeta),
      ),
    ),
    versions: moveVersions,
    movedMeta: {
      revision: 5,
      nonce: b64(movedMetaNonce),
      ciphertext: b64(
        seal(
          moveTo.key,
          movedMetaNonce,
          fieldAd({ objectId: moveSecretId, version: 5, field: 'secret-meta' }),
          canonical('secret-meta', moveMeta),
        ),
      ),
    },
  },
]

const doc = {
  description:
    'SecretSentry vault keys v1 known-answer vectors (packages/keyring/SPEC.md). Binary values are base64url without padding. Generated by scripts/gen-vectors.ts (node:crypto HKDF and AES-256-GCM, @noble/hashes argon2id checked against RFC 9106).',
  accounts,
  wraps,
  fields,
  chain,
  invalidUnwraps,
  invalidOpens,
  validKdf,
  invalidKdf,
  tokens,
  invalidTokens,
  invalidGrants,
  moves,
}

// Non-ASCII and NUL escaped as \uXXXX so no editor or tool can re-normalise the NFD password vector.
const json = JSON.stringify(doc, null, 2).replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
)
const out = fileURLToPath(new URL('../test/vectors/v1.json', import.meta.url))
writeFileSync(out, `${json}\n`)
console.log(
  `wrote ${accounts.length} accounts, ${wraps.length} wraps, ${fields.length} fields, 1 chain, ${invalidUnwraps.length} invalid unwraps, ${invalidOpens.length} invalid opens, ${invalidKdf.length} invalid kdf, ${tokens.length} tokens, ${invalidTokens.length} invalid tokens, ${invalidGrants.length} invalid grants, ${moves.length} moves to ${out}`,
)
