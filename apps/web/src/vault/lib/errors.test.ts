/** @module The vault's sentences for the write limits and the storage quota (issue 8). */
import { describe, expect, it } from 'vitest'
import { ClientError } from '../../shared/api/share.api.ts'
import { vaultErrorMessage } from './errors.ts'

describe('vaultErrorMessage', () => {
  it('a full vault shows the server sentence with used and limit', () => {
    const message =
      'Vault storage quota exceeded: 4000 of 4000 bytes used (0.0 MiB of 0.0 MiB), this change needs 226 more; purge deleted secrets or delete some to make room'
    expect(vaultErrorMessage(new ClientError(413, 'quota_exceeded', message))).toBe(message)
  })

  it('too many writes says when to try again', () => {
    const err = new ClientError(429, 'rate_limited', 'Too many vault changes', {
      retryAfterSeconds: 7,
    })
    expect(vaultErrorMessage(err)).toBe('Too many requests. Try again in 7 s.')
  })
})
