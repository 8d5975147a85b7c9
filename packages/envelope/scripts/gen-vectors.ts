/** @module Writes test/vectors/v1.json from an implementation independent of src/ (node:crypto; noble only for Argon2id, which Node 20 lacks). */
/* eslint-disable no-restricted-imports, no-restricted-globals -- a Node-only generator; src/ never imports it. */
import { createCipheriv, createHash, hkdfSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { argon2id } from './checked-argon2id.ts'

// Written from SPEC.md alone, on purpose without importing src/: if both implementations share a
// misreading of the spec the vectors cannot catch it.

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest()
const hkdf = (ikm: Uint8Array, info: string, len: number): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.from(info, 'ascii'), len))

interface Policy {
  ttlSeconds: number
  maxViews: number
}
type RecordIn =
  { kind: 'text'; text: string } | { kind: 'file'; name: string; type: string; data: Buffer }

function keys(seed: Buffer, passphrase: string | null) {
  let ikm = seed
  if (passphrase) {
    const salt = hkdf(seed, 'secretsentry/v1/pw-salt', 16)
    const pw = argon2id(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, {
      m: 19456,
      t: 2,
      p: 1,
      dkLen: 32,
    })
    ikm = Buffer.concat([seed, pw])
  }
  const access = hkdf(ikm, 'secretsentry/v1/access', 32)
  return {
    id: hkdf(seed, 'secretsentry/v1/id', 16),
    encKey: hkdf(ikm, 'secretsentry/v1/enc', 32),
    access,
    verifier: sha256(access),
  }
}

function encodeRecord(r: RecordIn): Buffer {
  if (r.kind === 'text') return Buffer.concat([Buffer.from([1]), Buffer.from(r.text, 'utf8')])
  const name = Buffer.from(r.name, 'utf8')
  const type = Buffer.from(r.type, 'utf8')
  const len = (n: number) => {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(n)
    return b
  }
  return Buffer.concat([Buffer.from([2]), len(name.length), name, len(type.length), type, r.data])
}

function ad(id: Buffer, p: Policy, passphrase: boolean): Buffer {
  const b = Buffer.alloc(23)
  b[0] = 1
  id.copy(b, 1)
  b.writeUInt32BE(p.ttlSeconds, 17)
  b[21] = p.maxViews
  b[22] = passphrase ? 1 : 0
  return b
}

function seal(encKey: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', encKey, nonce, { authTagLength: 16 })
  c.setAAD(aad)
  const body = Buffer.concat([c.update(plaintext), c.final()])
  return Buffer.concat([Buffer.from([1]), nonce, body, c.getAuthTag()])
}

const seedOf = (label: string) => sha256(`secretsentry/v1 vector seed ${label}`)
const nonceOf = (label: string) => sha256(`secretsentry/v1 vector nonce ${label}`).subarray(0, 12)

interface Case {
  name: string
  seedLabel: string
  passphrase: string | null
  policy: Policy
  record: RecordIn
  /** Defaults to the name; the NFD vector borrows the NFC one's so their sealed bytes must match too. */
  nonceLabel?: string
}

const bytes0to255 = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
const cases: Case[] = [
  {
    name: 'text-empty',
    seedLabel: 'a',
    passphrase: null,
    policy: { ttlSeconds: 300, maxViews: 1 },
    record: { kind: 'text', text: '' },
  },
  {
    name: 'text-ascii',
    seedLabel: 'b',
    passphrase: null,
    policy: { ttlSeconds: 259200, maxViews: 1 },
    record: { kind: 'text', text: 'hello world' },
  },
  {
    name: 'text-unicode',
    seedLabel: 'c',
    passphrase: null,
    policy: { ttlSeconds: 3600, maxViews: 5 },
    record: { kind: 'text', text: 'Grüße 🔑 秘密 ☃ 𝄞 e\u0301' },
  },
  {
    name: 'text-control-chars',
    seedLabel: 'd',
    passphrase: null,
    policy: { ttlSeconds: 2592000, maxViews: 100 },
    record: { kind: 'text', text: 'line1\r\nline2\ttab\u0000nul\n' },
  },
  {
    name: 'text-wire-maximum-policy',
    seedLabel: 'e',
    passphrase: null,
    policy: { ttlSeconds: 4294967295, maxViews: 255 },
    record: { kind: 'text', text: 'API_KEY=sk_live_0123456789' },
  },
  {
    name: 'file-bytes',
    seedLabel: 'f',
    passphrase: null,
    policy: { ttlSeconds: 86400, maxViews: 2 },
    record: { kind: 'file', name: 'résumé.pdf', type: 'application/pdf', data: bytes0to255 },
  },
  {
    name: 'file-empty',
    seedLabel: 'g',
    passphrase: null,
    policy: { ttlSeconds: 300, maxViews: 1 },
    record: { kind: 'file', name: '', type: '', data: Buffer.alloc(0) },
  },
  {
    name: 'passphrase-nfc',
    seedLabel: 'h',
    passphrase: 'pa\u00dfw\u00f6rt \u00e9t\u00e9',
    policy: { ttlSeconds: 604800, maxViews: 3 },
    record: { kind: 'text', text: 'with a passphrase' },
  },
  {
    name: 'passphrase-nfd',
    nonceLabel: 'passphrase-nfc',
    seedLabel: 'h',
    passphrase: 'pa\u00dfwo\u0308rt e\u0301te\u0301',
    policy: { ttlSeconds: 604800, maxViews: 3 },
    record: { kind: 'text', text: 'with a passphrase' },
  },
  {
    name: 'passphrase-file',
    seedLabel: 'i',
    passphrase: 'correct horse battery staple',
    policy: { ttlSeconds: 3600, maxViews: 1 },
    record: {
      kind: 'file',
      name: 'id_ed25519',
      type: 'application/octet-stream',
      data: Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\n', 'ascii'),
    },
  },
]

const vectors = cases.map((c) => {
  const seed = seedOf(c.seedLabel)
  const nonce = nonceOf(c.nonceLabel ?? c.name)
  const k = keys(seed, c.passphrase)
  const hasPass = c.passphrase !== null
  const sealed = seal(k.encKey, nonce, ad(k.id, c.policy, hasPass), encodeRecord(c.record))
  return {
    name: c.name,
    seed: b64(seed),
    passphrase: c.passphrase,
    fragment: `1.${b64(seed)}${hasPass ? '.p' : ''}`,
    id: b64(k.id),
    encKey: b64(k.encKey),
    access: b64(k.access),
    verifier: b64(k.verifier),
    policy: { ...c.policy, passphrase: hasPass },
    record:
      c.record.kind === 'text'
        ? c.record
        : { kind: 'file', name: c.record.name, type: c.record.type, data: b64(c.record.data) },
    nonce: b64(nonce),
    sealed: b64(sealed),
  }
})

// Authentic ciphertexts whose plaintext is not a valid record: opening must fail with bad_input.
const base = vectors.find((v) => v.name === 'text-ascii')!
const baseKeys = keys(Buffer.from(base.seed, 'base64url'), null)
const baseAd = ad(baseKeys.id, base.policy, false)
const sealRaw = (label: string, plaintext: Buffer) =>
  b64(seal(baseKeys.encKey, nonceOf(label), baseAd, plaintext))
const baseSealed = Buffer.from(base.sealed, 'base64url')
const withByte = (i: number, f: (b: number) => number) => {
  const b = Buffer.from(baseSealed)
  b[i] = f(b[i]!)
  return b64(b)
}

const invalidOpens = [
  { name: 'version-byte-2', sealed: withByte(0, () => 2), error: 'unsupported_version' },
  { name: 'version-byte-0', sealed: withByte(0, () => 0), error: 'unsupported_version' },
  { name: 'empty', sealed: '', error: 'decrypt_failed' },
  { name: 'header-only', sealed: b64(baseSealed.subarray(0, 13)), error: 'decrypt_failed' },
  { name: 'shorter-than-tag', sealed: b64(baseSealed.subarray(0, 28)), error: 'decrypt_failed' },
  {
    name: 'tag-bit-flipped',
    sealed: withByte(baseSealed.length - 1, (b) => b ^ 1),
    error: 'decrypt_failed',
  },
  { name: 'nonce-bit-flipped', sealed: withByte(1, (b) => b ^ 0x80), error: 'decrypt_failed' },
  { name: 'ciphertext-bit-flipped', sealed: withByte(13, (b) => b ^ 4), error: 'decrypt_failed' },
  {
    name: 'last-byte-dropped',
    sealed: b64(baseSealed.subarray(0, baseSealed.length - 1)),
    error: 'decrypt_failed',
  },
  {
    name: 'policy-maxViews-rewritten',
    sealed: base.sealed,
    policy: { ...base.policy, maxViews: 2 },
    error: 'decrypt_failed',
  },
  {
    name: 'policy-ttl-rewritten',
    sealed: base.sealed,
    policy: { ...base.policy, ttlSeconds: 2592000 },
    error: 'decrypt_failed',
  },
  {
    name: 'policy-passphrase-flag-set',
    sealed: base.sealed,
    policy: { ...base.policy, passphrase: true },
    error: 'decrypt_failed',
  },
  { name: 'record-empty', sealed: sealRaw('record-empty', Buffer.alloc(0)), error: 'bad_input' },
  {
    name: 'record-kind-3',
    sealed: sealRaw('record-kind-3', Buffer.from([3, 0x41])),
    error: 'bad_input',
  },
  {
    name: 'record-text-bad-utf8',
    sealed: sealRaw('record-text-bad-utf8', Buffer.from([1, 0xc3, 0x28])),
    error: 'bad_input',
  },
  {
    name: 'record-file-no-name-length',
    sealed: sealRaw('record-file-no-name-length', Buffer.from([2, 0])),
    error: 'bad_input',
  },
  {
    name: 'record-file-name-truncated',
    sealed: sealRaw('record-file-name-truncated', Buffer.from([2, 0, 5, 0x61, 0x62])),
    error: 'bad_input',
  },
  {
    name: 'record-file-no-type-length',
    sealed: sealRaw('record-file-no-type-length', Buffer.from([2, 0, 1, 0x61, 0])),
    error: 'bad_input',
  },
].map((v) => ({ vector: base.name, policy: base.policy, ...v }))

const seedText = b64(seedOf('b'))
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const withLowBitSet = (s: string) => s.slice(0, -1) + B64URL[B64URL.indexOf(s.at(-1)!) | 1]
const invalidFragments = [
  ['', 'bad_fragment'],
  ['#', 'bad_fragment'],
  ['1', 'bad_fragment'],
  ['1.', 'bad_fragment'],
  [`1.${seedText.slice(0, 42)}`, 'bad_fragment'],
  [`1.${seedText}A`, 'bad_fragment'],
  [`1.${seedText}=`, 'bad_fragment'],
  // 43 characters carry 258 bits: the last character's two low bits must be zero.
  [`1.${withLowBitSet(seedText)}`, 'bad_fragment'],
  [`1.+${seedText.slice(1)}`, 'bad_fragment'],
  [`1./${seedText.slice(1)}`, 'bad_fragment'],
  [`1.${seedText}.`, 'bad_fragment'],
  [`1.${seedText}.P`, 'bad_fragment'],
  [`1.${seedText}.q`, 'bad_fragment'],
  [`1.${seedText}.p.p`, 'bad_fragment'],
  [` 1.${seedText}`, 'bad_fragment'],
  [`1.${seedText} `, 'bad_fragment'],
  [`##1.${seedText}`, 'bad_fragment'],
  [`v1.${seedText}`, 'bad_fragment'],
  [`01.${seedText}`, 'bad_fragment'],
  [`1:${seedText}`, 'bad_fragment'],
  [`1.${seedText}?x=1`, 'bad_fragment'],
  [`1.${seedText.slice(0, 20)}%2D${seedText.slice(23)}`, 'bad_fragment'],
  [`2.${seedText}`, 'unsupported_version'],
  [`#2.${seedText}.p`, 'unsupported_version'],
  ['9.anything', 'unsupported_version'],
].map(([fragment, error]) => ({ fragment: fragment!, error: error! }))

const invalidB64url = [
  { text: 'A', why: 'impossible length (4k+1)' },
  { text: 'AAA=', why: 'padding' },
  { text: 'AB', why: 'non-canonical trailing bits' },
  { text: 'AAB', why: 'non-canonical trailing bits' },
  { text: 'a+b/', why: 'standard base64 alphabet' },
  { text: 'AA AA', why: 'whitespace' },
  { text: 'AA\u00e9A', why: 'non-ASCII' },
]

const doc = {
  description:
    'SecretSentry share protocol v1 known-answer vectors (packages/envelope/SPEC.md). Binary values are base64url without padding. Generated by scripts/gen-vectors.ts (node:crypto, @noble/hashes argon2id).',
  argon2id: { m: 19456, t: 2, p: 1, dkLen: 32 },
  vectors,
  invalidOpens,
  invalidFragments,
  invalidB64url,
}

// Non-ASCII escaped as \uXXXX so no editor or tool can re-normalise the NFD passphrase vector.
const json = JSON.stringify(doc, null, 2).replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
)
const out = fileURLToPath(new URL('../test/vectors/v1.json', import.meta.url))
writeFileSync(out, `${json}\n`)
console.log(
  `wrote ${vectors.length} vectors, ${invalidOpens.length} invalid opens, ${invalidFragments.length} invalid fragments to ${out}`,
)
