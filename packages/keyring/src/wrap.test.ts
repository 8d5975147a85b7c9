import { describe, expect, it } from 'vitest'
import { KeyringError } from './errors.ts'
import { newId, newKey } from './kdf.ts'
import {
  USER_KEY_CONTEXT,
  WRAPPED_KEY_BYTES,
  dataKeyContext,
  folderKeyContext,
  unwrapKey,
  wrapKey,
} from './wrap.ts'

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    return e instanceof KeyringError ? e.code : String(e)
  }
  return 'no error'
}

describe('wrapKey / unwrapKey', () => {
  it('round-trips a key under its context, 61 bytes, fresh nonce each time', () => {
    const kek = newKey()
    const key = newKey()
    const a = wrapKey(kek, key, USER_KEY_CONTEXT)
    const b = wrapKey(kek, key, USER_KEY_CONTEXT)
    expect(a).toHaveLength(WRAPPED_KEY_BYTES)
    expect(a).not.toEqual(b)
    expect(unwrapKey(kek, a, USER_KEY_CONTEXT)).toEqual(key)
  })

  it('a key wrapped for one folder, secret or version does not open as another', () => {
    const folderKey = newKey()
    const dataKey = newKey()
    const id = newId()
    const wrapped = wrapKey(folderKey, dataKey, dataKeyContext(id, 2))
    expect(codeOf(() => unwrapKey(folderKey, wrapped, dataKeyContext(id, 1)))).toBe(
      'decrypt_failed',
    )
    expect(codeOf(() => unwrapKey(folderKey, wrapped, dataKeyContext(newId(), 2)))).toBe(
      'decrypt_failed',
    )
    expect(codeOf(() => unwrapKey(folderKey, wrapped, folderKeyContext(id)))).toBe('decrypt_failed')
    expect(codeOf(() => unwrapKey(newKey(), wrapped, dataKeyContext(id, 2)))).toBe('decrypt_failed')
  })
})
