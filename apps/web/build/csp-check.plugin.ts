/** @module Vite plugin: fails the build when the output would need a weaker CSP than SPEC §6 allows. */
import type { Plugin } from 'vite'

/** Reasons the HTML would break `script-src 'self'; style-src 'self'` (no inline code, no inline styles). */
export function findInlineCode(html: string): string[] {
  const problems: string[] = []
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    if (!/\ssrc=/.test(m[1] ?? '') || (m[2] ?? '').trim() !== '') problems.push('inline <script>')
  }
  if (/<style\b/i.test(html)) problems.push('inline <style>')
  if (/\sstyle=/i.test(html)) problems.push('style="" attribute')
  if (/\son[a-z]+=/i.test(html)) problems.push('inline event handler')
  return problems
}

/** Code that needs 'unsafe-eval'. */
export function findEval(code: string): string[] {
  const problems: string[] = []
  if (/\bnew Function\s*\(/.test(code)) problems.push('new Function()')
  if (/(?<![.\w$])eval\s*\(/.test(code)) problems.push('eval()')
  return problems
}

/**
 * Workers built from blob: or data: URLs (Vite's `?worker&inline`), which the CSP's
 * `worker-src 'none'` refuses (as it refuses any worker: none could carry integrity).
 */
export function findInlineWorker(code: string): string[] {
  const problems: string[] = []
  if (/new\s+(?:Shared)?Worker\s*\(\s*(?:URL\.createObjectURL|["'`](?:blob|data):)/.test(code))
    problems.push('inline (blob:/data:) worker')
  return problems
}

/** Security promise (SPEC §6): the built app runs under a strict CSP: no inline scripts or styles, no eval, no inline workers. */
export function strictCspCheck(): Plugin {
  return {
    name: 'secretsentry:strict-csp-check',
    apply: 'build',
    enforce: 'post',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        for (const item of Object.values(bundle)) {
          const problems =
            item.type === 'chunk'
              ? [...findEval(item.code), ...findInlineWorker(item.code)]
              : item.fileName.endsWith('.html')
                ? findInlineCode(String(item.source))
                : []
          if (problems.length > 0) {
            this.error(`${item.fileName} breaks the strict CSP: ${problems.join(', ')}`)
          }
        }
      },
    },
  }
}
