/**
 * @module dist/main.js, the entry of `npm start` (build.mjs copies this file there): runs the
 * server bundle, dist/server.cjs, through vm.Script with the V8 code cache that build.mjs made
 * after a training start (dist/server.cjs.cache). Without it V8 would compile every function that
 * start-up and the first requests call, at every start (Node 20 has no module.enableCompileCache).
 * A cache that does not fit (another node, other V8 flags, another bundle, damaged bytes) is not
 * used and V8 compiles afresh, which is only slower: it never stops the server. What happened is
 * logged at debug level by the server (CODE_CACHE_STATE in server.ts).
 *
 * CommonJS (build.mjs marks dist/ so): an ES module entry makes every start load Node's ES
 * module loader first (measured in infra/sea/README.md, Figures).
 */
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs')
const { createRequire } = require('node:module')
const path = require('node:path')
const vm = require('node:vm')

const dir = __dirname
const filename = path.join(dir, 'server.cjs')

/**
 * The cache file is the SHA-256 of the bundle and the cache (32 bytes), then V8's cache. V8 checks
 * only a cache's header (its version, flags and the source's length), not its body: a damaged body
 * aborts the process, and a cache of another bundle of the same length would run wrong code. So a
 * cache is used only when the hash matches; it costs about a millisecond.
 */
const HASH_BYTES = 32

/** Compiles the bundle with the cache, if any; a function, so the cache's bytes are not kept. */
function compile() {
  const source = fs.readFileSync(filename)
  let cachedData
  let state
  try {
    const file = fs.readFileSync(`${filename}.cache`)
    const body = file.subarray(HASH_BYTES)
    const hash = crypto.createHash('sha256').update(source).update(body).digest()
    if (file.length > HASH_BYTES && hash.equals(file.subarray(0, HASH_BYTES))) cachedData = body
    else state = 'mismatched'
  } catch (err) {
    state = err?.code === 'ENOENT' ? 'missing' : 'unreadable'
  }
  // The bundle as Node would wrap a CommonJS module. The wrapper's own line comes first, so
  // `lineOffset: -1` keeps stack traces on the bundle's own lines.
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {\n${source.toString('utf8')}\n})`,
    {
      filename,
      lineOffset: -1,
      cachedData,
    },
  )
  state ??= script.cachedDataRejected ? 'rejected' : 'accepted'
  // Read by startServer, which logs it at debug level (the logger exists only from there on).
  globalThis[Symbol.for('secretsentry.codeCache')] = state
  return script
}

const script = compile()
// build.mjs's training start (scripts/train-code-cache.mjs) takes the script to make the cache from.
globalThis[Symbol.for('secretsentry.trainCodeCache')]?.(script)
const bundle = { exports: {} }
script.runInThisContext()(bundle.exports, createRequire(filename), bundle, filename, dir)
