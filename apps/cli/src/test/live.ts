/** @module A real server (startServer on port 0, temporary DATA_DIR, a log file) and the built CLI run against it as a process. */
import fs from 'node:fs'
import path from 'node:path'
import { loadConfig } from '@secretsentry/server/config'
import { startServer, type RunningServer } from '@secretsentry/server/server'
import { baseEnv, buildBundle, cli, tempDir, type Bundle } from './support.ts'

export interface Live {
  url: string
  dataDir: string
  logFile: string
  bundle: Bundle
  /** A config home of its own for each "user" (the session file lives there). */
  home(): string
  /** `secretsentry ARGS` from the bundle, SECRETSENTRY_SERVER set, no terminal. */
  ss(
    args: readonly string[],
    options?: { input?: Uint8Array | string; env?: Record<string, string>; cwd?: string },
  ): ReturnType<typeof cli>
  stop(): Promise<void>
}

/** `settings`: more server settings by environment name (WEBHOOK_ALLOW_PRIVATE…). */
export async function startLive(settings: Record<string, string> = {}): Promise<Live> {
  const bundle = buildBundle()
  const root = tempDir('ss-live-')
  const dataDir = path.join(root, 'data')
  const logFile = path.join(root, 'server.log')
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    RATE_LIMIT_PER_MIN: '0',
    LOG_LEVEL: 'debug',
    LOG_FILE: logFile,
    ...settings,
  })
  const server: RunningServer = await startServer(config, { announce: () => {} })
  await server.ready
  const defaultHome = path.join(root, 'config')
  let homes = 0
  return {
    url: server.url,
    dataDir,
    logFile,
    bundle,
    home: () => {
      const dir = path.join(root, `home-${++homes}`)
      fs.mkdirSync(dir)
      return dir
    },
    ss: (args, options = {}) =>
      cli(args, {
        bundle: bundle.file,
        cwd: options.cwd ?? root,
        env: baseEnv({
          SECRETSENTRY_SERVER: server.url,
          XDG_CONFIG_HOME: defaultHome,
          ...options.env,
        }),
        ...(options.input !== undefined ? { input: options.input } : {}),
      }),
    stop: async () => {
      await server.stop('test')
      bundle.remove()
    },
  }
}
