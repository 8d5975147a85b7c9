/** @module Builds the server and web app once when their output is missing (the test orchestrator normally builds first). */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { REPO_ROOT, SERVER_MAIN, WEB_DIST_INDEX } from './paths.ts'

function build(pkg: string): void {
  console.log(`[e2e] building ${pkg} (output missing)`)
  execFileSync('pnpm', ['--filter', pkg, 'run', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' },
  })
}

/** Builds whatever is missing; the web app first because the server build may embed or reference it. */
export function ensureBuilt(): void {
  if (!existsSync(WEB_DIST_INDEX)) build('@secretsentry/web')
  if (!existsSync(SERVER_MAIN)) build('@secretsentry/server')
}
