/** @module Tests of the Activity page: events in plain words with decrypted names, times relative and absolute, a badge only on failures. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { AuditEntry } from '@secretsentry/contract/types'
import { routes } from '../../app/router.ts'
import { installFakeVaultApi } from '../../testing/fake-vault-api.ts'
import type { FakeVault } from '../../testing/fake-vault-api.ts'
import { useVaultStore } from '../stores/vault.store.ts'
import VaultAuditView from './VaultAuditView.vue'

// Each test derives keys with Argon2id on the test thread: seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let api: FakeVault

beforeEach(async () => {
  setActivePinia(createPinia())
  api = await installFakeVaultApi()
  await useVaultStore().login(api.username, api.password)
})

async function mountView() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/vault/audit')
  const w = mount(VaultAuditView, { global: { plugins: [router] } })
  await flushPromises()
  return w
}

const entry = (over: Partial<AuditEntry> & Pick<AuditEntry, 'event'>): AuditEntry => ({
  id: String(Math.random()),
  at: new Date(Date.now() - 5 * 60_000).toISOString(),
  result: 'ok',
  actor: 'user',
  client: { hash: '441a9a8f0c1d2e3f441a9a8f0c1d2e3f', agent: 'browser' },
  secretId: null,
  shareId: null,
  detail: null,
  token: null,
  ...over,
})

describe('VaultAuditView', () => {
  it('tells what happened to which secret, by whom, when, in words', async () => {
    const store = useVaultStore()
    const { id } = await store.createSecret({
      meta: { name: 'DB password', description: '', tags: [], path: '' },
      value: 'hunter2',
    })
    api.audit = [
      entry({
        event: 'access.denied',
        result: 'denied',
        actor: 'other_account',
        secretId: id,
      }),
      entry({
        event: 'secret.shared',
        secretId: id,
        shareId: 'share',
        detail: 'version 2, 1 view(s), 259200 s',
      }),
      entry({
        event: 'secret.updated',
        secretId: id,
        detail: 'meta revision 2; version 2 (current)',
      }),
      entry({ event: 'secret.purged', secretId: 'Z29uZS1zZWNyZXQtMDAwMDE', detail: 'on request' }),
      entry({ event: 'login.ok', detail: 'registered' }),
    ]
    const w = await mountView()
    const items = w.findAll('li.event')
    expect(items.map((li) => li.find('.event-what').text())).toEqual([
      'Refused Someone tried to open “DB password” without access',
      'Shared “DB password” · link expires after 3 days, 1 view, version 2',
      'Edited “DB password” · name or details; new value, version 2',
      'Permanently deleted a secret',
      'Account created',
    ])
    // Another account's attempt is never shown as the owner's.
    expect(items[0]!.find('.event-meta').text()).toContain('by another account, in a browser')
    expect(items[0]!.text()).not.toContain('by you')
    expect(items[1]!.find('.event-meta').text()).toContain('by you, in a browser')
    // The name links to the secret.
    expect(items[1]!.find('a').attributes('href')).toBe(`/vault/secrets/${id}`)
    // Relative and absolute time.
    const time = items[0]!.find('time')
    expect(time.attributes('datetime')).toBe(api.audit[0]!.at)
    expect(time.text()).toBe('5 minutes ago')
    expect(items[0]!.find('.event-meta').text()).toContain(time.attributes('title'))
    // A badge only where something did not go through; no address hashes, no seconds.
    expect(w.findAll('.badge').map((b) => b.text())).toEqual(['Refused'])
    const text = w.text()
    expect(text).not.toMatch(/\bOK\b|441a9a8f|259200|revision|registered|without a session/)
  })
})
