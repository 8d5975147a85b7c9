/** @module Vite plugin: Subresource Integrity on built scripts and stylesheets, plus a SHA-256 manifest of every served file (SPEC §6). */
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import type { Plugin } from 'vite'

export const MANIFEST_FILE = 'manifest.sha256.json'

/** The string literal src/app/pinned-import.ts holds until the build writes the pins into it. */
export const PINS_PLACEHOLDER = '__SECRETSENTRY_LAZY_PINS__'

/** The `integrity` attribute value (sha384, the strength browsers and the SRI spec recommend). */
export function sriHash(content: string | Uint8Array): string {
  return `sha384-${createHash('sha384').update(content).digest('base64')}`
}

const TAG = /<(script|link)\b([^>]*?)(\s*\/)?>/g
const URL_ATTR = /\s(?:src|href)="([^"]+)"/
const SRI_LINK_REL = /\srel="(?:stylesheet|modulepreload)"/

/**
 * Adds `integrity` (and `crossorigin`, which SRI needs for module scripts) to every <script src>,
 * stylesheet and modulepreload tag whose URL is in `hashes`. Tags we have no hash for stay as they are.
 */
export function addIntegrity(html: string, hashes: ReadonlyMap<string, string>): string {
  return html.replace(TAG, (tag, name: string, attrs: string, slash: string | undefined) => {
    const url = URL_ATTR.exec(attrs)?.[1]
    if (!url || /\sintegrity=/.test(attrs)) return tag
    if (name === 'link' && !SRI_LINK_REL.test(attrs)) return tag
    const hash = hashes.get(url)
    if (!hash) return tag
    const cors = /\scrossorigin\b/.test(attrs) ? '' : ' crossorigin'
    return `<${name}${attrs}${cors} integrity="${hash}"${slash ?? ''}>`
  })
}

/** What the pinning needs from a bundle entry: Rollup/Rolldown output chunks and assets fit. */
export type PinItem =
  | {
      type: 'chunk'
      fileName: string
      code: string
      imports: readonly string[]
      isDynamicEntry: boolean
      facadeModuleId: string | null
      viteMetadata?: { importedCss: ReadonlySet<string> }
    }
  | { type: 'asset'; fileName: string; source: string | Uint8Array }

type PinChunk = Extract<PinItem, { type: 'chunk' }>
export type PinEntry = {
  js: { url: string; integrity: string }[]
  css: { url: string; integrity: string }[]
}

/**
 * Writes the SRI hashes of every lazily imported chunk (and its CSS and the chunks only it needs)
 * into the one chunk holding PINS_PLACEHOLDER, keyed by the lazy module's path from `root`.
 * Files already in that chunk's static graph are left out: the HTML pins them, and they are loaded
 * before any lazy import can run (the holder is among them, so it never holds its own hash).
 * Throws when the placeholder is missing or not a plain string literal.
 */
export function pinLazyChunks(
  bundle: Record<string, PinItem>,
  root: string,
): Record<string, PinEntry> {
  const chunks = new Map<string, PinChunk>()
  for (const item of Object.values(bundle))
    if (item.type === 'chunk') chunks.set(item.fileName, item)
  const lazy = [...chunks.values()].filter((c) => c.isDynamicEntry && c.facadeModuleId)
  const holders = [...chunks.values()].filter((c) => c.code.includes(PINS_PLACEHOLDER))
  if (lazy.length === 0) return {}
  if (holders.length !== 1) {
    throw new Error(`expected one chunk holding ${PINS_PLACEHOLDER}, found ${holders.length}`)
  }
  const holder = holders[0]!
  const closure = (start: string): string[] => {
    const order: string[] = []
    const seen = new Set<string>()
    const visit = (f: string): void => {
      if (seen.has(f)) return
      seen.add(f)
      for (const dep of chunks.get(f)?.imports ?? []) visit(dep)
      order.push(f)
    }
    visit(start)
    return order
  }
  const preloaded = new Set(closure(holder.fileName))
  const hashOf = (fileName: string): string => {
    const item = bundle[fileName] ?? [...Object.values(bundle)].find((i) => i.fileName === fileName)
    if (!item) throw new Error(`${fileName} is not in the bundle`)
    return sriHash(item.type === 'chunk' ? item.code : item.source)
  }
  const pins: Record<string, PinEntry> = {}
  for (const chunk of lazy) {
    const files = closure(chunk.fileName).filter((f) => !preloaded.has(f))
    const css = files.flatMap((f) => [...(chunks.get(f)?.viteMetadata?.importedCss ?? [])])
    const key = relative(root, chunk.facadeModuleId!).split(sep).join('/')
    pins[key] = {
      js: files.map((f) => ({ url: `/${f}`, integrity: hashOf(f) })),
      css: [...new Set(css)].map((f) => ({ url: `/${f}`, integrity: hashOf(f) })),
    }
  }
  // As a JS string literal, whichever quote the minifier chose for the placeholder.
  const literal = JSON.stringify(JSON.stringify(pins))
  const replaced = holder.code.replace(new RegExp(`(["'\`])${PINS_PLACEHOLDER}\\1`), () => literal)
  if (replaced === holder.code) throw new Error(`${PINS_PLACEHOLDER} is not a plain string literal`)
  holder.code = replaced
  return pins
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

/** `{ "<path relative to dist, / separated>": "<sha256 hex>" }`, the format `sha256sum -c` users can compare against. */
export async function buildManifest(outDir: string): Promise<Record<string, string>> {
  const manifest: Record<string, string> = {}
  for (const file of await listFiles(outDir)) {
    const rel = relative(outDir, file).split(sep).join('/')
    if (rel === MANIFEST_FILE) continue
    manifest[rel] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex')
  }
  return manifest
}

/**
 * Security promise (SPEC §6): the built app ships with Subresource Integrity on its scripts and
 * stylesheets and a manifest of file hashes, so a user can check the server serves the published build.
 * The hashes of lazily imported chunks (the vault) go into the pinned entry, which checks them
 * before importing (src/app/pinned-import.ts), so integrity does not stop at the first page.
 */
export function subresourceIntegrity(): Plugin {
  let outDir = ''
  let root = ''
  return {
    name: 'secretsentry:sri',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      root = config.root
      outDir = resolve(config.root, config.build.outDir)
    },
    generateBundle: {
      // Last, so every chunk's code is final before we hash it.
      order: 'post',
      handler(_options, bundle) {
        // First, so the pinned entry's hash below covers the pins written into it.
        pinLazyChunks(bundle as unknown as Record<string, PinItem>, root)
        const hashes = new Map<string, string>()
        for (const item of Object.values(bundle)) {
          if (item.fileName.endsWith('.html')) continue
          hashes.set(`/${item.fileName}`, sriHash(item.type === 'chunk' ? item.code : item.source))
        }
        for (const item of Object.values(bundle)) {
          if (item.type === 'asset' && item.fileName.endsWith('.html')) {
            const html =
              typeof item.source === 'string' ? item.source : new TextDecoder().decode(item.source)
            item.source = addIntegrity(html, hashes)
          }
        }
      },
    },
    async closeBundle() {
      // After the write, so files copied from public/ are covered too.
      const manifest = await buildManifest(outDir)
      await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    },
  }
}
