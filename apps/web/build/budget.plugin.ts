/** @module Vite plugin: reports the gzip size of the JavaScript each page loads and fails the build over budget (SPEC §8). */
import { gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

/** What the budget needs from a bundle entry: Rollup/Rolldown output chunks and assets fit. */
export type BundleItem =
  | { type: 'chunk'; fileName: string; code: string; imports: readonly string[] }
  | { type: 'asset'; fileName: string; source: string | Uint8Array }

export interface PageWeight {
  page: string
  files: string[]
  jsGzipBytes: number
  cssGzipBytes: number
}

const SCRIPT_SRC = /<script\b[^>]*\ssrc="\/([^"]+)"/g
const CSS_HREF = /<link\b[^>]*\srel="stylesheet"[^>]*\shref="\/([^"]+)"/g

/** The JS a page transfers: its entry scripts plus everything they import statically. */
export function measurePage(
  page: string,
  html: string,
  bundle: Record<string, BundleItem>,
): PageWeight {
  const byName = new Map(Object.values(bundle).map((item) => [item.fileName, item]))
  const seen = new Set<string>()
  const visit = (fileName: string): void => {
    if (seen.has(fileName)) return
    seen.add(fileName)
    const item = byName.get(fileName)
    if (item?.type === 'chunk') item.imports.forEach(visit)
  }
  for (const m of html.matchAll(SCRIPT_SRC)) if (m[1]) visit(m[1])
  const gz = (fileName: string): number => {
    const item = byName.get(fileName)
    if (!item) return 0
    return gzipSync(item.type === 'chunk' ? item.code : item.source).length
  }
  const files = [...seen].sort()
  const cssFiles = [...html.matchAll(CSS_HREF)].map((m) => m[1] ?? '')
  return {
    page,
    files,
    jsGzipBytes: files.reduce((sum, f) => sum + gz(f), 0),
    cssGzipBytes: cssFiles.reduce((sum, f) => sum + gz(f), 0),
  }
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`

/** `budgets` maps an HTML file name (e.g. `s/index.html`) to its maximum gzip JS bytes. */
export function jsBudget(budgets: Record<string, number>): Plugin {
  return {
    name: 'secretsentry:js-budget',
    apply: 'build',
    enforce: 'post',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const items = bundle as unknown as Record<string, BundleItem>
        for (const item of Object.values(items)) {
          if (item.type !== 'asset' || !item.fileName.endsWith('.html')) continue
          const html =
            typeof item.source === 'string' ? item.source : new TextDecoder().decode(item.source)
          const w = measurePage(item.fileName, html, items)
          const budget = budgets[item.fileName]
          const line = `${item.fileName}: JS ${kb(w.jsGzipBytes)} gzip (${w.files.length} files), CSS ${kb(w.cssGzipBytes)} gzip${budget ? `, budget ${kb(budget)}` : ''}`
          this.info(line)
          if (budget !== undefined && w.jsGzipBytes > budget) {
            this.error(
              `${item.fileName} loads ${kb(w.jsGzipBytes)} of gzip JS, over its ${kb(budget)} budget`,
            )
          }
        }
      },
    },
  }
}
