import { describe, expect, it } from 'vitest'
import { VAULT_LIMITS } from '@secretsentry/contract/limits'
import { KDF_DEFAULTS, KDF_MAXIMUMS, KDF_MINIMUMS } from './kdf.ts'

// The server validates KDF settings with the contract's numbers and the client refuses with
// keyring's: if they drifted, the server could hand out settings the client refuses (locking
// users out), or the client could accept a downgrade the server would never have stored.
describe('KDF bounds agree with the API contract', () => {
  it('defaults, minimums and maximums are the same numbers on both sides', () => {
    expect({ ...KDF_DEFAULTS }).toEqual(VAULT_LIMITS.kdfDefaults)
    expect({ ...KDF_MINIMUMS }).toEqual(VAULT_LIMITS.kdfMinimums)
    expect({ ...KDF_MAXIMUMS }).toEqual(VAULT_LIMITS.kdfMaximums)
  })
})
