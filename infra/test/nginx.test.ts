/** @module infra/nginx/secretsentry.conf: `nginx -t` accepts it, and a real nginx in front of the built app keeps the app's headers. */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  httpsRequest,
  MAX_SECRET_BYTES,
  maxCreateBodyBytes,
  read,
  removeTempDirs,
  requireTool,
  run,
  SERVER_MAIN,
  startApp,
  tempDir,
  waitForPort,
  type RunningApp,
} from './tools.ts'

const nginx = requireTool('nginx', 'nginx-light')
const openssl = requireTool('openssl', 'openssl')
const conf = read('nginx/secretsentry.conf')
const HOST = 'secrets.example.com'

afterAll(removeTempDirs)

interface Sandbox {
  dir: string
  cert: string
  main: string
}

/** A throwaway self-signed certificate and a main nginx.conf that includes `site` as conf.d would. */
function sandbox(site: string, extraHttp = ''): Sandbox {
  const dir = tempDir()
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  const made = run(openssl!, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${HOST}`,
    '-addext',
    `subjectAltName=DNS:${HOST}`,
    '-keyout',
    key,
    '-out',
    cert,
  ])
  expect(made.status, made.stderr).toBe(0)
  const local = site
    .replace(`/etc/letsencrypt/live/${HOST}/fullchain.pem`, cert)
    .replace(`/etc/letsencrypt/live/${HOST}/privkey.pem`, key)
  fs.writeFileSync(path.join(dir, 'site.conf'), local)
  fs.writeFileSync(path.join(dir, 'mime.types'), 'types { text/html html; }\n')
  const main = path.join(dir, 'nginx.conf')
  fs.writeFileSync(
    main,
    `pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  include ${dir}/mime.types;
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${extraHttp}
  include ${dir}/site.conf;
}
`,
  )
  return { dir, cert, main }
}

const test = (s: Sandbox) =>
  run(nginx!, ['-t', '-p', s.dir, '-c', s.main, '-e', `${s.dir}/error.log`])

describe.skipIf(!nginx || !openssl)('nginx example', () => {
  it('passes `nginx -t` (syntax, certificates, upstream)', () => {
    const result = test(sandbox(conf))
    expect(result.stderr).toContain('test is successful')
    expect(result.status).toBe(0)
  })

  it('the check has teeth: a misspelled directive fails `nginx -t`', () => {
    const result = test(sandbox(conf.replace('client_max_body_size', 'client_max_body_sise')))
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('unknown directive')
  })

  it('client_max_body_size fits the largest create body of the default MAX_SECRET_BYTES', () => {
    const match = /client_max_body_size\s+(\d+)k;/.exec(conf)
    expect(match).not.toBeNull()
    const limit = Number(match![1]) * 1024
    const needed = maxCreateBodyBytes(MAX_SECRET_BYTES)
    expect(limit).toBeGreaterThanOrEqual(needed)
    // Not much larger: beyond the app's own limit nginx should refuse, not buffer.
    expect(limit - needed).toBeLessThan(64 * 1024)
    expect(conf).toContain(`client_body_buffer_size ${match![1]}k;`)
  })

  it('adds and hides no headers, caches nothing and compresses nothing', () => {
    const directives = conf.replace(/#.*$/gm, '')
    expect(directives).not.toMatch(/\badd_header\b/)
    expect(directives).not.toMatch(/\bproxy_hide_header\b/)
    expect(directives).not.toMatch(/\bproxy_cache\s+(?!off)/)
    expect(directives).toMatch(/\bgzip\s+off;/)
    expect(directives).toMatch(/proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;/)
    expect(directives).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/)
  })

  describe.skipIf(!fs.existsSync(SERVER_MAIN))('in front of the built app', () => {
    let app: RunningApp
    let proxy: ChildProcess
    let s: Sandbox
    let httpsPort: number
    let httpPort: number
    let ca: string

    beforeAll(async () => {
      app = await startApp({ TRUST_PROXY: '1' })
      httpsPort = await freePort()
      httpPort = await freePort()
      const site = conf
        .replaceAll('listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`)
        .replaceAll('listen 80;', `listen 127.0.0.1:${httpPort};`)
        .replace(/^\s*listen \[::\]:\d+.*$/gm, '')
        .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${app.port};`)
      // One process, no workers switching users: runs the same as root or not.
      s = sandbox(site)
      ca = fs.readFileSync(s.cert, 'utf8')
      proxy = spawn(
        nginx!,
        [
          '-p',
          s.dir,
          '-c',
          s.main,
          '-e',
          `${s.dir}/error.log`,
          '-g',
          'daemon off; master_process off;',
        ],
        { stdio: 'ignore' },
      )
      await waitForPort(httpsPort)
    })

    afterAll(async () => {
      if (proxy && proxy.exitCode === null) {
        const exited = new Promise((resolve) => proxy.once('exit', resolve))
        proxy.kill('SIGQUIT')
        await exited
      }
      await app?.stop()
    })

    const get = (
      p: string,
      init: Parameters<typeof httpsRequest>[2] extends infer O ? Partial<O> : never = {},
    ) => httpsRequest(httpsPort, p, { ca, servername: HOST, ...init })

    it("passes the app's security headers through, and HSTS (the app saw https)", async () => {
      const page = await get('/')
      expect(page.status).toBe(200)
      expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/)
      expect(page.headers['referrer-policy']).toBe('no-referrer')
      expect(page.headers['x-content-type-options']).toBe('nosniff')
      expect(page.headers['strict-transport-security']).toMatch(/^max-age=\d+/)
      // server_tokens off: no version number.
      expect(page.headers.server).toBe('nginx')
      const api = await get('/api/openapi.json')
      expect(api.status).toBe(200)
      expect(api.headers['cache-control']).toBe('no-store')
      expect(api.headers['content-encoding']).toBeUndefined()
    })

    it('creates a share through the proxy; /metrics stays internal', async () => {
      const body = JSON.stringify({
        id: Buffer.alloc(16, 7).toString('base64url'),
        verifier: Buffer.alloc(32, 9).toString('base64url'),
        ciphertext: Buffer.alloc(2048, 1).toString('base64url'),
        ttlSeconds: 300,
        maxViews: 1,
      })
      const created = await get('/api/share', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      expect(created.status).toBe(201)
      expect((await get('/metrics')).status).toBe(404)
      const direct = await fetch(`http://127.0.0.1:${app.port}/metrics`)
      expect(await direct.text()).toContain('secretsentry_shares_created_total 1')
    })

    it('refuses bodies over the limit with 413 before the app reads them', async () => {
      const tooBig = Buffer.alloc(maxCreateBodyBytes(MAX_SECRET_BYTES) + 64 * 1024, 0x61)
      const res = await get('/api/share', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: tooBig,
      })
      expect(res.status).toBe(413)
    })

    it('plain HTTP only redirects to https', async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/s`, {
        redirect: 'manual',
        headers: { host: HOST },
      })
      expect(res.status).toBe(301)
      expect(res.headers.get('location')).toBe(`https://${HOST}/s`)
    })
  })
})
