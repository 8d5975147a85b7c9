/** @module Runs the keyring v1 known-answer vectors; no Node APIs, so the e2e run can bundle it into a Chromium page. */
import { fromB64url, toB64url } from '@secretsentry/envelope'
import {
  KeyringError,
  assertKdfParams,
  deriveAccountKeys,
  openField,
  openFolder,
  openFolderMeta,
  openSecretMeta,
  openSecretValue,
  openSecretVersion,
  deriveTokenKeys,
  formatToken,
  grantFolder,
  openGrant,
  openTokenMeta,
  parseToken,
  rewrapForMove,
  sealField,
  sealFolderMeta,
  sealSecretMeta,
  sealSecretValue,
  sealTokenMeta,
  tokenKeyContext,
  tokenVerifier,
  tokenVerifierMatches,
  unlockAccount,
  unlockServiceToken,
  unwrapKey,
  unwrapTokenKey,
  wrapKey,
  dataKeyContext,
} from '../src/index.ts'
import type {
  FieldBinding,
  FolderMeta,
  GrantRole,
  KdfParams,
  SecretMeta,
  SecretValue,
  TokenMeta,
} from '../src/index.ts'

export interface AccountVector {
  name: string
  password: string
  salt: string
  kdf: KdfParams
  masterKey: string
  authKey: string
  kek: string
}

export interface WrapVector {
  name: string
  wrappingKey: string
  key: string
  context: string
  nonce: string
  wrapped: string
}

export interface FieldVector {
  name: string
  key: string
  binding: FieldBinding
  record: SecretMeta | SecretValue | FolderMeta
  plaintext: string
  nonce: string
  sealed: string
}

export interface ChainVector {
  password: string
  salt: string
  kdf: KdfParams
  authKey: string
  userKey: string
  wrappedUserKey: string
  folder: { id: string; key: string; wrappedKey: string; metaRecord: FolderMeta; meta: string }
  secret: {
    id: string
    metaRevision: number
    metaRecord: SecretMeta
    meta: string
    value: { version: number; wrappedKey: string; ciphertext: string }
    valueRecord: SecretValue
  }
}

export interface TokenVector {
  name: string
  id: string
  secret: string
  text: string
  authKey: string
  wrapKey: string
  verifier: string
  userKey: string
  ownerNonce: string
  ownerWrappedKey: string
  /** §11.6: the root's path sealed under wrapKey with `metaNonce`. */
  metaRecord: TokenMeta
  metaNonce: string
  meta: string
  grants: {
    folderId: string
    role: GrantRole
    folderKey: string
    nonce: string
    wrappedKey: string
  }[]
}

export interface InvalidGrantVector {
  name: string
  /** The token vector whose grant is tampered with. */
  token: string
  /** Index into that token's grants. */
  grant: number
  /** Overrides: what the holder presents or is presented with instead of the vector's own. */
  folderId?: string
  role?: string
  tokenId?: string
  wrapKey?: string
  wrappedKey?: string
  error: string
}

export interface MoveVector {
  name: string
  secretId: string
  fromKey: string
  to: { id: string; key: string }
  metaRevision: number
  metaRecord: SecretMeta
  meta: string
  versions: {
    version: number
    dataKey: string
    wrappedKey: string
    ciphertext: string
    valueRecord: SecretValue
    movedNonce: string
    movedWrappedKey: string
  }[]
  movedMeta: { revision: number; nonce: string; ciphertext: string }
}

export interface KeyringVectors {
  accounts: AccountVector[]
  wraps: WrapVector[]
  fields: FieldVector[]
  chain: ChainVector | null
  invalidUnwraps: {
    name: string
    vector: string
    wrapped: string
    context?: string
    wrappingKey?: string
    error: string
  }[]
  invalidOpens: {
    name: string
    key: string
    binding: FieldBinding
    sealed: string
    error: string
  }[]
  validKdf: unknown[]
  invalidKdf: { name: string; kdf: unknown; error: string }[]
  tokens: TokenVector[]
  invalidTokens: { name: string; text: string; error: string }[]
  invalidGrants: InvalidGrantVector[]
  moves: MoveVector[]
}

export interface VectorReport {
  passed: number
  failed: { name: string; error: string }[]
}

function expectEqual(what: string, actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, want ${expected}`)
}

async function expectError(what: string, code: string, fn: () => unknown): Promise<void> {
  try {
    await fn()
  } catch (e) {
    if (e instanceof KeyringError && e.code === code) return
    const got = e instanceof KeyringError ? e.code : String(e)
    throw new Error(`${what}: threw ${got}, want ${code}`, { cause: e })
  }
  throw new Error(`${what}: did not throw, want ${code}`)
}

/** The record-level open and seal for a binding's field (the functions the web app calls). */
function recordCodec(b: FieldBinding) {
  if (b.field === 'secret-meta') {
    return {
      open: (key: Uint8Array, c: string) => openSecretMeta(key, b.objectId, b.version, c),
      seal: (key: Uint8Array, r: unknown) =>
        sealSecretMeta(key, b.objectId, b.version, r as SecretMeta),
    }
  }
  if (b.field === 'secret-value') {
    return {
      open: (key: Uint8Array, c: string) => openSecretValue(key, b.objectId, b.version, c),
      seal: (key: Uint8Array, r: unknown) =>
        sealSecretValue(key, b.objectId, b.version, r as SecretValue),
    }
  }
  if (b.field === 'token-meta') {
    return {
      open: (key: Uint8Array, c: string) => openTokenMeta(key, b.objectId, c),
      seal: (key: Uint8Array, r: unknown) => sealTokenMeta(key, b.objectId, r as TokenMeta),
    }
  }
  return {
    open: (key: Uint8Array, c: string) => openFolderMeta(key, b.objectId, c),
    seal: (key: Uint8Array, r: unknown) => sealFolderMeta(key, b.objectId, r as FolderMeta),
  }
}

export async function runVectorChecks(vectors: KeyringVectors): Promise<VectorReport> {
  const report: VectorReport = { passed: 0, failed: [] }
  const check = async (name: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn()
      report.passed++
    } catch (e) {
      report.failed.push({ name, error: e instanceof Error ? e.message : String(e) })
    }
  }

  for (const a of vectors.accounts) {
    await check(`account/${a.name}`, async () => {
      const k = await deriveAccountKeys(a.password, fromB64url(a.salt), a.kdf)
      expectEqual('authKey', toB64url(k.authKey), a.authKey)
      expectEqual('kek', toB64url(k.kek), a.kek)
    })
  }

  for (const w of vectors.wraps) {
    const kek = fromB64url(w.wrappingKey)
    await check(`wrap/${w.name}/wrap`, () => {
      const wrapped = wrapKey(kek, fromB64url(w.key), w.context, { nonce: fromB64url(w.nonce) })
      expectEqual('wrapped', toB64url(wrapped), w.wrapped)
    })
    await check(`wrap/${w.name}/unwrap`, () => {
      expectEqual('key', toB64url(unwrapKey(kek, fromB64url(w.wrapped), w.context)), w.key)
    })
  }

  for (const f of vectors.fields) {
    const key = fromB64url(f.key)
    const codec = recordCodec(f.binding)
    const want = JSON.stringify(f.record)
    await check(`field/${f.name}/seal`, () => {
      const sealed = sealField(key, fromB64url(f.plaintext), f.binding, {
        nonce: fromB64url(f.nonce),
      })
      expectEqual('sealed', toB64url(sealed), f.sealed)
    })
    await check(`field/${f.name}/open`, () => {
      expectEqual(
        'plaintext',
        toB64url(openField(key, fromB64url(f.sealed), f.binding)),
        f.plaintext,
      )
      expectEqual('record', JSON.stringify(codec.open(key, f.sealed)), want)
    })
    // Sealing the record (random nonce) must write exactly the vector's canonical plaintext.
    await check(`field/${f.name}/record-encoding`, () => {
      const sealed = fromB64url(codec.seal(key, f.record))
      expectEqual('plaintext', toB64url(openField(key, sealed, f.binding)), f.plaintext)
    })
  }

  const c = vectors.chain
  if (c) {
    await check('chain', async () => {
      const u = await unlockAccount(c.password, {
        salt: c.salt,
        kdf: c.kdf,
        wrappedUserKey: c.wrappedUserKey,
      })
      expectEqual('authKey', u.authKey, c.authKey)
      expectEqual('userKey', toB64url(u.userKey), c.userKey)
      const folder = openFolder(u.userKey, c.folder)
      expectEqual('folder key', toB64url(folder.key), c.folder.key)
      expectEqual('folder meta', JSON.stringify(folder.meta), JSON.stringify(c.folder.metaRecord))
      const s = c.secret
      const meta = openSecretMeta(folder.key, s.id, s.metaRevision, s.meta)
      expectEqual('secret meta', JSON.stringify(meta), JSON.stringify(s.metaRecord))
      const value = openSecretVersion(folder.key, s.id, s.value)
      expectEqual('secret value', JSON.stringify(value), JSON.stringify(s.valueRecord))
    })
  }

  for (const u of vectors.invalidUnwraps) {
    const base = vectors.wraps.find((w) => w.name === u.vector)
    await check(`invalidUnwrap/${u.name}`, async () => {
      if (!base) throw new Error(`unknown vector ${u.vector}`)
      await expectError(u.name, u.error, () =>
        unwrapKey(
          fromB64url(u.wrappingKey ?? base.wrappingKey),
          fromB64url(u.wrapped),
          u.context ?? base.context,
        ),
      )
    })
  }
  for (const o of vectors.invalidOpens) {
    await check(`invalidOpen/${o.name}`, async () => {
      const key = fromB64url(o.key)
      // Blob-level failures show at openField already; record failures only at the record level.
      if (o.error !== 'bad_record') {
        await expectError(`${o.name} (openField)`, o.error, () =>
          openField(key, fromB64url(o.sealed), o.binding),
        )
      }
      await expectError(o.name, o.error, () => recordCodec(o.binding).open(key, o.sealed))
    })
  }
  for (const k of vectors.validKdf) {
    await check(`validKdf/${JSON.stringify(k)}`, () => {
      expectEqual('kdf', JSON.stringify(assertKdfParams(k)), JSON.stringify(k))
    })
  }
  for (const k of vectors.invalidKdf) {
    await check(`invalidKdf/${k.name}`, () =>
      expectError(k.name, k.error, () => assertKdfParams(k.kdf)),
    )
  }

  for (const t of vectors.tokens) {
    await check(`token/${t.name}/text`, () => {
      const parsed = parseToken(t.text)
      expectEqual('id', parsed.id, t.id)
      expectEqual('secret', toB64url(parsed.secret), t.secret)
      expectEqual('text', formatToken({ id: t.id, secret: fromB64url(t.secret) }), t.text)
    })
    await check(`token/${t.name}/keys`, () => {
      const k = deriveTokenKeys({ id: t.id, secret: fromB64url(t.secret) })
      expectEqual('authKey', toB64url(k.authKey), t.authKey)
      expectEqual('wrapKey', toB64url(k.wrapKey), t.wrapKey)
      expectEqual('verifier', toB64url(tokenVerifier(k.authKey)), t.verifier)
      const v = fromB64url(t.verifier)
      if (!tokenVerifierMatches(v, k.authKey)) throw new Error('verifier does not match authKey')
      if (tokenVerifierMatches(v, k.wrapKey)) throw new Error('verifier matches wrapKey')
      const u = unlockServiceToken(t.text)
      expectEqual(
        'unlocked',
        `${u.id} ${u.authKey} ${toB64url(u.wrapKey)}`,
        `${t.id} ${t.authKey} ${t.wrapKey}`,
      )
    })
    await check(`token/${t.name}/owner-key`, () => {
      const wrapped = wrapKey(fromB64url(t.userKey), fromB64url(t.wrapKey), tokenKeyContext(t.id), {
        nonce: fromB64url(t.ownerNonce),
      })
      expectEqual('ownerWrappedKey', toB64url(wrapped), t.ownerWrappedKey)
      const key = unwrapTokenKey(fromB64url(t.userKey), t.id, t.ownerWrappedKey)
      expectEqual('wrapKey', toB64url(key), t.wrapKey)
    })
    await check(`token/${t.name}/meta`, () => {
      const wrapKey = fromB64url(t.wrapKey)
      const binding = { objectId: t.id, version: 1, field: 'token-meta' } as const
      const plaintext = openField(wrapKey, fromB64url(t.meta), binding)
      const sealed = sealField(wrapKey, plaintext, binding, { nonce: fromB64url(t.metaNonce) })
      expectEqual('meta', toB64url(sealed), t.meta)
      const want = JSON.stringify(t.metaRecord)
      expectEqual('record', JSON.stringify(openTokenMeta(wrapKey, t.id, t.meta)), want)
      const resealed = sealTokenMeta(wrapKey, t.id, t.metaRecord)
      expectEqual(
        'record encoding',
        toB64url(openField(wrapKey, fromB64url(resealed), binding)),
        toB64url(plaintext),
      )
    })
    for (const [i, g] of t.grants.entries()) {
      const folder = { id: g.folderId, key: fromB64url(g.folderKey) }
      await check(`token/${t.name}/grant/${i}/wrap`, () => {
        const made = grantFolder(fromB64url(t.wrapKey), t.id, folder, g.role, {
          nonce: fromB64url(g.nonce),
        })
        expectEqual(
          'grant',
          JSON.stringify(made),
          JSON.stringify({ folderId: g.folderId, role: g.role, wrappedKey: g.wrappedKey }),
        )
      })
      await check(`token/${t.name}/grant/${i}/open`, () => {
        const opened = openGrant(fromB64url(t.wrapKey), t.id, g)
        expectEqual(
          'grant',
          `${opened.folderId} ${opened.role} ${toB64url(opened.key)}`,
          `${g.folderId} ${g.role} ${g.folderKey}`,
        )
      })
    }
  }
  for (const t of vectors.invalidTokens) {
    await check(`invalidToken/${t.name}`, () =>
      expectError(t.name, t.error, () => parseToken(t.text)),
    )
  }
  for (const x of vectors.invalidGrants) {
    await check(`invalidGrant/${x.name}`, async () => {
      const t = vectors.tokens.find((v) => v.name === x.token)
      const g = t?.grants[x.grant]
      if (!t || !g) throw new Error(`unknown vector ${x.token}/${x.grant}`)
      const grant = {
        folderId: x.folderId ?? g.folderId,
        role: (x.role ?? g.role) as GrantRole,
        wrappedKey: x.wrappedKey ?? g.wrappedKey,
      }
      await expectError(x.name, x.error, () =>
        openGrant(fromB64url(x.wrapKey ?? t.wrapKey), x.tokenId ?? t.id, grant),
      )
    })
  }
  for (const m of vectors.moves) {
    const toKey = fromB64url(m.to.key)
    const input = {
      id: m.secretId,
      metaRevision: m.metaRevision,
      meta: m.meta,
      versions: m.versions.map((v) => ({ version: v.version, wrappedKey: v.wrappedKey })),
    }
    // Random nonces: the result is checked by opening it, not by its bytes.
    await check(`move/${m.name}/rewrap`, () => {
      const moved = rewrapForMove(fromB64url(m.fromKey), { id: m.to.id, key: toKey }, input)
      expectEqual('folderId', moved.folderId, m.to.id)
      expectEqual('revision', String(moved.meta.revision), String(m.movedMeta.revision))
      const meta = openSecretMeta(toKey, m.secretId, moved.meta.revision, moved.meta.ciphertext)
      expectEqual('meta', JSON.stringify(meta), JSON.stringify(m.metaRecord))
      for (const [i, v] of m.versions.entries()) {
        const w = moved.versions[i]!
        expectEqual('version', String(w.version), String(v.version))
        const context = dataKeyContext(m.secretId, v.version)
        expectEqual(
          'dataKey',
          toB64url(unwrapKey(toKey, fromB64url(w.wrappedKey), context)),
          v.dataKey,
        )
        const value = openSecretVersion(toKey, m.secretId, { ...w, ciphertext: v.ciphertext })
        expectEqual('value', JSON.stringify(value), JSON.stringify(v.valueRecord))
      }
    })
    // The generator's moved bytes: reproduced with its nonces, and opened as a client would.
    await check(`move/${m.name}/moved-vector`, () => {
      for (const v of m.versions) {
        const context = dataKeyContext(m.secretId, v.version)
        const again = wrapKey(toKey, fromB64url(v.dataKey), context, {
          nonce: fromB64url(v.movedNonce),
        })
        expectEqual('movedWrappedKey', toB64url(again), v.movedWrappedKey)
        const value = openSecretVersion(toKey, m.secretId, {
          version: v.version,
          wrappedKey: v.movedWrappedKey,
          ciphertext: v.ciphertext,
        })
        expectEqual('value', JSON.stringify(value), JSON.stringify(v.valueRecord))
      }
      const binding = {
        objectId: m.secretId,
        version: m.movedMeta.revision,
        field: 'secret-meta',
      } as const
      const plaintext = openField(toKey, fromB64url(m.movedMeta.ciphertext), binding)
      const resealed = sealField(toKey, plaintext, binding, {
        nonce: fromB64url(m.movedMeta.nonce),
      })
      expectEqual('movedMeta', toB64url(resealed), m.movedMeta.ciphertext)
      const meta = openSecretMeta(toKey, m.secretId, m.movedMeta.revision, m.movedMeta.ciphertext)
      expectEqual('meta', JSON.stringify(meta), JSON.stringify(m.metaRecord))
    })
  }
  return report
}
