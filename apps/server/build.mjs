/**
 * @module Builds the server for `npm start`: dist/server.cjs (one CommonJS bundle; pg and
 * better-sqlite3's compiled addon stay outside), dist/server.cjs.cache (V8's code cache of it after a training start) and
 * dist/main.js (lib/main.cjs: runs the bundle with that cache; dist/package.json makes it CommonJS).
 *
 * `node build.mjs [DIST/main.js]`; tests build elsewhere so they do not race a real build.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { startupTrims } from './build-trims.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const main = path.resolve(process.argv[2] ?? path.join(here, 'dist/main.js'))
const dist = path.dirname(main)
const bundle = path.join(dist, 'server.cjs')
fs.mkdirSync(dist, { recursive: true })
// A cache of an older bundle would only be rejected; none is better than a wrong one meanwhile.
fs.rmSync(`${bundle}.cache`, { force: true })
// dist/main.js was the bundle itself before; its source map would now describe another file.
fs.rmSync(`${main}.map`, { force: true })

await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  // CommonJS: a classic script is what vm.Script compiles with a code cache (lib/main.cjs).
  format: 'cjs',
  target: 'node20',
  // better-sqlite3's JavaScript is bundled (main.ts hands it its addon by path). pg and its
  // optional libpq binding pg-native stay external: loaded by import() only when DATABASE_URL is
  // set, so a SQLite server's start-up and memory do not grow. nodemailer likewise: imported only
  // when SMTP_URL is set.
  external: ['pg', 'pg-native', 'nodemailer'],
  // Those import() calls become require() (all three are CommonJS packages): a script compiled
  // with a V8 code cache loses vm's dynamic-import callback, and import() then fails at run time
  // ("A dynamic import callback was not specified"), so a PostgreSQL server could not start.
  supported: { 'dynamic-import': false },
  sourcemap: true,
  // Smaller source is less memory held by an idle server (SPEC §8: idle under 50 MB).
  minify: true,
  // No keepNames: its __name() runs not only at start-up but per request too (each closure a hot
  // function creates, e.g. Hono's Context has 15). Nothing reads minified names: our error
  // classes set `name` explicitly (as in infra/sea/build.mjs).
  keepNames: false,
  legalComments: 'linked',
  // Modules locate files relative to themselves (config.ts: the web build two folders up).
  define: { 'import.meta.url': '__ssImportMetaUrl' },
  banner: { js: "var __ssImportMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
  plugins: [startupTrims],
  logLevel: 'warning',
})
fs.copyFileSync(path.join(here, 'lib/main.cjs'), main)
// The package is "type": "module"; the entry is CommonJS (see lib/main.cjs).
fs.writeFileSync(path.join(dist, 'package.json'), '{ "type": "commonjs" }\n')

// The training start runs with this node: V8 accepts a cache only from the same version and flags.
const trained = spawnSync(
  process.execPath,
  [path.join(here, 'scripts/train-code-cache.mjs'), dist],
  {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: process.env.TMPDIR ?? '' },
    timeout: 120_000,
  },
)
if (trained.status !== 0) {
  throw new Error(
    `the training start for the code cache failed:\n${trained.stdout}${trained.stderr}`,
  )
}
