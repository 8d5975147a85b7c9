/** @module Serves the built web app (from STATIC_DIR or from memory) on the API's origin; never touches the database. */
import path from 'node:path'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { Hono, type Context } from 'hono'
import { ApiError } from '../errors.ts'
import { diskAssetSource, staticRelPath, type AssetSource } from './asset-source.ts'

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

interface Compressed {
  version: string
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

/** The web app's routes over `source`: a directory path, or any AssetSource (memory, for the single executable). */
export function staticRoutes(source: string | AssetSource): Hono {
  const assets = typeof source === 'string' ? diskAssetSource(source) : source
  const compressed = new Map<string, Compressed>()

  async function send(c: Context, rel: string | null, cacheControl: string): Promise<Response> {
    const asset = rel === null ? null : await assets.get(rel)
    if (rel === null || !asset) throw notFound()
    const ext = path.posix.extname(rel).toLowerCase()
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'cache-control': cacheControl,
    }
    let body = asset.bytes
    // Compressed once per file version and kept: the share page's budget is counted in bytes sent.
    if (COMPRESSIBLE.has(ext) && body.length > 512) {
      headers['vary'] = 'Accept-Encoding'
      let entry = compressed.get(rel)
      if (entry?.version !== asset.version) {
        entry = { version: asset.version }
        compressed.set(rel, entry)
      }
      const accepted = acceptedEncodings(c.req.header('accept-encoding'))
      if (accepted.has('br')) {
        entry.br ??= brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } })
        body = await entry.br
        headers['content-encoding'] = 'br'
      } else if (accepted.has('gzip')) {
        entry.gzip ??= gzip(body, { level: 9 })
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
    const hasOwn = await assets.get('s/index.html')
    return send(c, hasOwn ? 's/index.html' : 'index.html', NO_STORE)
  }
  app.get('/s', sharePage)
  app.get('/s/', sharePage)
  // no-store: after an upgrade a verifier must see the new manifest, not a cached one.
  app.get(MANIFEST_PATH, (c) => send(c, MANIFEST_FILE, NO_STORE))
  app.get('/assets/*', (c) => send(c, staticRelPath(c.req.path), IMMUTABLE))
  app.get('*', (c) => {
    const last = c.req.path.split('/').at(-1) ?? ''
    // A path with a file extension is a file; anything else is a route of the single-page app.
    if (last.includes('.')) return send(c, staticRelPath(c.req.path), REVALIDATE)
    return send(c, 'index.html', NO_STORE)
  })
  return app
}
