/** @module Bundles the server into one ESM file, dist/main.js (better-sqlite3 stays external: it is native). */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
// `node build.mjs [outfile]`; tests build elsewhere so they do not race a real build.
const outfile = process.argv[2] ?? `${here}dist/main.js`

await build({
  entryPoints: [`${here}src/main.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // pg (and its optional libpq binding pg-native) stay external too: loaded by import() only
  // when DATABASE_URL is set, so a SQLite server's start-up and memory do not grow.
  // nodemailer likewise: imported only when SMTP_URL is set.
  external: ['better-sqlite3', 'pg', 'pg-native', 'nodemailer'],
  sourcemap: true,
  // Smaller source is less memory held by an idle server (SPEC §8: idle under 50 MB).
  minify: true,
  // No keepNames: its __name() runs not only at start-up but per request too (each closure a hot
  // function creates, e.g. Hono's Context has 15). Nothing reads minified names: our error
  // classes set `name` explicitly (as in infra/sea/build.mjs).
  keepNames: false,
  legalComments: 'linked',
  // Some bundled CommonJS dependencies call require(); ESM output has none unless we make one.
  banner: {
    js: "import { createRequire as __ssCreateRequire } from 'node:module'; const require = __ssCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
