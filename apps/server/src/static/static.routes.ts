/** @module Serves the built web app from STATIC_DIR on the API's origin; never touches the database. */
import fs from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { Hono, type Context } from 'hono'
import { ApiError } from '../errors.ts'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.map',
  '.webmanifest',
  '.txt',
  '.svg',
  '.ico',
])

/** Hashed file names never change content, so caches may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
/** Entry pages must be fetched fresh: they name the current hashed assets (and /s is a share page). */
const NO_STORE = 'no-store'
/** Unhashed files (favicon, manifest): cacheable, but revalidated. */
const REVALIDATE = 'no-cache'

const brotli = promisify(zlib.brotliCompress)
const gzip = promisify(zlib.gzip)

interface CachedFile {
  mtimeMs: number
  size: number
  raw: Buffer
  br?: Promise<Buffer>
  gzip?: Promise<Buffer>
}

/**
 * Where an instance publishes the SHA-256 of every file of its web app (written by the web build as
 * manifest.sha256.json); `secretsentry verify URL` compares it and the files with its own copy.
 */
export const MANIFEST_PATH = '/.well-known/secretsentry/manifest.json'
const MANIFEST_FILE = 'manifest.sha256.json'

const notFound = () => new ApiError(404, 'not_found', 'Not found')

/** Maps a URL path to a file under `root`; refuses dot segments (so `..` and hidden files) and odd characters. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  const segments = urlPath.split('/').filter((s) => s.length > 0)
  if (segments.length === 0) return null
  if (segments.some((s) => s.startsWith('.') || /[\\\0:]/.test(s))) return null
  const full = path.join(root, ...segments)
  return full.startsWith(root + path.sep) ? full : null
}

function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>()
  for (const part of (header ?? '').split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (q !== undefined && Number(q.slice(2)) === 0) continue
    accepted.add(token.trim())
  }
  return accepted
}

export function staticRoutes(rootDir: string): Hono {
  const root = path.resolve(rootDir)
  const cache = new Map<string, CachedFile>()

  async function load(file: string): Promise<CachedFile | null> {
    let stat
    try {
      stat = await fs.stat(file)
    } catch {
      return null
    }
    if (!stat.isFile()) return null
    const cached = cache.get(file)
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached
    const raw = await fs.readFile(file).catch(() => null)
    if (!raw) return null
    const entry: CachedFile = { mtimeMs: stat.mtimeMs, size: stat.size, raw }
    cache.set(file, entry)
    return entry
  }

  async function send(c: Context, file: string | null, cacheControl: string): Promise<Response> {
    const entry = file ? await load(file) : null
    if (!file || !entry) throw notFound()
    const ext = path.extname(file).toLowerCase()
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'cache-control': cacheControl,
    }
    let body = entry.raw
    // Compressed once per file version and kept: the share page's budget is counted in bytes sent.
    if (COMPRESSIBLE.has(ext) && entry.raw.length > 512) {
      headers['vary'] = 'Accept-Encoding'
      const accepted = acceptedEncodings(c.req.header('accept-encoding'))
      if (accepted.has('br')) {
        entry.br ??= brotli(entry.raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } })
        body = await entry.br
        headers['content-encoding'] = 'br'
      } else if (accepted.has('gzip')) {
        entry.gzip ??= gzip(entry.raw, { level: 9 })
        body = await entry.gzip
        headers['content-encoding'] = 'gzip'
      }
    }
    headers['content-length'] = String(body.length)
    return c.body(
      new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length),
      200,
      headers,
    )
  }

  const app = new Hono()
  // The share page: static, so link previewers that fetch it cannot burn a view (SPEC §1.2).
  const sharePage = async (c: Context) => {
    const own = path.join(root, 's', 'index.html')
    const hasOwn = await load(own)
    return send(c, hasOwn ? own : path.join(root, 'index.html'), NO_STORE)
  }
  app.get('/s', sharePage)
  app.get('/s/', sharePage)
  // no-store: after an upgrade a verifier must see the new manifest, not a cached one.
  app.get(MANIFEST_PATH, (c) => send(c, path.join(root, MANIFEST_FILE), NO_STORE))
  app.get('/assets/*', (c) => send(c, resolveStaticPath(root, c.req.path), IMMUTABLE))
  app.get('*', (c) => {
    const last = c.req.path.split('/').at(-1) ?? ''
    // A path with a file extension is a file; anything else is a route of the single-page app.
    if (last.includes('.')) return send(c, resolveStaticPath(root, c.req.path), REVALIDATE)
    return send(c, path.join(root, 'index.html'), NO_STORE)
  })
  return app
}
