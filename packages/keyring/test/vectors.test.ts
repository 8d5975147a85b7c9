/** @module Known-answer tests: the keyring reproduces and opens every v1 vector made by the independent node:crypto generator. */
import { describe, expect, it } from 'vitest'
import { runVectorChecks } from './browser-vectors.ts'
import type { KeyringVectors, TokenVector } from './browser-vectors.ts'
import json from './vectors/v1.json'

const vectors = json as KeyringVectors

describe('keyring v1 known-answer vectors', () => {
  it('every account, wrap, field, the whole chain and every refusal pass', async () => {
    const report = await runVectorChecks(vectors)
    expect(report.failed).toEqual([])
    // 1 per account, 2 per wrap, 3 per field, 1 chain, 1 per refusal and per KDF case.
    const expected =
      vectors.accounts.length +
      vectors.wraps.length * 2 +
      vectors.fields.length * 3 +
      1 +
      vectors.invalidUnwraps.length +
      vectors.invalidOpens.length +
      vectors.validKdf.length +
      vectors.invalidKdf.length +
      // 4 per token and 2 per grant, 1 per invalid token or grant, 2 per move.
      vectors.tokens.reduce((n, t) => n + 4 + t.grants.length * 2, 0) +
      vectors.invalidTokens.length +
      vectors.invalidGrants.length +
      vectors.moves.length * 2
    expect(report.passed).toBe(expected)
  }, 60_000)

  it('the checker reports a wrong vector instead of passing it', async () => {
    const w = vectors.wraps[0]!
    const f = vectors.fields[0]!
    const [t, u] = vectors.tokens as [TokenVector, TokenVector]
    const m = vectors.moves[0]!
    const grant = t.grants[0]!
    const broken: KeyringVectors = {
      accounts: [],
      wraps: [{ ...w, wrapped: vectors.wraps[1]!.wrapped }],
      fields: [{ ...f, plaintext: vectors.fields[2]!.plaintext }],
      chain: null,
      invalidUnwraps: [
        { name: 'intact', vector: w.name, wrapped: w.wrapped, error: 'decrypt_failed' },
      ],
      invalidOpens: [],
      validKdf: [{ algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 }],
      invalidKdf: [],
      tokens: [
        {
          ...t,
          verifier: u.verifier,
          ownerWrappedKey: u.ownerWrappedKey,
          meta: u.meta,
          grants: [{ ...grant, folderKey: t.grants[1]!.folderKey }],
        },
      ],
      invalidTokens: [{ name: 'valid', text: u.text, error: 'bad_token' }],
      invalidGrants: [{ name: 'intact', token: t.name, grant: 0, error: 'decrypt_failed' }],
      moves: [
        {
          ...m,
          versions: [{ ...m.versions[0]!, dataKey: m.versions[1]!.dataKey }],
        },
      ],
    }
    const report = await runVectorChecks(broken)
    expect(report.failed.map((x) => x.name).sort()).toEqual(
      [
        `wrap/${w.name}/wrap`,
        `wrap/${w.name}/unwrap`,
        `field/${f.name}/seal`,
        `field/${f.name}/open`,
        `field/${f.name}/record-encoding`,
        `invalidUnwrap/intact`,
        `token/${t.name}/keys`,
        `token/${t.name}/owner-key`,
        `token/${t.name}/meta`,
        `token/${t.name}/grant/0/wrap`,
        `token/${t.name}/grant/0/open`,
        'invalidToken/valid',
        'invalidGrant/intact',
        `move/${m.name}/rewrap`,
        `move/${m.name}/moved-vector`,
        'validKdf/{"algorithm":"argon2id","memoryKiB":1024,"iterations":1,"parallelism":1}',
      ].sort(),
    )
  })

  it('covers what the spec names: NFC = NFD passwords, every field, every swap, every context', () => {
    const nfc = vectors.accounts.find((a) => a.name === 'password-nfc')!
    const nfd = vectors.accounts.find((a) => a.name === 'password-nfd')!
    expect(nfc.password).not.toBe(nfd.password)
    expect(nfc.password.normalize('NFC')).toBe(nfd.password.normalize('NFC'))
    expect([nfd.authKey, nfd.kek]).toEqual([nfc.authKey, nfc.kek])
    expect(new Set(vectors.fields.map((f) => f.binding.field))).toEqual(
      new Set(['secret-meta', 'secret-value', 'folder-meta']),
    )
    expect(vectors.wraps.map((w) => w.context.split('\0')[0])).toEqual(
      expect.arrayContaining(['user-key', 'folder-key', 'data-key']),
    )
    const names = vectors.invalidOpens.map((o) => o.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'meta-of-another-secret',
        'meta-at-another-revision',
        'meta-as-value',
        'value-as-meta',
        'value-of-another-version',
        'value-of-another-secret',
        'folder-meta-as-secret-meta',
        'token-meta-of-another-token',
        'token-meta-under-another-tokens-key',
        'token-meta-as-folder-meta',
        'folder-meta-as-token-meta',
        'token-meta-relative-path',
      ]),
    )
    expect(vectors.invalidGrants.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        'as-another-folder',
        'subfolder-as-root',
        'under-another-token',
        'auth-key-as-wrap-key',
        'verifier-as-wrap-key',
        'tag-bit-flipped',
      ]),
    )
    expect(vectors.invalidTokens.map((x) => x.name)).toEqual(
      expect.arrayContaining([
        'no-prefix',
        'one-char-short',
        'one-char-long',
        'padding',
        'non-ascii',
      ]),
    )
    expect(vectors.tokens.map((x) => x.text.slice(26, 27))).toEqual(['_', '_', '_'])
    expect(vectors.invalidKdf.map((k) => k.error)).toEqual(
      expect.arrayContaining(['kdf_too_weak', 'kdf_invalid']),
    )
  })
})
