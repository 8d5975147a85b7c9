/**
 * @module Search and tag filter over decrypted metadata. Security promise: it runs in the browser
 * only; the server never learns what the user searched for, nor any name or tag.
 */

import type { SecretMeta, VaultItem } from '@secretsentry/client/vault'

export type { SecretMeta, VaultItem }

/** Lower case, accents folded, so "cafe" finds "Café". */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase()
}

/** Folded text per decrypted record, computed once (each keystroke searches every secret). */
const folded = new WeakMap<SecretMeta, string>()

function haystack(meta: SecretMeta): string {
  let text = folded.get(meta)
  if (text === undefined) {
    text = fold([meta.name, meta.description, meta.path, ...meta.tags].join('\n'))
    folded.set(meta, text)
  }
  return text
}

/** One collator for every comparison (localeCompare with options builds one per call). */
let collator: Intl.Collator | undefined

/**
 * Every whitespace-separated word of `query` must occur in the name, description, path or a tag;
 * `tag` (when set) must be one of the secret's tags exactly. Undecryptable items show only when
 * nothing filters. Sorted by name, case-insensitively.
 */
export function filterItems<S>(
  items: readonly VaultItem<S>[],
  query: string,
  tag: string | null,
): VaultItem<S>[] {
  const words = fold(query)
    .split(/\s+/)
    .filter((w) => w !== '')
  const out = items.filter((item) => {
    if (!item.meta) return words.length === 0 && !tag
    if (tag && !item.meta.tags.includes(tag)) return false
    const text = haystack(item.meta)
    return words.every((w) => text.includes(w))
  })
  collator ??= new Intl.Collator(undefined, { sensitivity: 'base', numeric: true })
  const c = collator
  return out.sort((a, b) => c.compare(a.meta?.name ?? '', b.meta?.name ?? ''))
}

/** Every tag in use with how many secrets carry it, most used first, then alphabetical. */
export function tagCounts(items: readonly VaultItem[]): { tag: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const item of items)
    for (const t of item.meta?.tags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1)
  return [...counts]
    .map(([t, count]) => ({ tag: t, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag))
}

/** "prod, db ,  api,prod" → ["prod", "db", "api"]: trimmed, empty and repeated ones dropped. */
export function parseTags(input: string): string[] {
  const seen = new Set<string>()
  for (const raw of input.split(',')) {
    const t = raw.trim()
    if (t !== '') seen.add(t)
  }
  return [...seen]
}
