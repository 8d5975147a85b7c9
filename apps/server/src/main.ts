/** @module Entry point: config, database, migrations, HTTP server, and a graceful stop on SIGTERM/SIGINT. */
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp, VERSION } from './app.ts'
import { loadOrCreateAuditKey } from './audit/audit.ts'
import { ConfigError, loadConfig } from './config.ts'
import { openDatabase } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { createLogger, fileSink } from './logger.ts'

/** In-flight requests get this long after SIGTERM before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
  const logger = createLogger({
    level: config.logLevel,
    ...(config.logFile ? { sink: fileSink(config.logFile) } : {}),
  })
  const started = performance.now()
  const database = openDatabase(path.join(config.dataDir, 'secretsentry.db'), {
    sync: config.sqliteSync === 'group' ? 'barrier' : 'commit',
  })
  const { db } = database
  const applied = await migrateToLatest(db)
  if (applied.length > 0) logger.info('migrations applied', { migrations: applied.join(',') })
  const server = createApp({
    db,
    config,
    logger,
    auditKey: loadOrCreateAuditKey(config.dataDir),
    processMetrics: true,
    startSweeper: true,
    ...(database.durable ? { durable: database.durable } : {}),
  })

  const http = serve(
    { fetch: server.app.fetch, hostname: config.host, port: config.port },
    (info) => {
      const { port } = info as AddressInfo
      const host = config.host.includes(':') ? `[${config.host}]` : config.host
      process.stdout.write(`SecretSentry listening on http://${host}:${port}\n`)
      logger.info('listening', {
        version: VERSION,
        host: config.host,
        port,
        startupMs: Math.round(performance.now() - started),
      })
    },
  )
  http.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(
      `Cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}\n`,
    )
    process.exit(1)
  })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info('shutting down', { signal })
    // Stop accepting. Keep-alive sockets close as soon as they are idle (checked often, since a
    // busy one turns idle after its response); whatever is left after the grace period is cut.
    const closed = new Promise<void>((resolve) => http.close(() => resolve()))
    const closeIdle = () => {
      if ('closeIdleConnections' in http) http.closeIdleConnections()
    }
    closeIdle()
    const sweepIdle = setInterval(closeIdle, 20)
    const grace = setTimeout(() => {
      if ('closeAllConnections' in http) http.closeAllConnections()
    }, SHUTDOWN_GRACE_MS)
    grace.unref()
    await closed
    clearInterval(sweepIdle)
    clearTimeout(grace)
    // Requests that finished have had their writes committed; this commits anything still queued.
    await server.close()
    await database.close()
    logger.info('stopped', { signal })
    await logger.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((err: unknown) => {
  process.stderr.write(
    `SecretSentry failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exit(1)
})
