/** @module useLinksStore: the links this browser created ("My links"), persisted in localStorage, no account. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ClientError, shareClient } from '../../shared/api/share.api.ts'
import { errorMessage } from '../../shared/api/error-message.ts'

export const STORAGE_KEY = 'secretsentry.links.v1'

/** Longest label kept, in characters (the create form's input has the same maxlength). */
export const LABEL_MAX_LENGTH = 80

/**
 * What is kept per link. Security promise: never the link itself (its fragment holds the seed):
 * localStorage is readable by any script on this origin and outlives the tab on shared
 * computers. The manage token can only check and delete a share, never read it.
 */
export interface SavedLink {
  id: string
  manageToken: string
  expiresAt: string
  maxViews: number
  createdAt: string
  hasPassphrase: boolean
  /**
   * The creator's own note to tell links apart, trimmed, possibly empty. Local only: it is never
   * part of any request. Entries saved before labels existed have none and load as ''.
   */
  label: string
  /**
   * How the share ended, once the server said so. Kept because the server's receipt is swept
   * (at the share's expiry, or 7 days after it for an expired one) and an ending never changes.
   */
  ending?: LinkEnding
}

export type EndedState = 'read' | 'expired' | 'deleted' | 'destroyed'
const ENDED_STATES: readonly string[] = ['read', 'expired', 'deleted', 'destroyed']

export interface LinkEnding {
  state: EndedState
  endedAt: string
  /** When each view was opened (ISO times), oldest first. */
  opens: string[]
  failedAttempts: number
}

export type LinkStatus =
  | { state: 'loading' }
  | { state: 'active'; viewsLeft: number; failedAttempts: number; opens: string[] }
  | LinkEnding
  /** The server no longer knows it, and this browser never learnt how it ended. */
  | { state: 'gone' }
  | { state: 'error'; message: string }

const isIso = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))

function pickEnding(value: unknown): LinkEnding | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const opens = v['opens']
  if (
    typeof v['state'] !== 'string' ||
    !ENDED_STATES.includes(v['state']) ||
    !isIso(v['endedAt']) ||
    !Array.isArray(opens) ||
    !opens.every(isIso) ||
    typeof v['failedAttempts'] !== 'number'
  ) {
    return undefined
  }
  return {
    state: v['state'] as EndedState,
    endedAt: v['endedAt'],
    opens: [...opens],
    failedAttempts: v['failedAttempts'],
  }
}

/** Trimmed and capped at LABEL_MAX_LENGTH characters (code points, so no emoji is cut in half); anything else is ''. */
function cleanLabel(value: unknown): string {
  if (typeof value !== 'string') return ''
  return Array.from(value.trim()).slice(0, LABEL_MAX_LENGTH).join('').trim()
}

/** Copies only the allowed fields, so nothing else a caller passes (a fragment, say) is ever written. */
function pick(value: unknown): SavedLink | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  if (
    typeof v['id'] !== 'string' ||
    typeof v['manageToken'] !== 'string' ||
    typeof v['expiresAt'] !== 'string' ||
    typeof v['maxViews'] !== 'number' ||
    typeof v['createdAt'] !== 'string' ||
    typeof v['hasPassphrase'] !== 'boolean'
  ) {
    return null
  }
  const ending = pickEnding(v['ending'])
  return {
    id: v['id'],
    manageToken: v['manageToken'],
    expiresAt: v['expiresAt'],
    maxViews: v['maxViews'],
    createdAt: v['createdAt'],
    hasPassphrase: v['hasPassphrase'],
    label: cleanLabel(v['label']),
    ...(ending ? { ending } : {}),
  }
}

function load(): SavedLink[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]')
    if (!Array.isArray(raw)) return []
    return raw.map(pick).filter((l): l is SavedLink => l !== null)
  } catch {
    return []
  }
}

export const useLinksStore = defineStore('links', () => {
  const links = ref<SavedLink[]>(load())
  /** Fetched from the server, never persisted. */
  const statuses = ref<Record<string, LinkStatus>>({})

  const sorted = computed(() =>
    [...links.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
  )

  function save(): void {
    try {
      if (links.value.length === 0) localStorage.removeItem(STORAGE_KEY)
      else localStorage.setItem(STORAGE_KEY, JSON.stringify(links.value))
    } catch {
      // Storage full or disabled (private mode): the list lives for this tab only.
    }
  }

  function add(link: SavedLink): void {
    const clean = pick(link)
    if (!clean) throw new TypeError('invalid link record')
    links.value = [...links.value.filter((l) => l.id !== clean.id), clean]
    save()
  }

  /** Removes the link from this browser only; the share itself lives on until it expires. */
  function forget(id: string): void {
    links.value = links.value.filter((l) => l.id !== id)
    delete statuses.value[id]
    save()
  }

  function clear(): void {
    links.value = []
    statuses.value = {}
    save()
  }

  /** Records how a share ended, here and in localStorage. */
  function ended(id: string, ending: LinkEnding): void {
    statuses.value[id] = ending
    links.value = links.value.map((l) => (l.id === id ? { ...l, ending } : l))
    save()
  }

  async function refresh(id: string): Promise<void> {
    const link = links.value.find((l) => l.id === id)
    if (!link) return
    // An ending is final: no need to ask again (and the server forgets it after a while).
    if (link.ending) {
      statuses.value[id] = link.ending
      return
    }
    statuses.value[id] = { state: 'loading' }
    try {
      const s = await shareClient().status(link.id, link.manageToken)
      const opens = s.opens.map((o) => o.at)
      if (s.state === 'live') {
        statuses.value[id] = {
          state: 'active',
          viewsLeft: s.viewsLeft,
          failedAttempts: s.failedAttempts,
          opens,
        }
      } else {
        ended(id, {
          state: s.state,
          endedAt: s.endedAt ?? new Date().toISOString(),
          opens,
          failedAttempts: s.failedAttempts,
        })
      }
    } catch (e) {
      statuses.value[id] =
        e instanceof ClientError && e.code === 'not_found'
          ? { state: 'gone' }
          : { state: 'error', message: errorMessage(e) }
    }
  }

  async function refreshAll(): Promise<void> {
    await Promise.all(links.value.map((l) => refresh(l.id)))
  }

  /** Destroys the share on the server (an already-gone share counts as done). */
  async function deleteNow(id: string): Promise<void> {
    const link = links.value.find((l) => l.id === id)
    if (!link) return
    try {
      await shareClient().delete(link.id, link.manageToken)
    } catch (e) {
      if (!(e instanceof ClientError && e.code === 'not_found')) throw e
      // It ended some other way meanwhile: its receipt says how.
      await refresh(id)
      return
    }
    const before = statuses.value[id]
    ended(id, {
      state: 'deleted',
      endedAt: new Date().toISOString(),
      opens: before?.state === 'active' ? before.opens : [],
      failedAttempts: before?.state === 'active' ? before.failedAttempts : 0,
    })
  }

  // Another tab created or forgot a link.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (e) => {
      if (e.key === STORAGE_KEY || e.key === null) links.value = load()
    })
  }

  return { links: sorted, statuses, add, forget, clear, refresh, refreshAll, deleteNow }
})
