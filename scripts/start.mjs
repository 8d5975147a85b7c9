/** @module scripts/start — `npm start`: install if needed, build if stale, run the server in the foreground */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildApps, ensureDeps, ROOT, staleBuilds, toolEnv } from './lib/workspace.mjs'

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

// Own process group: a terminal Ctrl-C then reaches the server once, through us, instead of twice
// (a second SIGINT during a graceful shutdown would cut it short).
const server = spawn(process.execPath, [main], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: process.platform !== 'win32',
})

const forwarded = new Set()
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (forwarded.has(signal) || server.exitCode !== null) return
    forwarded.add(signal)
    server.kill(signal)
  })
}
// If this script dies of an error, take the server with it.
process.on('exit', () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM')
})

server.on('error', (error) => {
  console.error(`Could not start the server: ${error.message}`)
  process.exit(1)
})
server.on('exit', (code, signal) => {
  if (signal && !forwarded.has(signal)) console.error(`Server stopped by ${signal}.`)
  process.exit(code ?? (forwarded.size > 0 ? 0 : 1))
})
