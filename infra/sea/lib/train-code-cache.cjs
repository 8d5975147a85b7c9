/**
 * `node train-code-cache.cjs MAIN_JS ASSETS_JSON CACHE_OUT DATA_DIR`: runs the wrapped bundle as
 * the executable would (node:sea answered from the asset files), starts `serve`, sends the first
 * requests a server gets (/healthz, /readyz, a share create, a prelogin), then writes V8's code
 * cache of the bundle, which now holds every function those compiled. Run with the node binary
 * the executable is made from: V8 accepts the cache only from the same version and flags.
 */
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const { exercise } = require('../../../apps/server/scripts/train-requests.cjs')

const [mainJs, assetsJson, cacheOut, dataDir] = process.argv.slice(2)
const assets = JSON.parse(fs.readFileSync(assetsJson, 'utf8'))
const raw = (key) => {
  if (!(key in assets)) throw new Error(`no asset ${key}`)
  const bytes = fs.readFileSync(assets[key])
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
}
const sea = {
  isSea: () => true,
  getRawAsset: raw,
  getAsset: (key, encoding) => {
    const bytes = raw(key)
    return encoding ? Buffer.from(bytes).toString(encoding) : bytes
  },
}
const seaRequire = (id) => (id === 'node:sea' ? sea : require(id))

const script = new vm.Script(fs.readFileSync(mainJs, 'utf8'), { filename: mainJs })
const timeout = setTimeout(() => {
  process.stderr.write('training start did not finish within 60 s\n')
  process.exit(1)
}, 60_000)
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (chunk, ...rest) => {
  const match = /SecretSentry listening on (\S+)/.exec(String(chunk))
  if (match) {
    exercise(match[1]).then(
      () => {
        fs.writeFileSync(cacheOut, script.createCachedData())
        clearTimeout(timeout)
        process.exit(0)
      },
      (err) => {
        process.stderr.write(`${err.stack ?? err}\n`)
        process.exit(1)
      },
    )
  }
  return write(chunk, ...rest)
}
process.argv = [
  process.argv[0],
  mainJs,
  'serve',
  '--host',
  '127.0.0.1',
  '--port',
  '0',
  '--data-dir',
  dataDir,
  // This process stands in for the executable and cannot fork copies of itself.
  '--workers',
  '1',
  '--log-level',
  'silent',
]
const module_ = { exports: {} }
script.runInThisContext()(module_.exports, seaRequire, module_, mainJs, path.dirname(mainJs))
