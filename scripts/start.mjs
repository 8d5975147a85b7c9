/** @module scripts/start — `npm start`: install if needed, build if stale, run the server in the foreground */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  buildApps,
  ensureDeps,
  ROOT,
  runNodeForeground,
  staleBuilds,
  toolEnv,
} from './lib/workspace.mjs'

await ensureDeps()

const stale = staleBuilds()
const buildCode = await buildApps(stale)
if (buildCode !== 0) {
  console.error(`Build failed (exit ${buildCode}).`)
  process.exit(buildCode)
}

const main = join(ROOT, 'apps', 'server', 'dist', 'main.js')
if (!existsSync(main)) {
  console.error(`${main} is missing after the build.`)
  process.exit(1)
}

const env = toolEnv()
env.DATA_DIR = resolve(ROOT, env.DATA_DIR || 'data')
runNodeForeground(main, [], { env, stdio: ['ignore', 'inherit', 'inherit'] })
