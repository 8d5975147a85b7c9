/** @module infra/Caddyfile: `caddy validate` accepts it, its routes keep /metrics internal, and a real Caddy in front of the built app keeps the app's headers. */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  httpsRequest,
  read,
  removeTempDirs,
  requireTool,
  run,
  SERVER_MAIN,
  startApp,
  tempDir,
  type RunningApp,
} from './tools.ts'

const caddy = requireTool('caddy', 'caddy')
const caddyfile = read('Caddyfile')
const HOST = 'secrets.example.com'

afterAll(removeTempDirs)

/** Caddy keeps certificates and state under $HOME / XDG dirs: a fresh temp dir per use. */
function caddyEnv(): NodeJS.ProcessEnv {
  const home = tempDir()
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
  }
}

function writeCaddyfile(text: string): string {
  const file = path.join(tempDir(), 'Caddyfile')
  fs.writeFileSync(file, text)
  return file
}

interface Handler {
  handler: string
  status_code?: number
  routes?: Route[]
}
interface Route {
  match?: { path?: string[]; host?: string[] }[]
  handle?: Handler[]
}

/** Every handler in route order, with the path matchers of the route it sits in. */
function flatten(routes: Route[], paths: string[] = []): { handler: Handler; paths: string[] }[] {
  return routes.flatMap((route) => {
    const here = [...paths, ...(route.match ?? []).flatMap((m) => m.path ?? [])]
    return (route.handle ?? []).flatMap((handler) =>
      handler.routes
        ? [{ handler, paths: here }, ...flatten(handler.routes, here)]
        : [{ handler, paths: here }],
    )
  })
}

describe.skipIf(!caddy)('Caddy example', () => {
  it('passes `caddy validate`', () => {
    const result = run(
      caddy!,
      ['validate', '--config', path.join('infra', 'Caddyfile'), '--adapter', 'caddyfile'],
      {
        env: caddyEnv(),
      },
    )
    expect(result.stdout + result.stderr).toContain('Valid configuration')
    expect(result.status).toBe(0)
  })

  it('the check has teeth: a misspelled directive fails validation', () => {
    const broken = writeCaddyfile(caddyfile.replace('reverse_proxy', 'reverse_proxi'))
    const result = run(caddy!, ['validate', '--config', broken, '--adapter', 'caddyfile'], {
      env: caddyEnv(),
    })
    expect(result.status).not.toBe(0)
  })

  it('is formatted as `caddy fmt` writes it', () => {
    const result = run(caddy!, ['fmt', path.join('infra', 'Caddyfile')], { env: caddyEnv() })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(caddyfile)
  })

  it('answers /metrics with 404 before proxying, and adds no encoding or header values', () => {
    const result = run(caddy!, ['adapt', '--config', path.join('infra', 'Caddyfile')], {
      env: caddyEnv(),
    })
    expect(result.status).toBe(0)
    const config = JSON.parse(result.stdout) as {
      apps: { http: { servers: Record<string, { routes: Route[] }> } }
    }
    const servers = Object.values(config.apps.http.servers)
    expect(servers).toHaveLength(1)
    const handlers = flatten(servers[0]!.routes)
    const names = handlers.map((h) => h.handler.handler)
    const metrics = handlers.findIndex(
      (h) => h.handler.handler === 'static_response' && h.paths.includes('/metrics'),
    )
    expect(metrics).toBeGreaterThanOrEqual(0)
    expect(handlers[metrics]!.handler.status_code).toBe(404)
    expect(metrics).toBeLessThan(names.indexOf('reverse_proxy'))
    expect(names).not.toContain('encode')
    // The only header handler removes Server; it sets nothing that could replace the app's.
    for (const { handler } of handlers.filter((h) => h.handler.handler === 'headers')) {
      expect(handler).toEqual({
        handler: 'headers',
        response: { deferred: true, delete: ['Server'] },
      })
    }
  })

  describe.skipIf(!fs.existsSync(SERVER_MAIN))('in front of the built app', () => {
    let app: RunningApp
    let proxy: ChildProcess
    let httpsPort: number
    let ca: string
    let log = ''

    beforeAll(async () => {
      app = await startApp({ TRUST_PROXY: '1' })
      httpsPort = await freePort()
      const httpPort = await freePort()
      const env = caddyEnv()
      // Caddy's own local CA instead of a public one; the site block is the example's, unchanged
      // except for the app's port.
      const file = writeCaddyfile(
        `{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n}\n\n` +
          caddyfile.replace('reverse_proxy 127.0.0.1:8080', `reverse_proxy 127.0.0.1:${app.port}`),
      )
      proxy = spawn(caddy!, ['run', '--config', file, '--adapter', 'caddyfile'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      proxy.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
      const root = path.join(env.XDG_DATA_HOME!, 'caddy/pki/authorities/local/root.crt')
      // Ready once the local CA exists and the site answers over TLS.
      const deadline = Date.now() + 20_000
      for (;;) {
        if (fs.existsSync(root)) {
          ca = fs.readFileSync(root, 'utf8')
          const ok = await httpsRequest(httpsPort, '/healthz', { ca, servername: HOST }).then(
            (r) => r.status === 200,
            () => false,
          )
          if (ok) break
        }
        if (Date.now() > deadline || proxy.exitCode !== null)
          throw new Error(`caddy did not start: ${log}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })

    afterAll(async () => {
      if (proxy && proxy.exitCode === null) {
        const exited = new Promise((resolve) => proxy.once('exit', resolve))
        proxy.kill('SIGTERM')
        await exited
      }
      await app?.stop()
    })

    it("passes the app's security headers through, and HSTS (the app saw https)", async () => {
      const page = await httpsRequest(httpsPort, '/', { ca, servername: HOST })
      expect(page.status).toBe(200)
      expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/)
      expect(page.headers['referrer-policy']).toBe('no-referrer')
      expect(page.headers['strict-transport-security']).toMatch(/^max-age=\d+/)
      expect(page.headers.server).toBeUndefined()
      const api = await httpsRequest(httpsPort, '/api/openapi.json', {
        ca,
        servername: HOST,
        headers: { 'accept-encoding': 'gzip' },
      })
      expect(api.headers['cache-control']).toBe('no-store')
      expect(api.headers['content-encoding']).toBeUndefined()
    })

    it('keeps /metrics internal', async () => {
      expect((await httpsRequest(httpsPort, '/metrics', { ca, servername: HOST })).status).toBe(404)
      expect((await fetch(`http://127.0.0.1:${app.port}/metrics`)).status).toBe(200)
    })
  })
})
