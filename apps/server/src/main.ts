/** @module Entry point of `npm start` (dist/main.js): settings from the environment, then startServer with a graceful stop on SIGTERM/SIGINT. */
import { createRequire } from 'node:module'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { startServer } from './server.ts'
import { isClusterWorker } from './worker-role.ts'

function fail(err: unknown): never {
  process.stderr.write(
    `SecretSentry failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exit(1)
}

/**
 * better-sqlite3's addon by its path. The bundle carries better-sqlite3's JavaScript (so the code
 * cache covers it); left to itself it would load the `bindings` package, which tries a dozen paths.
 */
function sqliteAddon(config: Config): { nativeBinding?: string } {
  if (config.databaseUrl) return {}
  return {
    nativeBinding: createRequire(import.meta.url).resolve(
      'better-sqlite3/build/Release/better_sqlite3.node',
    ),
  }
}

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  if (config.workers > 1 && !isClusterWorker()) {
    const { startPrimary } = await import('./cluster.ts')
    // A worker that failed to start has printed why; the primary only passes its failure on.
    await (await startPrimary(config, { handleSignals: true })).ready.catch(() => process.exit(1))
  } else {
    const cluster = isClusterWorker() ? await import('./cluster.ts') : undefined
    const running = await startServer(config, {
      handleSignals: true,
      ...sqliteAddon(config),
      ...cluster?.workerOptions(config),
    }).catch(fail)
    cluster?.attachWorker(running)
    await running.ready.catch(fail)
  }
}

// No top-level await: the bundle is CommonJS (dist/main.js runs it through vm.Script with a code
// cache). An unexpected error still ends the process as an unhandled rejection, with its stack.
void main()
