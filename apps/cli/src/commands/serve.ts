/** @module `secretsentry serve`: the server with settings from flags and the environment. */
import { SettingError } from '@secretsentry/server/config'
import { startServer } from '@secretsentry/server/server'
import { isClusterWorker } from '@secretsentry/server/worker-role'
import { flagName, resolveConfig } from '../args.ts'
import { bundledWebDir } from '../bundled.ts'
import { EXIT_FAILED } from '../io.ts'
import type { Command } from './command.ts'

/** A worker failed to start and has said why on stderr. */
class WorkerFailed extends Error {}

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
    'With --workers N above 1 (default 1), N processes share the port and',
    'SIGTERM drains every one of them.',
  ],
  async run(args, io) {
    const web = bundledWebDir()
    const { config, sources } = resolveConfig(args.settings, io.env, web ? { STATIC_DIR: web } : {})
    const { embedded } = io
    // A setting found wrong only at start (server unreachable, key file unreadable) is named
    // as the user gave it: --database-url when it came from that flag.
    const failed = (err: unknown) => {
      const message =
        err instanceof SettingError && args.settings.has(err.setting)
          ? err.render(flagName(err.setting))
          : err instanceof Error
            ? err.message
            : String(err)
      io.err(`SecretSentry failed to start: ${message}\n`)
      return EXIT_FAILED
    }
    const announce = (url: string) => io.out(`SecretSentry listening on ${url}\n`)
    try {
      if (config.workers > 1 && !isClusterWorker()) {
        const { startPrimary } = await import('@secretsentry/server/cluster')
        const primary = await startPrimary(config, {
          handleSignals: true,
          announce,
          // A single executable's command line has no script: workers run it as `<binary> serve …`.
          ...(embedded ? { exec: { exec: 'serve', args: process.argv.slice(3) } } : {}),
        })
        // A worker that failed to start has printed why; the primary only passes the failure on.
        await primary.ready.catch(() => {
          throw new WorkerFailed()
        })
        return 'running'
      }
      const cluster = isClusterWorker() ? await import('@secretsentry/server/cluster') : undefined
      const running = await startServer(config, {
        handleSignals: true,
        announce,
        // The single executable serves the web app it carries, unless told to serve a directory.
        ...(embedded && sources.staticDir === 'default' ? { assets: embedded.assets } : {}),
        ...(embedded ? { nativeBinding: embedded.sqliteAddon(config.dataDir) } : {}),
        ...cluster?.workerOptions(config),
      })
      cluster?.attachWorker(running)
      await running.ready
    } catch (err) {
      if (err instanceof WorkerFailed) return EXIT_FAILED
      return failed(err)
    }
    // The listener keeps the process alive; the signal handlers end it.
    return 'running'
  },
}
