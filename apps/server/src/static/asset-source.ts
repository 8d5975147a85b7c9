/** @module Where the built web app's files come from: a directory on disk, or bytes held in memory (the single executable). */
import fs from 'node:fs/promises'
import path from 'node:path'

export interface StaticAsset {
  bytes: Buffer
  /** Changes whenever `bytes` change, so compressed copies can be cached per version. */
  version: string
}

export interface AssetSource {
  /**
   * The file at `rel`, a relative POSIX path already checked by `staticRelPath`
   * (`index.html`, `assets/main-1a2b.js`), or null when there is no such file.
   */
  get(rel: string): Promise<StaticAsset | null>
  /** Every file's relative POSIX path, sorted. */
  list(): Promise<string[]>
}

/**
 * Maps a URL path to a relative file path, or null. Refuses dot segments (so `..` and hidden
 * files like `.env`), backslashes, NUL and colons, so no request can name a file outside the app.
 */
export function staticRelPath(urlPath: string): string | null {
  const segments = urlPath.split('/').filter((s) => s.length > 0)
  if (segments.length === 0) return null
  if (segments.some((s) => s.startsWith('.') || /[\\\0:]/.test(s))) return null
  return segments.join('/')
}

interface DiskEntry {
  mtimeMs: number
  size: number
  bytes: Buffer
}

/** Files under `rootDir`, read on first use and re-read when their size or mtime changes. */
export function diskAssetSource(rootDir: string): AssetSource {
  const root = path.resolve(rootDir)
  const cache = new Map<string, DiskEntry>()

  return {
    async get(rel) {
      const file = path.join(root, ...rel.split('/'))
      // Second fence behind staticRelPath: whatever `rel` is, nothing outside the root is read.
      if (!file.startsWith(root + path.sep)) return null
      const stat = await fs.stat(file).catch(() => null)
      if (!stat?.isFile()) return null
      let entry = cache.get(rel)
      if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
        const bytes = await fs.readFile(file).catch(() => null)
        if (!bytes) return null
        entry = { mtimeMs: stat.mtimeMs, size: stat.size, bytes }
        cache.set(rel, entry)
      }
      return { bytes: entry.bytes, version: `${entry.mtimeMs}:${entry.size}` }
    },
    async list() {
      const entries = await fs
        .readdir(root, { recursive: true, withFileTypes: true })
        .catch(() => [])
      return entries
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .filter((rel) => staticRelPath(rel) === rel)
        .sort()
    },
  }
}

/**
 * Files known by name, their bytes produced on first request by `read` and then kept (the
 * single executable reads them out of its embedded blob). Only the names given exist: a lookup
 * is an exact map match, so no path can reach anything else.
 */
export function memoryAssetSource(
  names: Iterable<string>,
  read: (name: string) => Uint8Array,
): AssetSource {
  const known = new Set(names)
  const loaded = new Map<string, StaticAsset>()
  return {
    async get(rel) {
      if (!known.has(rel)) return null
      let asset = loaded.get(rel)
      if (!asset) {
        const bytes = read(rel)
        asset = {
          bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          version: 'embedded',
        }
        loaded.set(rel, asset)
      }
      return asset
    },
    async list() {
      return [...known].sort()
    },
  }
}
