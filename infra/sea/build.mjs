/**
 * @module Builds the single executable dist/secretsentry (Node's single executable applications):
 * one CommonJS bundle of the `secretsentry` command, the built web app and better-sqlite3's addon
 * as blob assets with a manifest of their SHA-256, injected into a copy of this node binary that
 * ignores NODE_OPTIONS.
 *
 * `node infra/sea/build.mjs [output]` (default: dist/secretsentry at the repository root). The web
 * app must be built first (`pnpm build:binary` does both). Linux x64, Node 20.
 */
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { inject } from 'postject'
import { startupTrims } from '../../apps/server/build-trims.mjs'
import { disableNodeOptions } from './lib/node-options.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const output = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'secretsentry'))
// Intermediate files (bundle, blob, manifest) in a private temp directory: builds can run side by side.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'secretsentry-sea-'))
/** The executable while it is made; it takes its real name only after its self-check. */
const temp = `${output}.${process.pid}.tmp`
process.on('exit', () => {
  fs.rmSync(work, { recursive: true, force: true })
  fs.rmSync(temp, { force: true })
})
const webDist = path.join(root, 'apps/web/dist')
/** postject's default marker, which Node 20 looks for (docs: single-executable-applications). */
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

const began = performance.now()
const step = (what) => console.log(`${((performance.now() - began) / 1000).toFixed(1)}s ${what}`)
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(
    `the single executable is built for Linux x64; this is ${process.platform} ${process.arch}`,
  )
}
const webManifestFile = path.join(webDist, 'manifest.sha256.json')
if (!fs.existsSync(webManifestFile)) {
  console.error(`No web build at ${webDist}: run \`pnpm --filter @secretsentry/web build\` first.`)
  process.exit(1)
}
fs.mkdirSync(path.dirname(output), { recursive: true })

// 1. The bundle. CommonJS: Node 20 runs a single executable's main script as CommonJS only.
const webManifest = JSON.parse(fs.readFileSync(webManifestFile, 'utf8'))
const bundle = path.join(work, 'secretsentry.cjs')
await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  // No keepNames: its __name() call on every function and class cost about 8 ms of start-up and
  // 3 MiB of idle RSS. Nothing reads minified names: our error classes set `name` explicitly.
  keepNames: false,
  legalComments: 'linked',
  define: {
    // The reference `verify` compares instances against: the web build this executable carries.
    __SECRETSENTRY_WEB_MANIFEST__: JSON.stringify(JSON.stringify(webManifest)),
    // Modules locate files relative to themselves; inside the executable that is the executable.
    'import.meta.url': '__ssImportMetaUrl',
  },
  banner: { js: "var __ssImportMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
  plugins: [startupTrims],
  // pg's optional libpq binding: required only through pg.native, which SecretSentry never uses.
  external: ['pg-native'],
  logLevel: 'warning',
})
step(`bundled secretsentry.cjs (${(fs.statSync(bundle).size / 1024).toFixed(0)} KiB)`)

// 2. The assets and their manifest (Node 20 has no sea.getAssetKeys: the manifest names them).
const assets = {}
const manifest = { format: 1, web: {}, addons: {} }
const webFiles = fs
  .readdirSync(webDist, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) =>
    path.relative(webDist, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
  )
  .sort()
for (const rel of webFiles) {
  const file = path.join(webDist, rel)
  assets[`web/${rel}`] = file
  manifest.web[rel] = sha256(fs.readFileSync(file))
}
// The web build's own manifest must agree with what is embedded: verify relies on both.
for (const [rel, hash] of Object.entries(webManifest)) {
  if (manifest.web[rel] !== hash)
    throw new Error(`apps/web/dist/${rel} does not match manifest.sha256.json`)
}
const requireFromServer = createRequire(path.join(root, 'apps/server/package.json'))
const addonFile = requireFromServer.resolve('better-sqlite3/build/Release/better_sqlite3.node')
assets['addon/better_sqlite3'] = addonFile
manifest.addons.better_sqlite3 = sha256(fs.readFileSync(addonFile))
const manifestFile = path.join(work, 'sea-manifest.json')
fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`)
assets.manifest = manifestFile

// 3. The bundle as the function Node would wrap it in, run by lib/sea-main.cjs with a V8 code cache
// made after a training start (see there): Node 20's useCodeCache holds only what V8 compiles
// before running, so every function the start-up calls would be compiled at each start.
const mainJs = path.join(work, 'main.js')
fs.writeFileSync(
  mainJs,
  `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(bundle, 'utf8')}\n})`,
)
const mainCache = path.join(work, 'main.cache')
const assetsFile = path.join(work, 'assets.json')
fs.writeFileSync(assetsFile, JSON.stringify(assets))
const trained = spawnSync(
  process.execPath,
  [
    path.join(here, 'lib/train-code-cache.cjs'),
    mainJs,
    assetsFile,
    mainCache,
    path.join(work, 'train'),
  ],
  {
    cwd: work,
    encoding: 'utf8',
    env: { NODE_OPTIONS: '', XDG_CACHE_HOME: path.join(work, 'cache') },
  },
)
if (trained.status !== 0) {
  throw new Error(
    `the training start for the code cache failed:\n${trained.stdout}${trained.stderr}`,
  )
}
assets['main.js'] = mainJs
assets['main.cache'] = mainCache
step(`code cache after a training start (${(fs.statSync(mainCache).size / 1024).toFixed(0)} KiB)`)

// 4. The blob. Its main is the small loader; the loader's own code cache is Node's useCodeCache.
const blob = path.join(work, 'sea-prep.blob')
const seaConfig = path.join(work, 'sea-config.json')
fs.writeFileSync(
  seaConfig,
  JSON.stringify(
    {
      main: path.join(here, 'lib/sea-main.cjs'),
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets,
    },
    null,
    2,
  ),
)
const made = spawnSync(process.execPath, ['--experimental-sea-config', seaConfig], {
  cwd: work,
  encoding: 'utf8',
  env: { ...process.env, NODE_OPTIONS: '' },
})
if (made.status !== 0) throw new Error(`node --experimental-sea-config failed:\n${made.stderr}`)
step(
  `blob ${(fs.statSync(blob).size / 1024 / 1024).toFixed(1)} MiB (${webFiles.length} web files, 1 addon)`,
)

// 5. A copy of this node: without its symbol and debug tables (12 MiB of 94 that nothing at run
// time reads; addons link against the dynamic symbols, which stay), deaf to NODE_OPTIONS, with the
// blob injected.
fs.copyFileSync(process.execPath, temp)
fs.chmodSync(temp, 0o755)
const stripped = spawnSync('strip', ['--strip-all', temp], { encoding: 'utf8' })
if (stripped.error || stripped.status !== 0) {
  console.log(`  (not stripped: ${stripped.error?.message ?? stripped.stderr.trim()})`)
}
const binary = fs.readFileSync(temp)
const patchedAt = disableNodeOptions(binary)
fs.writeFileSync(temp, binary)
step(
  `copied ${process.execPath}${stripped.status === 0 ? ', stripped' : ''} (NODE_OPTIONS key blanked at offset ${patchedAt})`,
)
// postject prints a warning per ELF note it cannot name; they are harmless and only noise here.
const warn = console.warn
console.warn = () => {}
try {
  await inject(temp, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SENTINEL_FUSE })
} finally {
  console.warn = warn
}
fs.chmodSync(temp, 0o755)

// 6. It must run, and must not run what NODE_OPTIONS asks, before it takes the real name.
const check = spawnSync(temp, ['--version'], {
  encoding: 'utf8',
  env: {
    NODE_OPTIONS: `--require=${path.join(work, 'must-not-load.js')} --max-old-space-size=1`,
    SECRETSENTRY_CHECK_CODE_CACHE: '1',
  },
})
if (check.status !== 0 || !/^secretsentry \d/.test(check.stdout) || check.stderr !== '') {
  throw new Error(`the built executable failed its self-check:\n${check.stdout}${check.stderr}`)
}
fs.renameSync(temp, output)
const size = fs.statSync(output).size
step(
  `wrote ${path.relative(process.cwd(), output) || output}: ${(size / 1024 / 1024).toFixed(1)} MiB (${size} bytes), ${check.stdout.trim()}`,
)
