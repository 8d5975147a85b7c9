/**
 * @module `node train-code-cache.mjs DIST_DIR`: the training start behind dist/server.cjs.cache.
 * Runs DIST_DIR/main.js in this process on a throwaway SQLite directory, sends the first requests
 * a server gets (/healthz, /readyz, a share create, a prelogin), then writes V8's code cache of the
 * bundle, which now holds every function those compiled. Run with the node that will run the
 * server: V8 accepts a cache only from the same version and flags. The cache holds compiled code
 * and the source's own constants, never values the run made (its audit key and database stay in
 * the temporary directory, which is deleted).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import trainRequests from './train-requests.cjs'

const distDir = path.resolve(process.argv[2] ?? '')
const cacheOut = path.join(distDir, 'server.cjs.cache')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-train-'))
const cleanUp = () => fs.rmSync(work, { recursive: true, force: true })

let script
globalThis[Symbol.for('secretsentry.trainCodeCache')] = (s) => (script = s)

const timeout = setTimeout(() => {
  process.stderr.write('training start did not finish within 60 s\n')
  cleanUp()
  process.exit(1)
}, 60_000)
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (chunk, ...rest) => {
  const match = /SecretSentry listening on (\S+)/.exec(String(chunk))
  if (match) {
    trainRequests.exercise(match[1]).then(
      () => {
        // The layout lib/main.cjs checks: SHA-256 of the bundle and the cache, then the cache.
        const cache = script.createCachedData()
        const bundle = fs.readFileSync(path.join(distDir, 'server.cjs'))
        const hash = crypto.createHash('sha256').update(bundle).update(cache).digest()
        fs.writeFileSync(cacheOut, Buffer.concat([hash, cache]))
        clearTimeout(timeout)
        cleanUp()
        process.exit(0)
      },
      (err) => {
        process.stderr.write(`${err?.stack ?? err}\n`)
        cleanUp()
        process.exit(1)
      },
    )
    return true
  }
  return write(chunk, ...rest)
}

Object.assign(process.env, {
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: path.join(work, 'data'),
  // This process stands in for the server and cannot fork copies of itself.
  WORKERS: '1',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MIN: '0',
})
await import(pathToFileURL(path.join(distDir, 'main.js')).href)
