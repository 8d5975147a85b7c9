/** @module infra/compose.postgres.yaml and infra/Caddyfile.postgres: docker-compose and Caddy accept them, two replicas share PostgreSQL and Redis behind the one published proxy, no password is committed, and a real Caddy balances between two upstreams (stand-ins, then two built apps on one PostgreSQL database). */
import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  httpsRequest,
  read,
  removeTempDirs,
  requireTool,
  ROOT,
  run,
  seconds,
  SERVER_MAIN,
  shutdownGraceSeconds,
  startApp,
  tempDir,
  type RunningApp,
} from './tools.ts'

afterAll(removeTempDirs)

const COMPOSE = 'infra/compose.postgres.yaml'
const HOST = 'secrets.example.com'
const REPLICAS = ['secretsentry-1', 'secretsentry-2']
const composeText = read('compose.postgres.yaml')
const caddyfile = read('Caddyfile.postgres')
const dockerCompose = requireTool('docker-compose', 'docker-compose')
const caddy = requireTool('caddy', 'caddy')

interface Service {
  image?: string
  build?: unknown
  environment?: Record<string, string>
  ports?: unknown[]
  volumes?: string[]
  tmpfs?: string[]
  depends_on?: Record<string, { condition: string }> | string[]
  networks?: string[] | Record<string, unknown>
  healthcheck?: { test: string[] }
  read_only?: boolean
  cap_drop?: string[]
  cap_add?: string[]
  security_opt?: string[]
  stop_grace_period?: string
  secrets?: (string | { source: string })[]
}
interface ComposeFile {
  services: Record<string, Service>
  secrets: Record<string, { file: string }>
  networks: Record<string, { internal?: boolean } | null>
  volumes: Record<string, unknown>
}

// The file as written, the `x-secretsentry` anchor merged into both replicas as Compose does.
const compose = parse(composeText, { merge: true }) as ComposeFile
const replicas = REPLICAS.map((name) => compose.services[name]!)
const networksOf = (service: Service) =>
  Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {})

/** An env file as the README tells operators to write it: a fresh hex password, a real-looking name. */
function envFile(values: Record<string, string>): string {
  const file = path.join(tempDir(), '.env')
  fs.writeFileSync(
    file,
    Object.entries(values)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  )
  return file
}

describe('compose.postgres.yaml', () => {
  const password = crypto.randomBytes(32).toString('hex')

  describe.skipIf(!dockerCompose)('as docker-compose reads it', () => {
    const config = (env: string, file = COMPOSE) =>
      run(dockerCompose!, ['--env-file', env, '-f', file, 'config'])
    let resolved: ComposeFile

    beforeAll(() => {
      const result = config(envFile({ POSTGRES_PASSWORD: password, SECRETSENTRY_DOMAIN: HOST }))
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      resolved = parse(result.stdout) as ComposeFile
    })

    it('passes `docker-compose config` (the Compose file schema)', () => {
      expect(Object.keys(resolved.services).sort()).toEqual(
        ['caddy', 'postgres', 'redis', ...REPLICAS].sort(),
      )
    })

    it('both replicas get DATABASE_URL (with the password from .env), REDIS_URL and the one server key file', () => {
      for (const name of REPLICAS) {
        const env = resolved.services[name]!.environment!
        expect(env.DATABASE_URL, name).toBe(
          `postgres://secretsentry:${password}@postgres:5432/secretsentry`,
        )
        expect(env.REDIS_URL, name).toBe('redis://redis:6379/0')
        expect(env.TRUST_PROXY, name).toBe('1')
        expect(env.SERVER_KEY_FILE, name).toBe('/run/secrets/server-key')
        expect(resolved.services[name]!.secrets, name).toEqual([{ source: 'server-key' }])
      }
      expect(resolved.secrets['server-key']!.file).toBe(path.join(ROOT, 'infra', 'server-key'))
      expect(resolved.services.postgres!.environment!.POSTGRES_PASSWORD).toBe(password)
      // The URL's user and database are the ones the postgres service creates.
      expect(resolved.services.postgres!.environment!.POSTGRES_USER).toBe('secretsentry')
      expect(resolved.services.postgres!.environment!.POSTGRES_DB).toBe('secretsentry')
    })

    it('only the proxy publishes a port', () => {
      const publishing = Object.entries(resolved.services)
        .filter(([, service]) => (service.ports ?? []).length > 0)
        .map(([name]) => name)
      expect(publishing).toEqual(['caddy'])
    })

    it('the replicas start once PostgreSQL and Redis are healthy', () => {
      for (const name of REPLICAS) {
        expect(resolved.services[name]!.depends_on).toEqual({
          postgres: { condition: 'service_healthy' },
          redis: { condition: 'service_healthy' },
        })
      }
    })

    it('the check has teeth: without POSTGRES_PASSWORD it refuses, naming it', () => {
      const result = config(envFile({ SECRETSENTRY_DOMAIN: HOST, POSTGRES_PASSWORD: '' }))
      expect(result.status).not.toBe(0)
      expect(result.stderr).toContain('set POSTGRES_PASSWORD in infra/.env')
    })

    it('the check has teeth: a misspelled key fails it', () => {
      const file = path.join(ROOT, 'infra', `.compose-postgres-broken-${process.pid}.yaml`)
      fs.writeFileSync(file, composeText.replace('depends_on:', 'depends_onn:'))
      try {
        const env = envFile({ POSTGRES_PASSWORD: password, SECRETSENTRY_DOMAIN: HOST })
        const result = config(env, file)
        expect(result.status).not.toBe(0)
        expect(result.stderr).toContain('depends_onn')
      } finally {
        fs.rmSync(file)
      }
    })
  })

  it('two replicas of the image compose.yaml builds, hardened like it', () => {
    const single = (parse(read('compose.yaml')) as ComposeFile).services.secretsentry!
    expect(replicas).toHaveLength(2)
    for (const replica of replicas) {
      expect(replica.build).toEqual(single.build)
      expect(replica.image).toBe(single.image)
      expect(replica.read_only).toBe(true)
      expect(replica.cap_drop).toEqual(['ALL'])
      expect(replica.security_opt).toContain('no-new-privileges:true')
      expect(replica.ports).toBeUndefined()
      // DATA_DIR is memory: nothing in it must persist on PostgreSQL.
      expect(replica.volumes).toBeUndefined()
      expect(replica.environment!.DATA_DIR).toBe('/data')
      expect(replica.tmpfs).toContainEqual(expect.stringMatching(/^\/data:/))
      expect(replica.healthcheck!.test[3]).toContain('/readyz')
      expect(seconds(replica.stop_grace_period!)).toBeGreaterThan(shutdownGraceSeconds())
    }
  })

  it('commits no password or key: they are read from infra/.env and infra/server-key, which git and the image build ignore', () => {
    const passwordValues = [
      replicas[0]!.environment!.DATABASE_URL!,
      compose.services.postgres!.environment!.POSTGRES_PASSWORD!,
    ]
    for (const value of passwordValues) expect(value).toContain('${POSTGRES_PASSWORD:?')
    expect(replicas[0]!.environment!.DATABASE_URL).toMatch(
      /^postgres:\/\/secretsentry:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/secretsentry$/,
    )
    // The template leaves every value empty, so Compose refuses to start until they are set.
    const example = read('postgres.env.example')
    const assignments = example.split('\n').filter((line) => /^[A-Z_]+=/.test(line))
    expect(assignments.sort()).toEqual([
      'METRICS_TOKEN=',
      'POSTGRES_PASSWORD=',
      'SECRETSENTRY_DOMAIN=',
    ])
    expect(compose.secrets).toEqual({ 'server-key': { file: './server-key' } })
    for (const file of ['infra/.env', 'infra/server-key']) {
      expect(run('git', ['check-ignore', '-q', file]).status, file).toBe(0)
    }
    const dockerignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    expect(dockerignore).toMatch(/^\*\*\/\.env$/m)
    expect(dockerignore).toMatch(/^\*\*\/server-key$/m)
  })

  it('PostgreSQL keeps its data in a named volume and is healthy only once it accepts TCP', () => {
    const postgres = compose.services.postgres!
    expect(postgres.image).toMatch(/^postgres:\d+/)
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data'])
    expect(compose.volumes).toHaveProperty('postgres-data')
    expect(postgres.healthcheck!.test).toEqual(
      expect.arrayContaining(['pg_isready', '-h', '127.0.0.1']),
    )
    expect(compose.services.redis!.healthcheck!.test).toContain('ping')
  })

  it('PostgreSQL, Redis and the replicas sit on internal networks; only Caddy reaches out', () => {
    expect(compose.networks.app?.internal).toBe(true)
    expect(compose.networks.data?.internal).toBe(true)
    for (const replica of replicas) expect(networksOf(replica).sort()).toEqual(['app', 'data'])
    expect(networksOf(compose.services.postgres!)).toEqual(['data'])
    expect(networksOf(compose.services.redis!)).toEqual(['data'])
    expect(networksOf(compose.services.caddy!).sort()).toEqual(['app', 'edge'])
  })

  it('Caddy runs Caddyfile.postgres with no capability but binding 80/443', () => {
    const proxy = compose.services.caddy!
    expect(proxy.volumes).toContain('./Caddyfile.postgres:/etc/caddy/Caddyfile:ro')
    expect(proxy.cap_drop).toEqual(['ALL'])
    expect(proxy.cap_add).toEqual(['NET_BIND_SERVICE'])
    expect(proxy.read_only).toBe(true)
  })
})

/** Caddy keeps certificates and state under $HOME / XDG dirs: a fresh temp dir per use. */
function caddyEnv(): NodeJS.ProcessEnv {
  const home = tempDir()
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    SECRETSENTRY_DOMAIN: HOST,
  }
}

function writeCaddyfile(text: string): string {
  const file = path.join(tempDir(), 'Caddyfile')
  fs.writeFileSync(file, text)
  return file
}

interface ProxyHandler {
  handler: string
  status_code?: number
  upstreams?: { dial: string }[]
  load_balancing?: { selection_policy?: { policy?: string } }
  health_checks?: { active?: { uri?: string; path?: string } }
  routes?: { match?: { path?: string[] }[]; handle?: ProxyHandler[] }[]
}

/** Every handler of the adapted config, depth first, with the path matchers it sits under. */
function handlers(
  routes: ProxyHandler['routes'] = [],
  paths: string[] = [],
): { handler: ProxyHandler; paths: string[] }[] {
  return routes.flatMap((route) => {
    const here = [...paths, ...(route.match ?? []).flatMap((m) => m.path ?? [])]
    return (route.handle ?? []).flatMap((handler) => [
      { handler, paths: here },
      ...handlers(handler.routes, here),
    ])
  })
}

describe.skipIf(!caddy)('Caddyfile.postgres', () => {
  const file = path.join('infra', 'Caddyfile.postgres')

  it('passes `caddy validate`', () => {
    const result = run(caddy!, ['validate', '--config', file, '--adapter', 'caddyfile'], {
      env: caddyEnv(),
    })
    expect(result.stdout + result.stderr).toContain('Valid configuration')
    expect(result.status).toBe(0)
  })

  it('the check has teeth: a misspelled subdirective fails validation', () => {
    const broken = writeCaddyfile(caddyfile.replace('health_uri', 'health_urii'))
    const result = run(caddy!, ['validate', '--config', broken, '--adapter', 'caddyfile'], {
      env: caddyEnv(),
    })
    expect(result.status).not.toBe(0)
  })

  it('is formatted as `caddy fmt` writes it', () => {
    const result = run(caddy!, ['fmt', file], { env: caddyEnv() })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(caddyfile)
  })

  it('balances round robin over both replicas of the compose file, checks /readyz, and keeps /metrics internal', () => {
    const result = run(caddy!, ['adapt', '--config', file], { env: caddyEnv() })
    expect(result.status, result.stderr).toBe(0)
    const config = JSON.parse(result.stdout) as {
      apps: { http: { servers: Record<string, { routes: ProxyHandler['routes'] }> } }
    }
    const servers = Object.values(config.apps.http.servers)
    expect(servers).toHaveLength(1)
    const all = handlers(servers[0]!.routes)
    const proxies = all.filter((h) => h.handler.handler === 'reverse_proxy')
    expect(proxies).toHaveLength(1)
    const proxy = proxies[0]!.handler
    expect(proxy.upstreams!.map((u) => u.dial)).toEqual(REPLICAS.map((name) => `${name}:8080`))
    expect(proxy.load_balancing?.selection_policy?.policy).toBe('round_robin')
    const active = proxy.health_checks?.active
    expect(active?.uri ?? active?.path).toBe('/readyz')
    const metrics = all.findIndex(
      (h) => h.handler.handler === 'static_response' && h.paths.includes('/metrics'),
    )
    expect(all[metrics]?.handler.status_code).toBe(404)
    expect(metrics).toBeLessThan(all.indexOf(proxies[0]!))
    expect(all.map((h) => h.handler.handler)).not.toContain('encode')
  })

  interface RunningCaddy {
    httpsPort: number
    get(p: string, headers?: Record<string, string>): ReturnType<typeof httpsRequest>
    post(p: string, body: string): ReturnType<typeof httpsRequest>
    stop(): Promise<void>
  }

  /**
   * A real Caddy with the example's site block, only the two upstream addresses (and, for the
   * test's pace, the health-check interval) replaced; Caddy's local CA instead of a public one.
   */
  async function startCaddy(upstreams: [number, number], interval = '5s'): Promise<RunningCaddy> {
    const httpsPort = await freePort()
    const httpPort = await freePort()
    const env = caddyEnv()
    const site = caddyfile
      .replace(
        'reverse_proxy secretsentry-1:8080 secretsentry-2:8080',
        `reverse_proxy 127.0.0.1:${upstreams[0]} 127.0.0.1:${upstreams[1]}`,
      )
      .replace('health_interval 5s', `health_interval ${interval}`)
    expect(site).toContain(`127.0.0.1:${upstreams[1]}`)
    const config = writeCaddyfile(
      `{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n}\n\n${site}`,
    )
    const proxy: ChildProcess = spawn(
      caddy!,
      ['run', '--config', config, '--adapter', 'caddyfile'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let log = ''
    proxy.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    const root = path.join(env.XDG_DATA_HOME!, 'caddy/pki/authorities/local/root.crt')
    let ca = ''
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
    return {
      httpsPort,
      get: (p, headers = {}) => httpsRequest(httpsPort, p, { ca, servername: HOST, headers }),
      post: (p, body) =>
        httpsRequest(httpsPort, p, {
          ca,
          servername: HOST,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      stop: async () => {
        if (proxy.exitCode !== null) return
        const exited = new Promise((resolve) => proxy.once('exit', resolve))
        proxy.kill('SIGTERM')
        await exited
      },
    }
  }

  describe('in front of two stand-in upstreams', () => {
    interface Seen {
      path: string
      forwardedFor: string | undefined
      forwardedProto: string | undefined
    }
    interface Upstream {
      port: number
      seen: Seen[]
      ready: boolean
      server: http.Server
    }
    const upstreams: Upstream[] = []
    let proxy: RunningCaddy

    /** Answers everything 200 except /readyz while not ready; records what is not a health check. */
    async function upstream(): Promise<Upstream> {
      const state = { seen: [] as Seen[], ready: true }
      const server = http.createServer((req, res) => {
        if (req.url === '/readyz') {
          res.writeHead(state.ready ? 200 : 503).end()
          return
        }
        state.seen.push({
          path: req.url ?? '',
          forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
          forwardedProto: req.headers['x-forwarded-proto'] as string | undefined,
        })
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as { port: number }
      return Object.assign(state, { port, server })
    }
    const close = (u: Upstream) =>
      new Promise<void>((resolve) => {
        u.server.closeAllConnections()
        u.server.close(() => resolve())
      })

    beforeAll(async () => {
      upstreams.push(await upstream(), await upstream())
      proxy = await startCaddy([upstreams[0]!.port, upstreams[1]!.port], '200ms')
    })

    afterAll(async () => {
      await proxy?.stop()
      for (const u of upstreams) if (u.server.listening) await close(u)
    })

    const reset = () => upstreams.forEach((u) => (u.seen = []))

    it('alternates between both replicas, with X-Forwarded-For replaced by the real client and X-Forwarded-Proto https', async () => {
      reset()
      for (let i = 0; i < 10; i++) {
        const res = await proxy.get(`/api/probe/${i}`, { 'x-forwarded-for': '203.0.113.7' })
        expect(res.status).toBe(200)
      }
      expect(upstreams.map((u) => u.seen.length)).toEqual([5, 5])
      for (const seen of upstreams.flatMap((u) => u.seen)) {
        // Exactly one entry, the client's own address: TRUST_PROXY=1 reads the right one.
        expect(seen.forwardedFor).toBe('127.0.0.1')
        expect(seen.forwardedProto).toBe('https')
      }
    })

    it('sends nothing to a replica whose /readyz answers 503, and returns to it once it is ready', async () => {
      upstreams[1]!.ready = false
      // The active check notices within a few intervals.
      const deadline = Date.now() + 10_000
      for (;;) {
        reset()
        for (let i = 0; i < 6; i++) expect((await proxy.get('/x')).status).toBe(200)
        if (upstreams[1]!.seen.length === 0) break
        if (Date.now() > deadline) throw new Error('the not-ready replica kept getting requests')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(upstreams[0]!.seen).toHaveLength(6)
      upstreams[1]!.ready = true
      for (;;) {
        reset()
        for (let i = 0; i < 6; i++) expect((await proxy.get('/x')).status).toBe(200)
        if (upstreams[1]!.seen.length > 0) break
        if (Date.now() > deadline) throw new Error('the ready replica got no requests back')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })

    it('answers every request while one replica is gone altogether', async () => {
      await close(upstreams[1]!)
      reset()
      for (let i = 0; i < 6; i++) expect((await proxy.get('/y')).status).toBe(200)
      expect(upstreams[0]!.seen).toHaveLength(6)
    })
  })

  const adminUrl = process.env.TEST_PG_URL
  const psql = adminUrl ? requireTool('psql', 'postgresql-client') : undefined
  if (!adminUrl)
    console.warn('SKIPPED: TEST_PG_URL is not set; Caddy is not run in front of two real replicas.')
  const built = fs.existsSync(SERVER_MAIN)
  if (!built) console.warn(`SKIPPED: ${SERVER_MAIN} is not built; no real replicas run here.`)

  describe.skipIf(!adminUrl || !psql || !built)(
    'in front of two built apps on one PostgreSQL database',
    () => {
      const database = `infra_compose_${crypto.randomBytes(6).toString('hex')}`
      const apps: RunningApp[] = []
      let proxy: RunningCaddy

      const sql = (statement: string) => {
        const result = run(psql!, [adminUrl!, '-v', 'ON_ERROR_STOP=1', '-qc', statement])
        expect(result.status, result.stderr).toBe(0)
      }

      beforeAll(async () => {
        sql(`CREATE DATABASE ${database}`)
        const url = new URL(adminUrl!)
        url.pathname = `/${database}`
        // One key file for both, as the compose file's secret; each keeps its own DATA_DIR.
        const keyFile = path.join(tempDir(), 'server-key')
        fs.writeFileSync(keyFile, crypto.randomBytes(32).toString('base64'), { mode: 0o600 })
        // Both start at once, as `docker compose up` starts them: the migrations run once.
        const env = {
          DATABASE_URL: url.toString(),
          SERVER_KEY_FILE: keyFile,
          TRUST_PROXY: '1',
          ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
        }
        apps.push(...(await Promise.all([startApp(env), startApp(env)])))
        // Listening comes before migrating: wait for both to be ready, as Caddy's check would.
        await Promise.all(apps.map((app) => untilReady(app)))
        proxy = await startCaddy([apps[0]!.port, apps[1]!.port])
      }, 60_000)

      afterAll(async () => {
        await proxy?.stop()
        await Promise.all(apps.map((app) => app.stop()))
        if (apps.length > 0 || proxy) sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      })

      async function untilReady(app: RunningApp): Promise<void> {
        const deadline = Date.now() + 20_000
        while ((await fetch(`http://127.0.0.1:${app.port}/readyz`)).status !== 200) {
          if (Date.now() > deadline) throw new Error(`port ${app.port}: /readyz never answered 200`)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }

      /** A counter of one replica's /metrics, read directly (loopback, no forwarding header). */
      async function counter(app: RunningApp, name: string): Promise<number> {
        const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text()
        const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text)
        return Number(match?.[1] ?? 0)
      }

      it('a share made through one replica opens through the other', async () => {
        const access = crypto.randomBytes(32)
        const id = crypto.randomBytes(16).toString('base64url')
        const created = await proxy.post(
          '/api/share',
          JSON.stringify({
            id,
            verifier: crypto.createHash('sha256').update(access).digest('base64url'),
            ciphertext: Buffer.alloc(256, 3).toString('base64url'),
            ttlSeconds: 300,
            maxViews: 1,
          }),
        )
        expect(created.status, created.body).toBe(201)
        const opened = await proxy.post(
          `/api/share/${id}/open`,
          JSON.stringify({ access: access.toString('base64url') }),
        )
        expect(opened.status, opened.body).toBe(200)
        expect(JSON.parse(opened.body)).toMatchObject({
          ciphertext: Buffer.alloc(256, 3).toString('base64url'),
          viewsLeft: 0,
        })
        const createdBy = await Promise.all(
          apps.map((app) => counter(app, 'secretsentry_shares_created_total')),
        )
        const openedBy = await Promise.all(
          apps.map((app) => counter(app, 'secretsentry_shares_opened_total')),
        )
        // Round robin: the two requests went to different replicas, which share the database.
        expect(createdBy.sort()).toEqual([0, 1])
        expect(openedBy.sort()).toEqual([0, 1])
        expect(
          await Promise.all(apps.map((app) => counter(app, 'secretsentry_shares_created_total'))),
        ).not.toEqual(
          await Promise.all(apps.map((app) => counter(app, 'secretsentry_shares_opened_total'))),
        )
        // The link is burned for both.
        const again = await proxy.post(
          `/api/share/${id}/open`,
          JSON.stringify({ access: access.toString('base64url') }),
        )
        expect(again.status).toBe(404)
      })

      it("the app's security headers and HSTS arrive through the proxy", async () => {
        const page = await proxy.get('/')
        expect(page.status).toBe(200)
        expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/)
        expect(page.headers['strict-transport-security']).toMatch(/^max-age=\d+/)
        expect(page.headers.server).toBeUndefined()
        expect((await proxy.get('/metrics')).status).toBe(404)
      })
    },
  )
})
