/** @module What the keyring makes for the server (a token's keys and grants, a moved secret) is what the API contract accepts. */
import { describe, expect, it } from 'vitest'
import {
  GRANT_ROLES as CONTRACT_ROLES,
  moveSecretRequest,
  serviceTokenKeys,
  tokenAuthKey,
} from '@secretsentry/contract'
import { newKey } from './kdf.ts'
import { rewrapForMove } from './move.ts'
import { GRANT_ROLES, createServiceToken, unlockServiceToken } from './token.ts'
import { createFolder, createSecret } from './vault.ts'

describe('token and move bodies agree with the API contract', () => {
  const userKey = newKey()
  const root = createFolder(userKey, { name: 'prod', path: '/app/prod' })
  const sub = createFolder(userKey, { name: 'db', path: '/app/prod/db' })

  it('createServiceToken gives a valid ServiceTokenKeys body, and unlockServiceToken a valid authKey', () => {
    const t = createServiceToken(userKey, root, [sub], { path: '/app/production' })
    const { id, verifier, ownerWrappedKey, grants } = t
    expect(serviceTokenKeys.parse({ id, verifier, ownerWrappedKey, grants })).toEqual({
      id,
      verifier,
      ownerWrappedKey,
      grants,
    })
    expect(tokenAuthKey.safeParse(unlockServiceToken(t.text).authKey).success).toBe(true)
    expect(GRANT_ROLES).toEqual(CONTRACT_ROLES)
  })

  it('rewrapForMove gives a valid MoveSecretRequest body', () => {
    const s = createSecret(root, { name: 'x', description: '', tags: [], path: '' }, { value: 'v' })
    const { id, ...body } = rewrapForMove(root.key, sub, {
      id: s.id,
      metaRevision: 1,
      meta: s.meta.ciphertext,
      versions: [{ version: 1, wrappedKey: s.value.wrappedKey }],
    })
    expect(id).toBe(s.id)
    expect(moveSecretRequest.parse(body)).toEqual(body)
  })
})
