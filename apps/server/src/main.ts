/** @module Entry point of `npm start` (dist/main.js): settings from the environment, then startServer with a graceful stop on SIGTERM/SIGINT. */
import { ConfigError, loadConfig } from './config.ts'
import { startServer } from './server.ts'

function fail(err: unknown): never {
  process.stderr.write(
    `SecretSentry failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exit(1)
}

let config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}
const running = await startServer(config, { handleSignals: true }).catch(fail)
await running.ready.catch(fail)
