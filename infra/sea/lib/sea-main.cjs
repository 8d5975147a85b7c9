/**
 * The single executable's main script: runs the bundle (asset `main.js`) with the V8 code cache
 * that build.mjs made after a training start (asset `main.cache`). Node's own `useCodeCache` holds
 * only the code V8 compiles before running; this one also holds every function the start-up and
 * the first requests compiled, which saves about a tenth of the CPU time to the first answer.
 * V8 checks the cache (same V8, flags and source length) and compiles afresh if it does not fit.
 */
'use strict'
const { getAsset, getRawAsset } = require('node:sea')
const vm = require('node:vm')

const script = new vm.Script(getAsset('main.js', 'utf8'), {
  filename: __filename,
  cachedData: Buffer.from(getRawAsset('main.cache')),
})
// build.mjs's self-check asks: a rejected cache would only be slower, so nothing else would notice.
if (script.cachedDataRejected && process.env.SECRETSENTRY_CHECK_CODE_CACHE === '1') {
  process.stderr.write('secretsentry: code cache rejected\n')
}
script.runInThisContext()(exports, require, module, __filename, __dirname)
