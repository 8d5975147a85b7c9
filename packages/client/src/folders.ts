/**
 * @module The folder tree as the client sees it (issue 11). The server stores each folder's
 * parent id, but the client builds paths from the parent sealed in the folder's own metadata
 * (FolderMeta.path is `""` for a top-level folder, `"/" + parentId` below another): a server
 * that rearranges the tree cannot make one folder's secrets appear under another path.
 * The account's oldest top-level folder is the root, `/`: its name is not part of any path,
 * so a new account has no forced structure.
 */
import { localError } from './errors.ts'

/** A folder name: one path segment, as in secret paths (letters, digits, . _ -). */
export const FOLDER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/
export const ENVIRONMENTS = ['development', 'staging', 'production'] as const

export interface FolderItem {
  id: string
  /** The parent sealed in the metadata (null: top-level). */
  parentId: string | null
  name: string
  /** '' for the root, else `/a/b`. */
  path: string
  revision: number
  root: boolean
}

export interface OpenedFolderInfo {
  id: string
  name: string
  sealedParent: string | null
  revision: number
}

/** FolderMeta.path for a parent (the sealed binding of a folder to its parent). */
export const parentBinding = (parentId: string | null): string =>
  parentId === null ? '' : `/${parentId}`

export function sealedParentOf(metaPath: string): string | null {
  return metaPath === '' ? null : metaPath.slice(1)
}

export function checkFolderName(name: string, field = 'name'): string {
  const n = typeof name === 'string' ? name.trim() : ''
  if (!FOLDER_NAME_PATTERN.test(n) || n === '.' || n === '..') {
    throw localError(
      'bad_input',
      `${field}: a folder name is 1 to 64 letters, digits, . _ or - (not . or ..)`,
      { field },
    )
  }
  return n
}

/** `/a/b/` → ['a', 'b']; '' and '/' → [] (the root). Every segment must be a valid folder name. */
export function folderSegments(path: string, field = 'path'): string[] {
  const text = typeof path === 'string' ? path.trim() : ''
  const inner = text.replace(/^\/+/, '').replace(/\/+$/, '')
  if (inner === '') return []
  return inner.split('/').map((s) => checkFolderName(s, field))
}

/**
 * Paths of every folder, in path order. Opened in creation order, the first top-level folder is
 * the root; a sealed parent the account does not have (or a loop) puts the folder at the top.
 */
export function buildTree(folders: readonly OpenedFolderInfo[]): FolderItem[] {
  const byId = new Map(folders.map((f) => [f.id, f]))
  const rootId = folders.find((f) => f.sealedParent === null || !byId.has(f.sealedParent))?.id
  const paths = new Map<string, string>()
  const pathOf = (f: OpenedFolderInfo): string => {
    const known = paths.get(f.id)
    if (known !== undefined) return known
    const chain: OpenedFolderInfo[] = []
    let at: OpenedFolderInfo | undefined = f
    while (at && at.id !== rootId && !chain.includes(at) && chain.length <= folders.length) {
      chain.push(at)
      at = at.sealedParent === null ? undefined : byId.get(at.sealedParent)
    }
    const path = chain
      .reverse()
      .map((c) => `/${c.name}`)
      .join('')
    paths.set(f.id, path)
    return path
  }
  return folders
    .map((f) => ({
      id: f.id,
      parentId: f.id === rootId ? null : (f.sealedParent ?? rootId ?? null),
      name: f.name,
      path: pathOf(f),
      revision: f.revision,
      root: f.id === rootId,
    }))
    .sort((a, b) => a.path.localeCompare(b.path))
}

/** The folder at a path ('' or '/' is the root) or with this id. */
export function findFolder(tree: readonly FolderItem[], pathOrId: string): FolderItem | undefined {
  const text = typeof pathOrId === 'string' ? pathOrId.trim() : ''
  const byId = tree.find((f) => f.id === text)
  if (byId) return byId
  const segments = folderSegments(text)
  const path = segments.map((s) => `/${s}`).join('')
  return tree.find((f) => f.path === path)
}

export function requireFolder(tree: readonly FolderItem[], pathOrId: string): FolderItem {
  const found = findFolder(tree, pathOrId)
  if (!found) throw localError('folder_not_found', `No folder at ${pathOrId.trim() || '/'}.`)
  return found
}

/**
 * Where a secret with metadata path `metaPath` goes: the deepest folder whose path is a prefix of
 * it, and what remains of the path inside that folder.
 */
export function placeSecret(
  tree: readonly FolderItem[],
  metaPath: string,
): { folder: FolderItem | undefined; rest: string } {
  let best: FolderItem | undefined = tree.find((f) => f.root)
  for (const f of tree) {
    if (f.path === '' || f.root) continue
    if (
      (metaPath === f.path || metaPath.startsWith(`${f.path}/`)) &&
      (!best || f.path.length > best.path.length)
    ) {
      best = f
    }
  }
  return { folder: best, rest: best ? metaPath.slice(best.path.length) : metaPath }
}
