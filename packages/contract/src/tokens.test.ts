/** @module Contract tests of the token and move shapes: one root grant, no folder or version twice, exact sizes. */
import { describe, expect, it } from 'vitest'
import {
  addGrantsRequest,
  b64urlLength,
  createTokenRequest,
  moveSecretRequest,
  serviceTokenKeys,
  tokenGrant,
} from './index.ts'

const b = (n: number, c = 'A') => c.repeat(b64urlLength(n))
const root = { folderId: b(16), role: 'root', wrappedKey: b(61) }
const sub = { folderId: b(16, 'B'), role: 'subfolder', wrappedKey: b(61) }
const body = { id: b(16), verifier: b(32), ownerWrappedKey: b(61), grants: [root, sub] }
const issue = (r: {
  success: boolean
  error?: { issues: { path: PropertyKey[]; message: string }[] }
}) => (r.error ? `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}` : 'ok')

describe('serviceTokenKeys', () => {
  it('accepts a root grant and subfolder grants', () => {
    expect(issue(serviceTokenKeys.safeParse(body))).toBe('ok')
  })

  it('refuses no root, two roots, a folder twice, and a token text in place of the verifier', () => {
    expect(issue(serviceTokenKeys.safeParse({ ...body, grants: [sub] }))).toMatch(
      /^grants: .*exactly one root/,
    )
    expect(
      issue(serviceTokenKeys.safeParse({ ...body, grants: [root, { ...sub, role: 'root' }] })),
    ).toMatch(/exactly one root/)
    expect(
      issue(
        serviceTokenKeys.safeParse({
          ...body,
          grants: [root, { ...sub, folderId: root.folderId }],
        }),
      ),
    ).toBe('grants.1.folderId: repeats an earlier folder')
    expect(
      issue(serviceTokenKeys.safeParse({ ...body, verifier: `sst_${b(16)}_${b(32)}` })),
    ).toMatch(/^verifier/)
    expect(issue(serviceTokenKeys.safeParse({ ...body, secret: b(32) }))).not.toBe('ok')
  })

  it('grants name their field when wrong', () => {
    expect(issue(tokenGrant.safeParse({ ...root, role: 'parent' }))).toMatch(/^role/)
    expect(issue(tokenGrant.safeParse({ ...root, wrappedKey: b(60) }))).toMatch(/^wrappedKey/)
  })
})

describe('moveSecretRequest (what keyring rewrapForMove produces)', () => {
  const move = {
    folderId: b(16),
    meta: { revision: 2, ciphertext: b(60) },
    versions: [{ version: 1, wrappedKey: b(61) }],
  }

  it('accepts a move and refuses no versions and revision 1', () => {
    expect(issue(moveSecretRequest.safeParse(move))).toBe('ok')
    expect(issue(moveSecretRequest.safeParse({ ...move, versions: [] }))).toMatch(/^versions/)
    expect(
      issue(moveSecretRequest.safeParse({ ...move, meta: { ...move.meta, revision: 1 } })),
    ).toMatch(/^meta.revision/)
  })
})

describe('createTokenRequest and addGrantsRequest', () => {
  const create = {
    ...body,
    name: 'deploy prod',
    tokenMeta: b(60),
    includeSubfolders: true,
    readWrite: false,
    stage: 'current',
    expiresInSeconds: 30 * 86400,
  }

  it('accepts a token with its flags, and no expiry', () => {
    expect(issue(createTokenRequest.safeParse(create))).toBe('ok')
    expect(issue(createTokenRequest.safeParse({ ...create, expiresInSeconds: null }))).toBe('ok')
    expect(createTokenRequest.parse({ ...create, name: '  ci  ' }).name).toBe('ci')
  })

  it('refuses names that are empty, too long or hold control characters, and bad flags', () => {
    expect(issue(createTokenRequest.safeParse({ ...create, name: '  ' }))).toMatch(/^name/)
    expect(issue(createTokenRequest.safeParse({ ...create, name: 'x'.repeat(65) }))).toMatch(
      /^name/,
    )
    expect(issue(createTokenRequest.safeParse({ ...create, name: '🔑'.repeat(64) }))).toBe('ok')
    expect(issue(createTokenRequest.safeParse({ ...create, name: 'a\nb' }))).toMatch(/^name/)
    expect(issue(createTokenRequest.safeParse({ ...create, stage: 'pending' }))).toMatch(/^stage/)
    expect(issue(createTokenRequest.safeParse({ ...create, expiresInSeconds: 59 }))).toMatch(
      /^expiresInSeconds/,
    )
    expect(issue(createTokenRequest.safeParse({ ...create, tokenMeta: b(2000) }))).toMatch(
      /^tokenMeta/,
    )
    expect(issue(createTokenRequest.safeParse({ ...create, includeSubfolders: false }))).toMatch(
      /^grants: .*includeSubfolders/,
    )
    expect(issue(createTokenRequest.safeParse({ ...create, grants: [sub] }))).toMatch(
      /exactly one root/,
    )
  })

  it('later grants are subfolder grants, each folder once', () => {
    expect(issue(addGrantsRequest.safeParse({ grants: [sub] }))).toBe('ok')
    expect(issue(addGrantsRequest.safeParse({ grants: [root] }))).toMatch(/role must be subfolder/)
    expect(issue(addGrantsRequest.safeParse({ grants: [sub, sub] }))).toMatch(/repeats/)
    expect(issue(addGrantsRequest.safeParse({ grants: [] }))).toMatch(/^grants/)
  })
})
