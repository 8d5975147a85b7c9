/** @module Wrong-typed and out-of-range inputs to every public function fail with KeyringError('bad_input') (or a kdf_* code for KDF settings). */
import { describe, expect, it } from 'vitest'
import * as keyring from '../src/index.ts'
import {
  KDF_MINIMUMS,
  KeyringError,
  assertKdfParams,
  changePassword,
  compareKdfParams,
  createAccount,
  createFolder,
  createSecret,
  createSecretVersion,
  dataKeyContext,
  deriveAccountKeys,
  folderKeyContext,
  newId,
  newKey,
  openField,
  openFolder,
  openFolderMeta,
  openSecretMeta,
  openSecretValue,
  openSecretVersion,
  sealField,
  sealFolderMeta,
  sealSecretMeta,
  sealSecretValue,
  unlockAccount,
  unwrapKey,
  unwrapUserKey,
  wrapKey,
  wrapUserKey,
  createServiceToken,
  deriveTokenKeys,
  formatToken,
  grantFolder,
  openGrant,
  openTokenMeta,
  parseToken,
  pathIsWithin,
  rewrapForMove,
  tokenGrantContext,
  tokenKeyContext,
  tokenVerifier,
  tokenVerifierMatches,
  sealTokenMeta,
  unlockServiceToken,
  unwrapTokenKey,
} from '../src/index.ts'
import type { KdfParams } from '../src/index.ts'

// Deliberately wrong types go through `any`-free casts so the table reads like untyped callers.
const as = <T>(v: unknown) => v as T

const KDF: KdfParams = { algorithm: 'argon2id', ...KDF_MINIMUMS }
const key = newKey()
const id = newId()
const salt = new Uint8Array(16)
const account = await createAccount('pw', KDF)
const folder = { id: account.folder.id, key: account.folder.key }
const meta = { name: 'n', description: '', tags: [], path: '' }
const value = { value: 'v' }
const secret = createSecret(folder, meta, value)
const sealedVersion = { version: 1, ...secret.value }
const binding = { objectId: id, version: 1, field: 'secret-meta' } as const
const wrapped = wrapKey(key, newKey(), 'user-key')
const sealed = sealField(key, new Uint8Array(3), binding)

const badKeys: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['string', 'k'.repeat(43)],
  ['16 bytes (AES-128)', new Uint8Array(16)],
  ['31 bytes', new Uint8Array(31)],
  ['33 bytes', new Uint8Array(33)],
  ['number array', Array.from({ length: 32 }, () => 0)],
  ['Uint16Array', new Uint16Array(16)],
  ['ArrayBuffer', new ArrayBuffer(32)],
]
const badIds: [string, unknown][] = [
  ['undefined', undefined],
  ['number', 5],
  ['empty', ''],
  ['21 chars', id.slice(0, 21)],
  ['23 chars', `${id}A`],
  ['padding', `${id}==`],
  ['standard base64', `+/${id.slice(2)}`],
  ['non-canonical last char', `${id.slice(0, 21)}B`],
  ['bytes', new Uint8Array(16)],
]
const badVersions: [string, unknown][] = [
  ['0', 0],
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['2^31', 2 ** 31],
  ['string', '1'],
  ['null', null],
]
const badPasswords: [string, unknown][] = [
  ['empty', ''],
  ['undefined', undefined],
  ['number', 1234],
  ['lone surrogate', 'pw\ud800'],
  ['bytes', new Uint8Array(4)],
]
const badB64: [string, unknown][] = [
  ['number', 5],
  ['null', null],
  ['padding', 'AAA='],
  ['whitespace', 'AA AA'],
  ['impossible length', 'A'],
  ['bytes', new Uint8Array(61)],
]
const badBindings: [string, unknown][] = [
  ['null', null],
  ['string', 'secret-meta'],
  ['unknown field', { ...binding, field: 'secret-name' }],
  ['field missing', { objectId: id, version: 1 }],
  ...badIds.map(([w, v]): [string, unknown] => [`objectId ${w}`, { ...binding, objectId: v }]),
  ...badVersions.map(([w, v]): [string, unknown] => [`version ${w}`, { ...binding, version: v }]),
]
const badMetas: [string, unknown][] = [
  ['null', null],
  ['string', 'name'],
  ['name missing', { description: '', tags: [], path: '' }],
  ['tags as string', { ...meta, tags: 'a,b' }],
  ['name 201 chars', { ...meta, name: 'x'.repeat(201) }],
  ['extra field', { ...meta, value: 'leak' }],
]
const badValues: [string, unknown][] = [
  ['null', null],
  ['string', 'v'],
  ['number value', { value: 1 }],
  ['lone surrogate', { value: '\udfff' }],
  ['extra field', { value: 'v', note: '' }],
]
const badFolderMetas: [string, unknown][] = [
  ['null', null],
  ['empty name', { name: '', path: '' }],
  ['bad path', { name: 'x', path: 'x/' }],
  ['extra field', { name: 'x', path: '', tags: [] }],
]
const badOpts: [string, unknown][] = [
  ['string', 'fast'],
  ['null', null],
  ['onProgress not a function', { onProgress: 5 }],
]
const badNonces: [string, unknown][] = [
  ['8 bytes', { nonce: new Uint8Array(8) }],
  ['string', { nonce: 'n' }],
  ['opts string', 'n'],
]
const badContexts: [string, unknown][] = [
  ['empty', ''],
  ['number', 1],
  ['lone surrogate', 'folder-key\0\ud800'],
  ['null', null],
]
const badAccounts: [string, unknown][] = [
  ['null', null],
  ['salt missing', { kdf: KDF, wrappedUserKey: account.wrappedUserKey }],
  ['salt 15 bytes', { ...account, salt: 'AAAAAAAAAAAAAAAAAAAA' }],
  ['salt bytes', { ...account, salt }],
  ['wrappedUserKey number', { ...account, wrappedUserKey: 1 }],
  ['wrappedUserKey padded', { ...account, wrappedUserKey: `${account.wrappedUserKey}=` }],
]
const badFolders: [string, unknown][] = [
  ['null', null],
  ['id missing', { wrappedKey: account.folder.wrappedKey, meta: account.folder.meta }],
  ['wrappedKey number', { ...account.folder, wrappedKey: 61 }],
  ['meta bytes', { ...account.folder, meta: new Uint8Array(40) }],
  ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { ...account.folder, id: v }]),
]
const badSealedVersions: [string, unknown][] = [
  ['null', null],
  ['version missing', secret.value],
  ['version 0', { ...sealedVersion, version: 0 }],
  ['wrappedKey missing', { version: 1, ciphertext: secret.value.ciphertext }],
  ['ciphertext not base64url', { ...sealedVersion, ciphertext: 'a+b/' }],
]

const TOKEN_META = { path: '/app/production' }
const serviceToken = createServiceToken(account.userKey, folder, [], TOKEN_META)
const parsedToken = parseToken(serviceToken.text)
const tokenKeys = deriveTokenKeys(parsedToken)
const grant = serviceToken.grants[0]!
const badTokens: [string, unknown][] = [
  ['null', null],
  ['string', serviceToken.text],
  ['id missing', { secret: parsedToken.secret }],
  ['secret 16 bytes', { ...parsedToken, secret: new Uint8Array(16) }],
  ['secret as text', { ...parsedToken, secret: serviceToken.text.slice(27) }],
  ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { ...parsedToken, id: v }]),
]
const badTokenMetas: [string, unknown][] = [
  ['null', null],
  ['a string', '/app'],
  ['path missing', {}],
  ['path relative', { path: 'app' }],
  ['path with ..', { path: '/a/..' }],
  ['extra field', { path: '/a', name: 'x' }],
]
const badRoles: [string, unknown][] = [
  ['undefined', undefined],
  ['capitalised', 'Root'],
  ['other', 'parent'],
  ['number', 0],
]
const badGrants: [string, unknown][] = [
  ['null', null],
  ['wrappedKey missing', { folderId: grant.folderId, role: grant.role }],
  ['wrappedKey padded', { ...grant, wrappedKey: `${grant.wrappedKey}=` }],
  ...badRoles.map(([w, v]): [string, unknown] => [`role ${w}`, { ...grant, role: v }]),
  ...badIds.map(([w, v]): [string, unknown] => [`folderId ${w}`, { ...grant, folderId: v }]),
]
const moveInput = {
  id: secret.id,
  metaRevision: 1,
  meta: secret.meta.ciphertext,
  versions: [{ version: 1, wrappedKey: secret.value.wrappedKey }],
}
const badMoves: [string, unknown][] = [
  ['null', null],
  ['versions missing', { ...moveInput, versions: undefined }],
  ['versions empty', { ...moveInput, versions: [] }],
  ['versions repeated', { ...moveInput, versions: [moveInput.versions[0], moveInput.versions[0]] }],
  ['version 0', { ...moveInput, versions: [{ ...moveInput.versions[0], version: 0 }] }],
  [
    'wrappedKey bytes',
    { ...moveInput, versions: [{ version: 1, wrappedKey: new Uint8Array(61) }] },
  ],
  ['meta missing', { ...moveInput, meta: undefined }],
  ['metaRevision at the maximum', { ...moveInput, metaRevision: 2 ** 31 - 1 }],
  ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { ...moveInput, id: v }]),
]

type Case = [fn: string, what: string, call: () => unknown]
const cases: Case[] = [
  ...badPasswords.map(([w, v]): Case => [
    'deriveAccountKeys',
    `password ${w}`,
    () => deriveAccountKeys(as(v), salt, KDF),
  ]),
  ...[
    ['15 bytes', new Uint8Array(15)],
    ['17 bytes', new Uint8Array(17)],
    ['string', 'A'.repeat(22)],
  ].map(([w, v]): Case => [
    'deriveAccountKeys',
    `salt ${w}`,
    () => deriveAccountKeys('pw', as(v), KDF),
  ]),
  ...badOpts.map(([w, v]): Case => [
    'deriveAccountKeys',
    `opts ${w}`,
    () => deriveAccountKeys('pw', salt, KDF, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => ['wrapKey', `wrappingKey ${w}`, () => wrapKey(as(v), key, 'c')]),
  ...badKeys.map(([w, v]): Case => ['wrapKey', `key ${w}`, () => wrapKey(key, as(v), 'c')]),
  ...badContexts.map(([w, v]): Case => ['wrapKey', `context ${w}`, () => wrapKey(key, key, as(v))]),
  ...badNonces.map(([w, v]): Case => ['wrapKey', `opts ${w}`, () => wrapKey(key, key, 'c', as(v))]),
  ...badKeys.map(([w, v]): Case => [
    'unwrapKey',
    `wrappingKey ${w}`,
    () => unwrapKey(as(v), wrapped, 'user-key'),
  ]),
  ...[
    ['string', 'AQ'],
    ['array', [1, 2, 3]],
    ['null', null],
  ].map(([w, v]): Case => ['unwrapKey', `wrapped ${w}`, () => unwrapKey(key, as(v), 'user-key')]),
  ...badContexts.map(([w, v]): Case => [
    'unwrapKey',
    `context ${w}`,
    () => unwrapKey(key, wrapped, as(v)),
  ]),
  ...badIds.map(([w, v]): Case => ['folderKeyContext', `id ${w}`, () => folderKeyContext(as(v))]),
  ...badIds.map(([w, v]): Case => ['dataKeyContext', `id ${w}`, () => dataKeyContext(as(v), 1)]),
  ...badVersions.map(([w, v]): Case => [
    'dataKeyContext',
    `version ${w}`,
    () => dataKeyContext(id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'sealField',
    `key ${w}`,
    () => sealField(as(v), new Uint8Array(1), binding),
  ]),
  ...[
    ['string', 'plain'],
    ['array', [1]],
  ].map(([w, v]): Case => ['sealField', `plaintext ${w}`, () => sealField(key, as(v), binding)]),
  ...badBindings.map(([w, v]): Case => [
    'sealField',
    `binding ${w}`,
    () => sealField(key, new Uint8Array(1), as(v)),
  ]),
  ...badNonces.map(([w, v]): Case => [
    'sealField',
    `opts ${w}`,
    () => sealField(key, new Uint8Array(1), binding, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openField',
    `key ${w}`,
    () => openField(as(v), sealed, binding),
  ]),
  ...badBindings.map(([w, v]): Case => [
    'openField',
    `binding ${w}`,
    () => openField(key, sealed, as(v)),
  ]),
  ...[
    ['string', 'AQ'],
    ['null', null],
  ].map(([w, v]): Case => ['openField', `sealed ${w}`, () => openField(key, as(v), binding)]),
  ...badKeys.map(([w, v]): Case => [
    'sealSecretMeta',
    `key ${w}`,
    () => sealSecretMeta(as(v), id, 1, meta),
  ]),
  ...badIds.map(([w, v]): Case => [
    'sealSecretMeta',
    `id ${w}`,
    () => sealSecretMeta(key, as(v), 1, meta),
  ]),
  ...badVersions.map(([w, v]): Case => [
    'sealSecretMeta',
    `revision ${w}`,
    () => sealSecretMeta(key, id, as(v), meta),
  ]),
  ...badMetas.map(([w, v]): Case => [
    'sealSecretMeta',
    `meta ${w}`,
    () => sealSecretMeta(key, id, 1, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openSecretMeta',
    `key ${w}`,
    () => openSecretMeta(as(v), secret.id, 1, secret.meta.ciphertext),
  ]),
  ...badIds.map(([w, v]): Case => [
    'openSecretMeta',
    `id ${w}`,
    () => openSecretMeta(folder.key, as(v), 1, secret.meta.ciphertext),
  ]),
  ...badVersions.map(([w, v]): Case => [
    'openSecretMeta',
    `revision ${w}`,
    () => openSecretMeta(folder.key, secret.id, as(v), secret.meta.ciphertext),
  ]),
  ...badB64.map(([w, v]): Case => [
    'openSecretMeta',
    `ciphertext ${w}`,
    () => openSecretMeta(folder.key, secret.id, 1, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'sealSecretValue',
    `key ${w}`,
    () => sealSecretValue(as(v), id, 1, value),
  ]),
  ...badIds.map(([w, v]): Case => [
    'sealSecretValue',
    `id ${w}`,
    () => sealSecretValue(key, as(v), 1, value),
  ]),
  ...badVersions.map(([w, v]): Case => [
    'sealSecretValue',
    `version ${w}`,
    () => sealSecretValue(key, id, as(v), value),
  ]),
  ...badValues.map(([w, v]): Case => [
    'sealSecretValue',
    `value ${w}`,
    () => sealSecretValue(key, id, 1, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openSecretValue',
    `key ${w}`,
    () => openSecretValue(as(v), id, 1, 'AQ'),
  ]),
  ...badIds.map(([w, v]): Case => [
    'openSecretValue',
    `id ${w}`,
    () => openSecretValue(key, as(v), 1, toSealed()),
  ]),
  ...badVersions.map(([w, v]): Case => [
    'openSecretValue',
    `version ${w}`,
    () => openSecretValue(key, id, as(v), toSealed()),
  ]),
  ...badB64.map(([w, v]): Case => [
    'openSecretValue',
    `ciphertext ${w}`,
    () => openSecretValue(key, id, 1, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'sealFolderMeta',
    `key ${w}`,
    () => sealFolderMeta(as(v), id, { name: 'f', path: '' }),
  ]),
  ...badIds.map(([w, v]): Case => [
    'sealFolderMeta',
    `id ${w}`,
    () => sealFolderMeta(key, as(v), { name: 'f', path: '' }),
  ]),
  ...badFolderMetas.map(([w, v]): Case => [
    'sealFolderMeta',
    `meta ${w}`,
    () => sealFolderMeta(key, id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openFolderMeta',
    `key ${w}`,
    () => openFolderMeta(as(v), account.folder.id, account.folder.meta),
  ]),
  ...badIds.map(([w, v]): Case => [
    'openFolderMeta',
    `id ${w}`,
    () => openFolderMeta(folder.key, as(v), account.folder.meta),
  ]),
  ...badB64.map(([w, v]): Case => [
    'openFolderMeta',
    `ciphertext ${w}`,
    () => openFolderMeta(folder.key, account.folder.id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => ['wrapUserKey', `kek ${w}`, () => wrapUserKey(as(v), key)]),
  ...badKeys.map(([w, v]): Case => ['wrapUserKey', `userKey ${w}`, () => wrapUserKey(key, as(v))]),
  ...badKeys.map(([w, v]): Case => [
    'unwrapUserKey',
    `kek ${w}`,
    () => unwrapUserKey(as(v), account.wrappedUserKey),
  ]),
  ...badB64.map(([w, v]): Case => [
    'unwrapUserKey',
    `wrapped ${w}`,
    () => unwrapUserKey(key, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'createFolder',
    `userKey ${w}`,
    () => createFolder(as(v), { name: 'f', path: '' }),
  ]),
  ...badFolderMetas.map(([w, v]): Case => [
    'createFolder',
    `meta ${w}`,
    () => createFolder(key, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openFolder',
    `userKey ${w}`,
    () => openFolder(as(v), account.folder),
  ]),
  ...badFolders.map(([w, v]): Case => [
    'openFolder',
    `folder ${w}`,
    () => openFolder(account.userKey, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'createSecretVersion',
    `folderKey ${w}`,
    () => createSecretVersion(as(v), id, 1, value),
  ]),
  ...badIds.map(([w, v]): Case => [
    'createSecretVersion',
    `id ${w}`,
    () => createSecretVersion(key, as(v), 1, value),
  ]),
  ...badVersions.map(([w, v]): Case => [
    'createSecretVersion',
    `version ${w}`,
    () => createSecretVersion(key, id, as(v), value),
  ]),
  ...badValues.map(([w, v]): Case => [
    'createSecretVersion',
    `value ${w}`,
    () => createSecretVersion(key, id, 1, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openSecretVersion',
    `folderKey ${w}`,
    () => openSecretVersion(as(v), secret.id, sealedVersion),
  ]),
  ...badIds.map(([w, v]): Case => [
    'openSecretVersion',
    `id ${w}`,
    () => openSecretVersion(folder.key, as(v), sealedVersion),
  ]),
  ...badSealedVersions.map(([w, v]): Case => [
    'openSecretVersion',
    `sealed ${w}`,
    () => openSecretVersion(folder.key, secret.id, as(v)),
  ]),
  ...[
    ['null', null],
    ['key missing', { id: folder.id }],
    ['key 16 bytes', { ...folder, key: new Uint8Array(16) }],
    ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { ...folder, id: v }]),
  ].map(([w, v]): Case => ['createSecret', `folder ${w}`, () => createSecret(as(v), meta, value)]),
  ...badMetas.map(([w, v]): Case => [
    'createSecret',
    `meta ${w}`,
    () => createSecret(folder, as(v), value),
  ]),
  ...badValues.map(([w, v]): Case => [
    'createSecret',
    `value ${w}`,
    () => createSecret(folder, meta, as(v)),
  ]),
  ...badPasswords.map(([w, v]): Case => [
    'createAccount',
    `password ${w}`,
    () => createAccount(as(v), KDF),
  ]),
  ...badOpts.map(([w, v]): Case => [
    'createAccount',
    `opts ${w}`,
    () => createAccount('pw', KDF, as(v)),
  ]),
  ...[
    ['number', 5],
    ['empty', ''],
    ['with a newline', 'a\nb'],
  ].map(([w, v]): Case => [
    'createAccount',
    `folderName ${w}`,
    () => createAccount('pw', KDF, { folderName: as(v) }),
  ]),
  ...badPasswords.map(([w, v]): Case => [
    'unlockAccount',
    `password ${w}`,
    () => unlockAccount(as(v), account),
  ]),
  ...badAccounts.map(([w, v]): Case => [
    'unlockAccount',
    `account ${w}`,
    () => unlockAccount('pw', as(v)),
  ]),
  ...badOpts.map(([w, v]): Case => [
    'unlockAccount',
    `opts ${w}`,
    () => unlockAccount('pw', account, as(v)),
  ]),
  ...badPasswords.map(([w, v]): Case => [
    'changePassword',
    `currentPassword ${w}`,
    () => changePassword(as(v), account, 'new', KDF),
  ]),
  ...badAccounts.map(([w, v]): Case => [
    'changePassword',
    `account ${w}`,
    () => changePassword('pw', as(v), 'new', KDF),
  ]),
  ...badPasswords.map(([w, v]): Case => [
    'changePassword',
    `newPassword ${w}`,
    () => changePassword('pw', account, as(v), KDF),
  ]),
  ...badOpts.map(([w, v]): Case => [
    'changePassword',
    `opts ${w}`,
    () => changePassword('pw', account, 'new', KDF, as(v)),
  ]),
]

cases.push(
  ...badTokens.map(([w, v]): Case => ['formatToken', `token ${w}`, () => formatToken(as(v))]),
  ...[
    ['undefined', undefined],
    ['bytes', new Uint8Array(70)],
  ].map(([w, v]): Case => ['parseToken', `text ${w}`, () => parseToken(as(v))]),
  ...badTokens.map(([w, v]): Case => [
    'deriveTokenKeys',
    `token ${w}`,
    () => deriveTokenKeys(as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => ['tokenVerifier', `authKey ${w}`, () => tokenVerifier(as(v))]),
  ...badKeys.map(([w, v]): Case => [
    'tokenVerifierMatches',
    `verifier ${w}`,
    () => tokenVerifierMatches(as(v), tokenKeys.authKey),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'tokenVerifierMatches',
    `authKey ${w}`,
    () => tokenVerifierMatches(key, as(v)),
  ]),
  ...badIds.map(([w, v]): Case => [
    'tokenKeyContext',
    `tokenId ${w}`,
    () => tokenKeyContext(as(v)),
  ]),
  ...badIds.map(([w, v]): Case => [
    'tokenGrantContext',
    `tokenId ${w}`,
    () => tokenGrantContext(as(v), id, 'root'),
  ]),
  ...badIds.map(([w, v]): Case => [
    'tokenGrantContext',
    `folderId ${w}`,
    () => tokenGrantContext(id, as(v), 'root'),
  ]),
  ...badRoles.map(([w, v]): Case => [
    'tokenGrantContext',
    `role ${w}`,
    () => tokenGrantContext(id, id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'grantFolder',
    `tokenWrapKey ${w}`,
    () => grantFolder(as(v), parsedToken.id, folder, 'root'),
  ]),
  ...badIds.map(([w, v]): Case => [
    'grantFolder',
    `tokenId ${w}`,
    () => grantFolder(tokenKeys.wrapKey, as(v), folder, 'root'),
  ]),
  ...[
    ['null', null],
    ['key 16 bytes', { ...folder, key: new Uint8Array(16) }],
    ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { ...folder, id: v }]),
  ].map(([w, v]): Case => [
    'grantFolder',
    `folder ${w}`,
    () => grantFolder(tokenKeys.wrapKey, parsedToken.id, as(v), 'root'),
  ]),
  ...badRoles.map(([w, v]): Case => [
    'grantFolder',
    `role ${w}`,
    () => grantFolder(tokenKeys.wrapKey, parsedToken.id, folder, as(v)),
  ]),
  ...badNonces.map(([w, v]): Case => [
    'grantFolder',
    `opts ${w}`,
    () => grantFolder(tokenKeys.wrapKey, parsedToken.id, folder, 'root', as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openGrant',
    `tokenWrapKey ${w}`,
    () => openGrant(as(v), parsedToken.id, grant),
  ]),
  ...badIds.map(([w, v]): Case => [
    'openGrant',
    `tokenId ${w}`,
    () => openGrant(tokenKeys.wrapKey, as(v), grant),
  ]),
  ...badGrants.map(([w, v]): Case => [
    'openGrant',
    `grant ${w}`,
    () => openGrant(tokenKeys.wrapKey, parsedToken.id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'unwrapTokenKey',
    `userKey ${w}`,
    () => unwrapTokenKey(as(v), serviceToken.id, serviceToken.ownerWrappedKey),
  ]),
  ...badIds.map(([w, v]): Case => [
    'unwrapTokenKey',
    `tokenId ${w}`,
    () => unwrapTokenKey(account.userKey, as(v), serviceToken.ownerWrappedKey),
  ]),
  ...badB64.map(([w, v]): Case => [
    'unwrapTokenKey',
    `ownerWrappedKey ${w}`,
    () => unwrapTokenKey(account.userKey, serviceToken.id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'createServiceToken',
    `userKey ${w}`,
    () => createServiceToken(as(v), folder, [], TOKEN_META),
  ]),
  ...[
    ['null', null],
    ['key missing', { id: folder.id }],
    ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { ...folder, id: v }]),
  ].map(([w, v]): Case => [
    'createServiceToken',
    `root ${w}`,
    () => createServiceToken(account.userKey, as(v), [], TOKEN_META),
  ]),
  ...[
    ['null', null],
    ['an object', folder],
    ['the root again', [folder]],
    ['an entry without key', [{ id }]],
  ].map(([w, v]): Case => [
    'createServiceToken',
    `subfolders ${w}`,
    () => createServiceToken(account.userKey, folder, as(v), TOKEN_META),
  ]),
  ...badTokenMetas.map(([w, v]): Case => [
    'createServiceToken',
    `meta ${w}`,
    () => createServiceToken(account.userKey, folder, [], as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'sealTokenMeta',
    `tokenWrapKey ${w}`,
    () => sealTokenMeta(as(v), parsedToken.id, TOKEN_META),
  ]),
  ...badIds.map(([w, v]): Case => [
    'sealTokenMeta',
    `tokenId ${w}`,
    () => sealTokenMeta(tokenKeys.wrapKey, as(v), TOKEN_META),
  ]),
  ...badTokenMetas.map(([w, v]): Case => [
    'sealTokenMeta',
    `meta ${w}`,
    () => sealTokenMeta(tokenKeys.wrapKey, parsedToken.id, as(v)),
  ]),
  ...badKeys.map(([w, v]): Case => [
    'openTokenMeta',
    `tokenWrapKey ${w}`,
    () => openTokenMeta(as(v), parsedToken.id, serviceToken.meta),
  ]),
  ...badIds.map(([w, v]): Case => [
    'openTokenMeta',
    `tokenId ${w}`,
    () => openTokenMeta(tokenKeys.wrapKey, as(v), serviceToken.meta),
  ]),
  ...badB64.map(([w, v]): Case => [
    'openTokenMeta',
    `ciphertext ${w}`,
    () => openTokenMeta(tokenKeys.wrapKey, parsedToken.id, as(v)),
  ]),
  ...[
    ['undefined', undefined],
    ['bytes', new Uint8Array(70)],
  ].map(([w, v]): Case => ['unlockServiceToken', `text ${w}`, () => unlockServiceToken(as(v))]),
  ['pathIsWithin', 'path number', () => pathIsWithin(as(1), '')],
  ['pathIsWithin', 'root null', () => pathIsWithin('/a', as(null))],
  ...badKeys.map(([w, v]): Case => [
    'rewrapForMove',
    `fromKey ${w}`,
    () => rewrapForMove(as(v), { id, key }, moveInput),
  ]),
  ...[
    ['null', null],
    ['key missing', { id }],
    ...badIds.map(([w, v]): [string, unknown] => [`id ${w}`, { id: v, key }]),
  ].map(([w, v]): Case => [
    'rewrapForMove',
    `to ${w}`,
    () => rewrapForMove(folder.key, as(v), moveInput),
  ]),
  ...badMoves.map(([w, v]): Case => [
    'rewrapForMove',
    `secret ${w}`,
    () => rewrapForMove(folder.key, { id, key }, as(v)),
  ]),
  ...[
    ['string', 'x'],
    ['meta invalid', { meta: { name: '' } }],
  ].map(([w, v]): Case => [
    'rewrapForMove',
    `opts ${w}`,
    () => rewrapForMove(folder.key, { id, key }, moveInput, as(v)),
  ]),
)

function toSealed(): string {
  return secret.value.ciphertext
}

// KDF settings have their own codes: a wrong shape or a value above the maximums is kdf_invalid.
const kdfCases: Case[] = [
  ...[null, 'argon2id', [], { ...KDF, algorithm: 'scrypt' }, { ...KDF, iterations: '3' }].map(
    (v, i): Case => ['assertKdfParams', `case ${i}`, () => assertKdfParams(v)],
  ),
  ['compareKdfParams', 'previous null', () => compareKdfParams(as(null), KDF)],
  [
    'compareKdfParams',
    'offered with a string field',
    () => compareKdfParams(KDF, as({ ...KDF, iterations: '3' })),
  ],
  ['deriveAccountKeys', 'kdf null', () => deriveAccountKeys('pw', salt, as(null))],
  ['createAccount', 'kdf string', () => createAccount('pw', as('argon2id'))],
  ['unlockAccount', 'kdf missing', () => unlockAccount('pw', { ...account, kdf: as(undefined) })],
  [
    'changePassword',
    'newKdf with extra field',
    () => changePassword('pw', account, 'n', as({ ...KDF, salt: 'x' })),
  ],
]

async function outcome(call: () => unknown): Promise<string> {
  return (async () => call())().then(
    () => 'no error',
    (e: unknown) => (e instanceof KeyringError ? e.code : `non-KeyringError: ${String(e)}`),
  )
}

describe('wrong-typed inputs', () => {
  it.each(cases)('%s rejects %s with bad_input', async (_fn, _what, call) => {
    expect(await outcome(call)).toBe('bad_input')
  })

  it.each(kdfCases)('%s rejects %s with kdf_invalid', async (_fn, _what, call) => {
    expect(await outcome(call)).toBe('kdf_invalid')
  })

  it('the tables cover every exported function', () => {
    const exported = Object.entries(keyring)
      .filter(
        ([name, v]) =>
          typeof v === 'function' && !['KeyringError', 'newId', 'newKey', 'newSalt'].includes(name),
      )
      .map(([name]) => name)
    const covered = new Set([...cases, ...kdfCases].map(([fn]) => fn))
    expect(exported.filter((name) => !covered.has(name))).toEqual([])
  })
})
