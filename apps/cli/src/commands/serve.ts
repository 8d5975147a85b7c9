/** @module `secretsentry serve`: the server with settings from flags and the environment. */
import { startServer } from '@secretsentry/server/server'
import { resolveConfig } from '../args.ts'
import { bundledWebDir } from '../bundled.ts'
import { EXIT_FAILED } from '../io.ts'
import type { Command } from './command.ts'

export const serve: Command = {
  name: 'serve',
  summary: 'run the server (and its web app)',
  usage: 'secretsentry serve [settings flags]',
  spec: { settings: true },
  examples: ['secretsentry serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/secretsentry'],
  description: [
    'Listens, runs the database migrations, then answers /readyz with 200.',
    'SIGTERM or SIGINT stop it gracefully: no new connections, requests in flight finish,',
    'queued writes commit, the database closes, exit code 0.',
  ],
  async run(args, io) {
    const web = bundledWebDir()
    const { config, sources } = resolveConfig(args.settings, io.env, web ? { STATIC_DIR: web } : {})
    const { embedded } = io
    const running = await startServer(config, {
      handleSignals: true,
      announce: (url) => io.out(`SecretSentry listening on ${url}\n`),
      // The single executable serves the web app it carries, unless told to serve a directory.
      ...(embedded && sources.staticDir === 'default' ? { assets: embedded.assets } : {}),
      ...(embedded ? { nativeBinding: embedded.sqliteAddon(config.dataDir) } : {}),
    })
    try {
      await running.ready
    } catch (err) {
      io.err(`SecretSentry failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
      return EXIT_FAILED
    }
    // The listener keeps the process alive; the signal handlers end it.
    return 'running'
  },
}
