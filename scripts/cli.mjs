/** @module scripts/cli — `npm run secretsentry -- <command> [args]`: the `secretsentry` command from a clone with npm alone; installs and builds what is missing or stale first */
import { join, resolve } from 'node:path'
import {
  BUILDS,
  buildApps,
  CLI_BUILD,
  ensureDeps,
  ROOT,
  runNodeForeground,
  staleBuilds,
  toolEnv,
} from './lib/workspace.mjs'

await ensureDeps()

// The web app first: the command carries a copy of it and the manifest `verify` compares with.
const web = BUILDS.filter((build) => build.name === '@secretsentry/web')
for (const builds of [web, [CLI_BUILD]]) {
  const code = await buildApps(staleBuilds(builds))
  if (code !== 0) {
    console.error(`Build failed (exit ${code}).`)
    process.exit(code)
  }
}

const env = toolEnv()
// The same database as `npm start` unless DATA_DIR (or --data-dir) says otherwise.
env.DATA_DIR = resolve(ROOT, env.DATA_DIR || 'data')
// npm runs scripts at the repository root; relative paths (backup FILE) mean where the user typed.
const cwd = process.env.INIT_CWD || process.cwd()
runNodeForeground(join(ROOT, CLI_BUILD.output), process.argv.slice(2), { cwd, env })
