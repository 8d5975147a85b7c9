/**
 * @module Addressing secrets by path, shared by the CLI and the SDK: a secret's path is its
 * folder's path, then its metadata path, then its name. `/app/production/database/DB_PASSWORD`
 * is the secret `DB_PASSWORD` in the folder `/app/production/database` (or, for a secret kept
 * in the root folder, one whose metadata path is `/app/production/database`). A bare name (or
 * `/NAME`) finds a secret without a path. Resolution runs over decrypted metadata only: the
 * server never learns which name was looked up.
 */
import { localError } from './errors.ts'
import { PATH_PATTERN } from './meta.ts'
import type { SecretMeta } from './meta.ts'

/** A listed secret: `meta` is null when it could not be decrypted. */
export interface VaultItem<S = unknown> {
  id: string
  meta: SecretMeta | null
  summary: S
  /** The path of the secret's folder ('' for the root folder, or when unknown). */
  folderPath?: string
}

/** `/folder/path/NAME`, or `/NAME` for a secret without a path in the root folder. */
export function secretPath(meta: SecretMeta, folderPath = ''): string {
  return `${folderPath}${meta.path}/${meta.name}`
}

const itemPath = (i: VaultItem): string => secretPath(i.meta!, i.folderPath ?? '')

/** Splits `/a/b/NAME` into the metadata path `/a/b` and the name; `NAME` or `/NAME` has path ''. */
export function splitPath(input: string): { path: string; name: string } {
  const text = typeof input === 'string' ? input.trim() : ''
  if (text === '' || text === '/') throw localError('bad_input', 'path is empty', { field: 'path' })
  if (!text.startsWith('/')) return { path: '', name: text }
  const at = text.lastIndexOf('/')
  const path = text.slice(0, at)
  const name = text.slice(at + 1)
  if (name === '')
    throw localError('bad_input', 'path must end with a secret name', { field: 'path' })
  if (path !== '' && !PATH_PATTERN.test(path)) {
    throw localError(
      'bad_input',
      'path must be slash-separated segments of letters, digits, . _ - (like /app/prod/db/NAME)',
      { field: 'path' },
    )
  }
  return { path, name }
}

function matches(item: VaultItem, text: string): boolean {
  // The name alone, as typed (a name may itself contain slashes), or the full path.
  return item.meta!.name === text || itemPath(item) === text
}

/**
 * The one secret at `input` (a path, a name, or an id). Nothing matching is `secret_not_found`;
 * several are `ambiguous`, naming the candidates' paths and ids so the caller can pick one.
 */
export function resolveSecret<I extends VaultItem>(items: readonly I[], input: string): I {
  const text = typeof input === 'string' ? input.trim() : ''
  if (text === '') throw localError('bad_input', 'path is empty', { field: 'path' })
  const byId = items.find((i) => i.id === text)
  if (byId) return byId
  const found = items.filter((i) => i.meta !== null && matches(i, text))
  if (found.length === 1) return found[0]!
  if (found.length === 0) throw localError('secret_not_found', `No secret at ${text}.`)
  const candidates = found.map((i) => `${itemPath(i)} (id ${i.id})`)
  throw localError(
    'ambiguous',
    `${found.length} secrets match ${text}: ${candidates.join(', ')}. Use a full path or an id.`,
    { candidates },
  )
}

/** The readable secrets at or under a path prefix (`/app` lists `/app/x/NAME` and `/app/NAME`), sorted by path. */
export function secretsUnder<I extends VaultItem>(items: readonly I[], prefix = '/'): I[] {
  const p = prefix.trim().replace(/\/+$/, '')
  return items
    .filter((i) => {
      if (i.meta === null) return false
      const full = itemPath(i)
      return p === '' || full === p || full.startsWith(`${p}/`) || i.meta.name === prefix.trim()
    })
    .sort((a, b) => itemPath(a).localeCompare(itemPath(b)))
}
