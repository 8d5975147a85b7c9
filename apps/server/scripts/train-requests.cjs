/**
 * The first requests a server gets (/healthz, /readyz, a share create, a prelogin), sent by both
 * training starts (scripts/train-code-cache.mjs for dist/, infra/sea/lib/train-code-cache.cjs for
 * the executable) so that V8's code cache holds every function they compile. CommonJS, so the
 * executable's trainer can require it as it is.
 */
'use strict'
const crypto = require('node:crypto')

const b64url = (n) => crypto.randomBytes(n).toString('base64url')

/** Waits for /readyz, then sends the training requests; throws on any answer of 300 or more. */
async function exercise(url) {
  for (;;) {
    const res = await fetch(`${url}/readyz`)
    await res.arrayBuffer()
    if (res.status === 200) break
    await new Promise((r) => setTimeout(r, 10))
  }
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
  for (const [target, init] of requests) {
    const res = await fetch(target, init)
    await res.arrayBuffer()
    if (res.status >= 300) throw new Error(`training request ${target} answered ${res.status}`)
  }
}

module.exports = { exercise }
