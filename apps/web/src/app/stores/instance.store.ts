/**
 * @module useInstanceStore: this instance's policy and who is looking (GET /api/policy), so pages
 * offer only what the server will accept: no create form where anonymous shares are off, no
 * register button where registration is closed, expiry choices within the cap, the size limit.
 * The server enforces all of it regardless; this only keeps buttons from leading nowhere.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { PublicPolicy } from '@secretsentry/contract/types'
import { fetchPolicy } from '../../shared/api/policy.api.ts'

export const useInstanceStore = defineStore('instance', () => {
  const policy = ref<PublicPolicy | null>(null)
  /** 'failed': the policy could not be read; pages then offer everything and the server decides. */
  const status = ref<'idle' | 'loading' | 'ready' | 'failed'>('idle')
  let pending: Promise<void> | null = null

  function load(): Promise<void> {
    pending ??= (async () => {
      // A refresh keeps showing the policy it has: pages must not blink to "Loading…" meanwhile.
      if (policy.value === null) status.value = 'loading'
      try {
        policy.value = await fetchPolicy()
        status.value = 'ready'
      } catch {
        status.value = 'failed'
      }
    })()
    return pending
  }

  /** After a login, logout or policy change: read it again. */
  function refresh(): Promise<void> {
    pending = null
    return load()
  }

  const settled = computed(() => status.value === 'ready' || status.value === 'failed')
  const viewer = computed(() => policy.value?.viewer ?? null)
  const isAdmin = computed(() => viewer.value?.admin === true)
  /** Anonymous creation is off and nobody is logged in here: the form would only be refused. */
  const mustLogInToShare = computed(
    () => policy.value !== null && !policy.value.anonymousShares && viewer.value === null,
  )
  const registration = computed(() => policy.value?.registration ?? 'open')

  return { policy, status, settled, viewer, isAdmin, mustLogInToShare, registration, load, refresh }
})
