/**
 * `node train-code-cache.cjs MAIN_JS ASSETS_JSON CACHE_OUT DATA_DIR`: runs the wrapped bundle as
 * the executable would (node:sea answered from the asset files), starts `serve`, sends the first
 * requests a server gets (/healthz, /readyz, a share create, a prelogin), then writes V8's code
 * cache of the bundle, which now holds every function those compiled. Run with the node binary
 * the executable is made from: V8 accepts the cache only from the same version and flags.
 */
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')

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
const b64url = (n) => crypto.randomBytes(n).toString('base64url')

async function exercise(url) {
  const json = { 'content-type': 'application/json', origin: url }
  const requests = [
    [`${url}/healthz`, {}],
    [`${url}/readyz`, {}],
    [
      `${url}/api/share`,
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          id: b64url(16),
          verifier: b64url(32),
          ciphertext: b64url(64),
          ttlSeconds: 300,
          maxViews: 1,
        }),
      },
    ],
    [`${url}/api/prelogin`, { method: 'POST', headers: json, body: '{"username":"nobody"}' }],
  ]
  for (;;) {
    const res = await fetch(`${url}/readyz`)
    await res.arrayBuffer()
    if (res.status === 200) break
    await new Promise((r) => setTimeout(r, 10))
  }
  for (const [target, init] of requests) {
    const res = await fetch(target, init)
    await res.arrayBuffer()
    if (res.status >= 300) throw new Error(`training request ${target} answered ${res.status}`)
  }
}

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
