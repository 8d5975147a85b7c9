/** @module Wrong-typed and out-of-range inputs to every public function fail with EnvelopeError('bad_input'). */
import { describe, expect, it } from 'vitest'
import * as envelope from '../src/index.ts'
import {
  EnvelopeError,
  createShare,
  deriveShareKeys,
  encodeFragment,
  fromB64url,
  openSealed,
  parseFragment,
  prepareOpen,
  sealShare,
  shareIdFromSeed,
  toB64url,
} from '../src/index.ts'

// Deliberately wrong types go through `any`-free casts so the table reads like untyped callers.
const as = <T>(v: unknown) => v as T

const seed = new Uint8Array(32).fill(3)
const keys = await deriveShareKeys(seed)
const policy = { ttlSeconds: 300, maxViews: 1, passphrase: false }
const text = { kind: 'text', text: 'x' } as const
const sealed = await sealShare(keys, policy, text)
const fragment = encodeFragment({ seed, passphrase: false })
const prepared = await prepareOpen(fragment)

const badSeeds: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['string', 'A'.repeat(43)],
  ['31 bytes', new Uint8Array(31)],
  ['33 bytes', new Uint8Array(33)],
  ['number array', Array.from({ length: 32 }, () => 0)],
  ['Uint16Array of 32 bytes', new Uint16Array(16)],
  ['ArrayBuffer', new ArrayBuffer(32)],
]
const badKeys: [string, unknown][] = [
  ['null', null],
  ['string', 'keys'],
  ['encKey missing', { ...keys, encKey: undefined }],
  ['16-byte encKey (AES-128)', { ...keys, encKey: new Uint8Array(16) }],
  ['32-byte id', { ...keys, id: new Uint8Array(32) }],
  ['access as string', { ...keys, access: 'a' }],
  ['31-byte verifier', { ...keys, verifier: new Uint8Array(31) }],
]
const badPolicies: [string, unknown][] = [
  ['null', null],
  ['ttl 0', { ...policy, ttlSeconds: 0 }],
  ['ttl negative', { ...policy, ttlSeconds: -1 }],
  ['ttl fractional', { ...policy, ttlSeconds: 1.5 }],
  ['ttl NaN', { ...policy, ttlSeconds: NaN }],
  ['ttl string', { ...policy, ttlSeconds: '300' }],
  ['ttl 2^32', { ...policy, ttlSeconds: 2 ** 32 }],
  ['views 0', { ...policy, maxViews: 0 }],
  ['views 256', { ...policy, maxViews: 256 }],
  ['views Infinity', { ...policy, maxViews: Infinity }],
  ['passphrase flag as string', { ...policy, passphrase: 'yes' }],
  ['passphrase flag missing', { ttlSeconds: 300, maxViews: 1 }],
]
const badRecords: [string, unknown][] = [
  ['null', null],
  ['string', 'secret'],
  ['unknown kind', { kind: 'url', text: 'x' }],
  ['text missing', { kind: 'text' }],
  ['text as number', { kind: 'text', text: 5 }],
  ['lone surrogate', { kind: 'text', text: '\udfff' }],
  ['file data as array', { kind: 'file', name: 'a', type: 'b', data: [1, 2] }],
  ['file type missing', { kind: 'file', name: 'a', data: new Uint8Array() }],
  [
    'file name too long',
    { kind: 'file', name: 'a'.repeat(65536), type: '', data: new Uint8Array() },
  ],
]
const badSealed: [string, unknown][] = [
  ['string', 'AQ'],
  ['array', [1, 2, 3]],
  ['null', null],
  ['ArrayBuffer', new ArrayBuffer(40)],
]
const badOpts: [string, unknown][] = [
  ['string', 'noble'],
  ['null', null],
  ['unknown backend', { backend: 'openssl' }],
]
const badNonces: [string, unknown][] = [
  ['8 bytes', new Uint8Array(8)],
  ['16 bytes', new Uint8Array(16)],
  ['string', 'nonce'],
]

type Case = [fn: string, what: string, call: () => unknown]
const cases: Case[] = [
  ...badSeeds.map(([w, v]): Case => ['shareIdFromSeed', w, () => shareIdFromSeed(as(v))]),
  ...badSeeds.map(([w, v]): Case => ['deriveShareKeys', `seed ${w}`, () => deriveShareKeys(as(v))]),
  ...[5, null, {}, 'pw\ud800'].map((v): Case => [
    'deriveShareKeys',
    `passphrase ${String(v)}`,
    () => deriveShareKeys(seed, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'sealShare',
    `keys ${w}`,
    () => sealShare(as(v), policy, text),
  ]),
  ...badPolicies.map(([w, v]): Case => [
    'sealShare',
    `policy ${w}`,
    () => sealShare(keys, as(v), text),
  ]),
  ...badRecords.map(([w, v]): Case => [
    'sealShare',
    `record ${w}`,
    () => sealShare(keys, policy, as(v)),
  ]),
  ...badOpts.map(([w, v]): Case => [
    'sealShare',
    `opts ${w}`,
    () => sealShare(keys, policy, text, as(v)),
  ]),
  ...badNonces.map(([w, v]): Case => [
    'sealShare',
    `nonce ${w}`,
    () => sealShare(keys, policy, text, { nonce: as(v) }),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openSealed',
    `keys ${w}`,
    () => openSealed(as(v), policy, sealed),
  ]),
  ...badPolicies.map(([w, v]): Case => [
    'openSealed',
    `policy ${w}`,
    () => openSealed(keys, as(v), sealed),
  ]),
  ...badSealed.map(([w, v]): Case => [
    'openSealed',
    `sealed ${w}`,
    () => openSealed(keys, policy, as(v)),
  ]),
  ...badOpts.map(([w, v]): Case => [
    'openSealed',
    `opts ${w}`,
    () => openSealed(keys, policy, sealed, as(v)),
  ]),
  ...[
    null,
    'f',
    { seed },
    { seed: new Uint8Array(31), passphrase: false },
    { seed, passphrase: 'p' },
  ].map((v, i): Case => ['encodeFragment', `case ${i}`, () => encodeFragment(as(v))]),
  ...[42, null, undefined, {}, ['1.x']].map((v): Case => [
    'parseFragment',
    String(v),
    () => parseFragment(as(v)),
  ]),
  ...[...badSeeds.slice(0, 3), ['number array', [1, 2]] as [string, unknown]].map(
    ([w, v]): Case => ['toB64url', w, () => toB64url(as(v))],
  ),
  ...[42, null, 'A', 'Zg==', 'a b', 'Zh'].map((v): Case => [
    'fromB64url',
    String(v),
    () => fromB64url(as(v)),
  ]),
  ...badRecords.map(([w, v]): Case => [
    'createShare',
    `record ${w}`,
    () => createShare(as(v), { ttlSeconds: 300, maxViews: 1 }),
  ]),
  ...[
    undefined,
    null,
    { ttlSeconds: 300 },
    { ttlSeconds: 0, maxViews: 1 },
    { ttlSeconds: 300, maxViews: 1, passphrase: 5 },
    { ttlSeconds: 300, maxViews: 1, backend: 'x' },
  ].map((v, i): Case => ['createShare', `opts case ${i}`, () => createShare(text, as(v))]),
  ['prepareOpen', 'fragment 42', () => prepareOpen(as(42))],
  ['prepareOpen', 'passphrase 5', () => prepareOpen(fragment, as(5))],
  ['prepareOpen', 'passphrase needed but missing', () => prepareOpen(`${fragment}.p`)],
  ['prepareOpen', 'passphrase with lone surrogate', () => prepareOpen(`${fragment}.p`, '\ud800')],
  ...[
    null,
    'x',
    { ciphertext: 5, ttlSeconds: 300, maxViews: 1 },
    { ciphertext: 'Zg==', ttlSeconds: 300, maxViews: 1 },
    { ciphertext: toB64url(sealed), ttlSeconds: '300', maxViews: 1 },
    { ciphertext: toB64url(sealed), ttlSeconds: 300, maxViews: 0 },
  ].map((v, i): Case => [
    'prepareOpen().decrypt',
    `response case ${i}`,
    () => prepared.decrypt(as(v)),
  ]),
]

describe('wrong-typed inputs', () => {
  it.each(cases)('%s rejects %s with bad_input', async (_fn, _what, call) => {
    const outcome = await (async () => call())().then(
      () => 'no error',
      (e: unknown) => (e instanceof EnvelopeError ? e.code : `non-EnvelopeError: ${String(e)}`),
    )
    expect(outcome).toBe('bad_input')
  })

  it('the table covers every exported function', () => {
    const exported = Object.entries(envelope)
      .filter(
        ([name, v]) => typeof v === 'function' && name !== 'EnvelopeError' && name !== 'newSeed',
      )
      .map(([name]) => name)
    const covered = new Set(cases.map(([fn]) => fn))
    expect(exported.filter((name) => !covered.has(name))).toEqual([])
  })
})
