/**
 * @module Start-up trims shared by the server bundle (build.mjs) and the single executable
 * (infra/sea/build.mjs): code that /healthz never needs, kept out of what a start evaluates.
 * Each was measured (infra/sea/README.md, Figures).
 */
import fs from 'node:fs'

/** @type {import('esbuild').Plugin} */
export const startupTrims = {
  name: 'startup-trims',
  setup(b) {
    // `import fs from 'node:fs'` in our sources becomes esbuild's __toESM(require(...)), which copies
    // every property of the module again at each of the ~35 import sites (about 10 ms of start-up).
    // Where one of our files imports a built-in through its default export alone, a plain require
    // serves it; any other form (named or namespace imports) keeps esbuild's own handling.
    const importsDefaultOnly = (file, specifier) => {
      if (file.includes('node_modules') || !/\.[cm]?[jt]s$/.test(file)) return false
      const statements = [
        ...fs.readFileSync(file, 'utf8').matchAll(/^import\s([^'"]*?)from\s*['"]([^'"]+)['"]/gm),
      ].filter((m) => m[2] === specifier)
      return (
        statements.length > 0 && statements.every((m) => /^[A-Za-z_$][\w$]*\s+$/.test(m[1] ?? ''))
      )
    }
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' && importsDefaultOnly(args.importer, args.path)
        ? { path: args.path, namespace: 'builtin-default' }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'builtin-default' }, (args) => ({
      contents: `export default require(${JSON.stringify(args.path)})`,
      loader: 'js',
    }))
    // prom-client requires @opentelemetry/api only for exemplars, which metrics.ts never enables;
    // loading it costs about 5 ms. Should exemplars be turned on, their use fails loudly here.
    b.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) =>
      /prom-client/.test(args.importer) ? { path: 'otel', namespace: 'no-otel' } : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'no-otel' }, () => ({
      contents:
        "const off = () => { throw new Error('metric exemplars are not built into SecretSentry') }\nmodule.exports = { trace: { getSpan: off }, context: { active: off } }\n",
      loader: 'js',
    }))
  },
}
