/** @module Vite plugin: Subresource Integrity on built scripts and stylesheets, plus a SHA-256 manifest of every served file (SPEC §6). */
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import type { Plugin } from 'vite'

export const MANIFEST_FILE = 'manifest.sha256.json'

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
 */
export function subresourceIntegrity(): Plugin {
  let outDir = ''
  return {
    name: 'secretsentry:sri',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    generateBundle: {
      // Last, so every chunk's code is final before we hash it.
      order: 'post',
      handler(_options, bundle) {
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
