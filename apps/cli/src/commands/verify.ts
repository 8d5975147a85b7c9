/** @module `secretsentry verify URL`: checks that an instance serves exactly the web app this command was built with. */
import crypto from 'node:crypto'
import { MANIFEST_PATH } from '@secretsentry/server/server'
import { embeddedManifest, type WebManifest } from '../bundled.ts'
import { EXIT_FAILED, EXIT_OK, type Io } from '../io.ts'
import { UsageError } from '../args.ts'
import type { Command } from './command.ts'

export type FileStatus = 'ok' | 'MISMATCH' | 'missing' | 'extra'

export interface FileResult {
  /** The manifest path, or `/` and `/s` for the entry pages as browsers load them. */
  path: string
  status: FileStatus
  detail?: string
}

export interface SriResult {
  page: string
  url: string
  status: 'ok' | 'MISMATCH' | 'missing' | 'no integrity'
}

export interface VerifyReport {
  files: FileResult[]
  sri: SriResult[]
  ok: boolean
}

const sha256 = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex')

/** The web build serves these pages at these paths too; browsers load them there. */
const ENTRY_PAGES: readonly (readonly [string, string])[] = [
  ['/', 'index.html'],
  ['/s', 's/index.html'],
]

/** The tags SRI applies to, as the web build writes them (sri.plugin.ts). */
const TAG = /<(script|link)\b([^>]*?)\/?>/g
const attr = (attrs: string, name: string) =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1] ?? null

/** Every script and stylesheet/modulepreload link of a page, with its integrity value (or null). */
export function subresources(html: string): { url: string; integrity: string | null }[] {
  const found: { url: string; integrity: string | null }[] = []
  for (const [, tag, attrs = ''] of html.matchAll(TAG)) {
    if (tag === 'link' && !/\srel="(?:stylesheet|modulepreload)"/.test(attrs)) continue
    const url = attr(attrs, tag === 'script' ? 'src' : 'href')
    if (url === null) continue
    found.push({ url, integrity: attr(attrs, 'integrity') })
  }
  return found
}

/** True when `bytes` match one of the space-separated `sha256-/sha384-/sha512-<base64>` values (W3C SRI §3.3.5). */
export function integrityMatches(integrity: string, bytes: Uint8Array): boolean {
  return integrity
    .trim()
    .split(/\s+/)
    .some((token) => {
      const m = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})/.exec(token)
      if (!m) return false
      const digest = crypto
        .createHash(m[1] as string)
        .update(bytes)
        .digest('base64')
      return digest === m[2]
    })
}

function isManifest(value: unknown): value is WebManifest {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v))
  )
}

/**
 * Compares what `base` serves with `expected`: each listed file's bytes, the instance's published
 * manifest, the entry pages as browsers get them, and every SRI hash in the pages against the
 * bytes the instance serves for that URL.
 */
export async function verifyInstance(base: URL, expected: WebManifest): Promise<VerifyReport> {
  const fetched = new Map<string, Promise<Uint8Array | null>>()
  // identity: the manifest hashes the files as built, not a compressed transfer of them.
  const get = (urlPath: string) => {
    let body = fetched.get(urlPath)
    if (!body) {
      body = fetch(new URL(urlPath, base), {
        headers: { 'accept-encoding': 'identity' },
      }).then(async (res) => {
        if (res.status === 404) return null
        if (!res.ok) throw new Error(`GET ${urlPath} answered ${res.status}`)
        return new Uint8Array(await res.arrayBuffer())
      })
      fetched.set(urlPath, body)
    }
    return body
  }

  const files: FileResult[] = []
  const publishedBytes = await get(MANIFEST_PATH)
  let published: WebManifest | null = null
  if (publishedBytes === null) {
    files.push({ path: MANIFEST_PATH, status: 'missing' })
  } else {
    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder().decode(publishedBytes))
    } catch {
      parsed = undefined
    }
    if (isManifest(parsed)) published = parsed
    else files.push({ path: MANIFEST_PATH, status: 'MISMATCH', detail: 'not a manifest' })
  }

  const paths = [...new Set([...Object.keys(expected), ...Object.keys(published ?? {})])].sort()
  await Promise.all(paths.map((p) => get(`/${p}`)))
  for (const p of paths) {
    const want = expected[p]
    if (want === undefined) {
      files.push({ path: p, status: 'extra', detail: 'listed by the instance, not by this build' })
      continue
    }
    const bytes = await get(`/${p}`)
    if (bytes === null) {
      files.push({ path: p, status: 'missing' })
      continue
    }
    if (sha256(bytes) !== want) {
      files.push({ path: p, status: 'MISMATCH', detail: 'served bytes differ' })
      continue
    }
    const listed = published?.[p]
    if (published && listed !== want) {
      const detail =
        listed === undefined
          ? 'not in the instance manifest'
          : 'instance manifest lists another hash'
      files.push({ path: p, status: 'MISMATCH', detail })
      continue
    }
    files.push({ path: p, status: 'ok' })
  }

  const sri: SriResult[] = []
  const pages: [string, string][] = []
  for (const [urlPath, file] of ENTRY_PAGES) {
    const want = expected[file]
    if (want === undefined) continue
    const bytes = await get(urlPath)
    const status: FileStatus =
      bytes === null ? 'missing' : sha256(bytes) === want ? 'ok' : 'MISMATCH'
    files.push({ path: urlPath, status, detail: `served as ${file}` })
    pages.push([urlPath, file])
  }
  // Other pages by their file path; the entry pages' files are already covered by / and /s.
  for (const file of Object.keys(expected).filter((p) => p.endsWith('.html'))) {
    if (!pages.some(([, f]) => f === file)) pages.push([`/${file}`, file])
  }
  for (const [urlPath] of pages) {
    const html = await get(urlPath)
    if (html === null) continue
    for (const { url, integrity } of subresources(new TextDecoder().decode(html))) {
      if (integrity === null) {
        sri.push({ page: urlPath, url, status: 'no integrity' })
        continue
      }
      const bytes = await get(new URL(url, new URL(urlPath, base)).pathname)
      const status =
        bytes === null ? 'missing' : integrityMatches(integrity, bytes) ? 'ok' : 'MISMATCH'
      sri.push({ page: urlPath, url, status })
    }
  }

  const ok = files.every((f) => f.status === 'ok') && sri.every((s) => s.status === 'ok')
  return { files, sri, ok }
}

function parseUrl(raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`verify: URL ${JSON.stringify(raw)} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`verify: URL must start with http:// or https://, got ${url.protocol}`)
  }
  // Paths are resolved against the instance's root.
  return new URL('/', url)
}

export function formatReport(report: VerifyReport, io: Io): void {
  const width = Math.max(...report.files.map((f) => f.status.length), 2)
  for (const f of report.files) {
    io.out(
      `${f.status.padEnd(width)}  ${f.path}${f.detail && f.status !== 'ok' ? `  (${f.detail})` : ''}\n`,
    )
  }
  for (const s of report.sri) {
    io.out(`${(s.status === 'ok' ? 'ok' : s.status).padEnd(width)}  SRI ${s.page} → ${s.url}\n`)
  }
  const bad =
    report.files.filter((f) => f.status !== 'ok').length +
    report.sri.filter((s) => s.status !== 'ok').length
  io.out(
    report.ok
      ? `Verified: the instance serves this build's web app (${report.files.length} files, ${report.sri.length} SRI hashes).\n`
      : `NOT VERIFIED: ${bad} difference(s) from this build's web app.\n`,
  )
}

export const verify: Command = {
  name: 'verify',
  summary: "check that an instance serves this release's unmodified web app",
  usage: 'secretsentry verify URL',
  spec: { positionals: ['URL'] },
  examples: ['secretsentry verify https://secrets.example.org'],
  description: [
    `Fetches the manifest the instance publishes at ${MANIFEST_PATH} and every file`,
    'it lists (uncompressed), and compares their SHA-256 with the manifest built into this',
    'command. Also checks the entry pages / and /s, and that every Subresource Integrity hash in',
    'the pages matches the file served. Prints ok, MISMATCH, missing or extra per file.',
    'Exit code 0: identical. 1: any difference, or the instance could not be reached.',
  ],
  async run(args, io) {
    const base = parseUrl(args.positionals[0] as string)
    let report: VerifyReport
    try {
      report = await verifyInstance(base, embeddedManifest())
    } catch (err) {
      const cause =
        err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : ''
      io.err(`secretsentry verify: ${err instanceof Error ? err.message : String(err)}${cause}\n`)
      return EXIT_FAILED
    }
    formatReport(report, io)
    return report.ok ? EXIT_OK : EXIT_FAILED
  },
}
