/** @module SecretShares: each link of a secret says how it stands or ended, as My links does. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { VaultShare } from '@secretsentry/client/vault'
import { useVaultStore } from '../stores/vault.store.ts'
import SecretShares from './SecretShares.vue'

const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

function share(over: Partial<VaultShare>): VaultShare {
  return {
    id: 'AAAAAAAAAAAAAAAAAAAAAA',
    version: 1,
    createdAt: ago(3_600_000),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    maxViews: 1,
    viewsLeft: null,
    status: 'used',
    state: 'read',
    endedAt: null,
    opens: [],
    ...over,
  }
}

beforeEach(() => setActivePinia(createPinia()))

describe('SecretShares', () => {
  it('says Read, Expired unread, Revoked and Destroyed, with when each ended', async () => {
    const store = useVaultStore()
    vi.spyOn(store, 'shares').mockResolvedValue([
      share({ id: 'r', state: 'read', endedAt: ago(120_000), opens: [ago(120_000)] }),
      share({ id: 'e', status: 'expired', state: 'expired', endedAt: ago(3 * 3_600_000) }),
      share({ id: 'd', status: 'revoked', state: 'deleted', endedAt: ago(60_000) }),
      share({ id: 'x', state: 'destroyed', endedAt: null }),
      share({ id: 'l', status: 'active', state: 'live', viewsLeft: 1 }),
    ])
    const w = mount(SecretShares, { props: { secretId: 'S' } })
    await flushPromises()
    const heads = w.findAll('.share-head').map((h) => h.text())
    expect(heads[0]).toMatch(/^Read\s*2 minutes ago/)
    expect(heads[1]).toMatch(/^Expired unread\s*3 hours ago/)
    expect(heads[2]).toMatch(/^Revoked\s*1 minute ago/)
    expect(heads[3]).toMatch(/^Destroyed after 5 wrong tries\s*Version/)
    expect(heads[4]).toMatch(/^Active\s*Version/)
    expect(w.findAll('button').map((b) => b.text())).toEqual([expect.stringMatching(/^Revoke/)])
  })
})
