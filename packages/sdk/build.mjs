/**
 * @module Builds the published package: dist/index.js (ESM) and dist/index.cjs (CommonJS), each
 * one file with the workspace's client, keyring and envelope bundled in (they are TypeScript
 * sources and not published, so the SDK has no runtime dependencies), and dist/index.d.ts,
 * the declarations of src/index.ts, which must stand alone.
 * `node build.mjs [outdir]`: tests build elsewhere so they do not race a real build.
 */
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const here = fileURLToPath(new URL('.', import.meta.url))
const outdir = path.resolve(process.argv[2] ?? path.join(here, 'dist'))
const entry = path.join(here, 'src/index.ts')
fs.mkdirSync(outdir, { recursive: true })

for (const format of ['esm', 'cjs']) {
  await build({
    entryPoints: [entry],
    outfile: path.join(outdir, format === 'esm' ? 'index.js' : 'index.cjs'),
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    // Readable: an application's team may want to read what handles its secrets.
    minify: false,
    legalComments: 'eof',
    logLevel: 'warning',
  })
}

// Declarations of src/index.ts alone: its exported types import nothing, so the file is complete.
const config = ts.readConfigFile(path.join(here, 'tsconfig.json'), ts.sys.readFile)
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, here)
const program = ts.createProgram([entry], {
  ...parsed.options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
})
let dts = ''
const result = program.emit(
  program.getSourceFile(entry),
  (name, text) => {
    if (name.endsWith('index.d.ts')) dts = text
  },
  undefined,
  true,
)
const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics]
if (problems.length > 0) {
  console.error(ts.formatDiagnostics(problems, ts.createCompilerHost(parsed.options)))
  process.exit(1)
}
// The workspace packages are bundled, not published: the declarations must not name them.
if (dts === '' || /from ['"]@secretsentry\//.test(dts)) {
  console.error('dist/index.d.ts is missing or imports a workspace package:\n' + dts)
  process.exit(1)
}
fs.writeFileSync(path.join(outdir, 'index.d.ts'), dts)
