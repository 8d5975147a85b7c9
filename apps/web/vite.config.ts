/** @module Vite build of the web app: two pages (create + reveal) so the recipient page stays small. */
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import type { Connect, Plugin } from 'vite'
import { jsBudget } from './build/budget.plugin.ts'
import { strictCspCheck } from './build/csp-check.plugin.ts'
import { subresourceIntegrity } from './build/sri.plugin.ts'

const page = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const api = { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } }

/** Dev and preview: `/s` is the reveal page, as the production server routes it (not the SPA fallback). */
function revealPageRoute(): Plugin {
  const rewrite: Connect.NextHandleFunction = (req, _res, next) => {
    if (req.url === '/s' || req.url?.startsWith('/s?')) req.url = `/s/index.html${req.url.slice(2)}`
    next()
  }
  return {
    name: 'secretsentry:reveal-page-route',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  }
}

/** SPEC §8: JavaScript transferred for /s stays under 60 KB gzip. */
export const REVEAL_JS_BUDGET = 60 * 1024

export default defineConfig({
  plugins: [
    vue(),
    revealPageRoute(),
    strictCspCheck(),
    subresourceIntegrity(),
    jsBudget({ 's/index.html': REVEAL_JS_BUDGET }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: {
      // The polyfill is an inline script, which the strict CSP forbids.
      polyfill: false,
      // Lazy chunks are preloaded by src/app/pinned-import.ts, with integrity; Vite's own preload
      // of them would fetch the same URLs unchecked first. The HTML's preloads stay (SRI-tagged).
      resolveDependencies: (_file, deps, { hostType }) => (hostType === 'html' ? deps : []),
    },
    // Everything as files: nothing inlined as data: URLs, so SRI and the manifest cover it all.
    assetsInlineLimit: 0,
    rolldownOptions: {
      input: { main: page('./index.html'), reveal: page('./s/index.html') },
      // Code both pages use (Vue, the envelope, the shell) in one cacheable chunk with a plain name.
      // entriesAware: what only the main page and its lazy vault chunk share stays out of the chunk
      // /s loads, so the vault never weighs on the recipient page's budget.
      output: {
        codeSplitting: { groups: [{ name: 'shared', minShareCount: 2, entriesAware: true }] },
      },
    },
  },
  server: { host: '127.0.0.1', proxy: api },
  preview: { host: '127.0.0.1', proxy: api },
})
