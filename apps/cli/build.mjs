/**
 * @module Bundles the CLI and the server into dist/secretsentry.mjs, copies the built web app to
 * dist/web and embeds the web build's SHA-256 manifest (the reference `verify` compares against).
 * better-sqlite3 stays external: it is a native addon, installed as this package's dependency.
 */
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
// `node build.mjs [outdir]`; tests build elsewhere so they do not race a real build.
const outdir = path.resolve(process.argv[2] ?? path.join(here, 'dist'))
const webDist = path.resolve(here, '../web/dist')
const manifestFile = path.join(webDist, 'manifest.sha256.json')

if (!fs.existsSync(manifestFile)) {
  console.error(`No web build at ${webDist}: run \`pnpm --filter @secretsentry/web build\` first.`)
  process.exit(1)
}
const manifestText = fs.readFileSync(manifestFile, 'utf8')
// Parsed here so a broken manifest fails the build, not the user's first `verify`.
const manifest = JSON.parse(manifestText)

await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile: path.join(outdir, 'secretsentry.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // pg-native: pg's optional libpq binding, loaded only on request; never used here.
  external: ['better-sqlite3', 'pg-native'],
  minify: true,
  // No keepNames: its __name() would run per request in the bundled server (see the server's
  // build.mjs). Nothing reads minified names: our error classes set `name` explicitly.
  keepNames: false,
  // Licence notices of bundled code stay inside the one file that ships.
  legalComments: 'eof',
  define: { __SECRETSENTRY_WEB_MANIFEST__: JSON.stringify(JSON.stringify(manifest)) },
  // Some bundled CommonJS dependencies call require(); ESM output has none unless we make one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ssCreateRequire } from 'node:module'; const require = __ssCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
fs.chmodSync(path.join(outdir, 'secretsentry.mjs'), 0o755)

// The web app beside the bundle, exactly the files the manifest lists (plus the manifest).
const webOut = path.join(outdir, 'web')
fs.rmSync(webOut, { recursive: true, force: true })
fs.cpSync(webDist, webOut, { recursive: true })
