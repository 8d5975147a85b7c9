/** @module infra/Dockerfile, .dockerignore and infra/compose.yaml: parsed and linted, the promised hardening checked, compose validated by docker-compose, and the image built and run read-only where a Docker engine runs. */
import fs from 'node:fs'
import path from 'node:path'
import { DockerfileParser, type Instruction } from 'dockerfile-ast'
import { validate } from 'dockerfile-utils'
import { parse } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import {
  freePort,
  read,
  removeTempDirs,
  requireTool,
  ROOT,
  run,
  seconds,
  shutdownGraceSeconds,
  tempDir,
} from './tools.ts'

afterAll(removeTempDirs)

const dockerfileText = read('Dockerfile')
const dockerfile = DockerfileParser.parse(dockerfileText)

/** The instructions of each build stage, by stage name. */
function stages(): Map<string, Instruction[]> {
  const result = new Map<string, Instruction[]>()
  let current: Instruction[] = []
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArgumentsContent() ?? ''
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(result.size)
      current = [instruction]
      result.set(name, current)
    } else current.push(instruction)
  }
  return result
}

/** An instruction's text after its keyword, flags included (getArgumentsContent drops them). */
const args = (instruction: Instruction) =>
  instruction.getTextContent().slice(instruction.getKeyword().length).trim()
const all = (list: Instruction[], keyword: string) =>
  list.filter((i) => i.getKeyword() === keyword).map(args)

describe('Dockerfile', () => {
  const built = stages()
  const runtime = [...built.values()].at(-1)!

  it('has no problem dockerfile-utils can find (its linter and parser)', () => {
    expect(validate(dockerfileText).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual(
      [],
    )
    // The linter has teeth: a misspelled instruction is reported.
    expect(validate(dockerfileText.replace('EXPOSE 8080', 'EXPOZE 8080'))).not.toEqual([])
  })

  it('is multi-stage: a build stage with the toolchain, a slim runtime stage', () => {
    expect([...built.keys()]).toEqual(['build', 'runtime'])
    expect(args(built.get('build')![0]!)).toMatch(/^node:\$\{NODE_VERSION\}-bookworm AS build$/)
    expect(args(runtime[0]!)).toMatch(/-slim AS runtime$/)
    // The runtime stage installs nothing and takes only the prepared /out from the build stage.
    expect(all(runtime, 'RUN').join('\n')).not.toMatch(/apt-get|npm (ci|install)|pnpm/)
    expect(all(runtime, 'COPY')).toEqual(['--from=build --chown=root:root /out/ /app/'])
  })

  it('runs as a non-root user with /data as its only volume, on 0.0.0.0:8080', () => {
    const users = all(runtime, 'USER')
    expect(users).toHaveLength(1)
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/)
    expect(all(runtime, 'VOLUME')).toEqual(['/data'])
    expect(all(runtime, 'EXPOSE')).toEqual(['8080'])
    const env = all(runtime, 'ENV').join(' ')
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/)
    expect(env).toMatch(/\bDATA_DIR=\/data\b/)
    expect(env).toMatch(/\bNODE_OPTIONS=(\s|$)/)
  })

  it('checks health with the app itself (Node fetch), no curl or wget', () => {
    const [health] = all(runtime, 'HEALTHCHECK')
    expect(health).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/healthz/)
    const code = dockerfile.getInstructions().map(args).join('\n')
    expect(code).not.toMatch(/\b(curl|wget)\b/)
  })

  it('the runtime starts the `secretsentry` command, which also offers backup inside the container', () => {
    expect(all(runtime, 'ENTRYPOINT')).toEqual(['["secretsentry"]'])
    expect(all(runtime, 'CMD')).toEqual(['["serve"]'])
    expect(all(runtime, 'RUN').join('\n')).toContain(
      'ln -s /app/dist/secretsentry.mjs /usr/local/bin/secretsentry',
    )
    // What the build stage runs exists in this repository.
    const build = all(built.get('build')!, 'RUN').join('\n')
    for (const dir of build.matchAll(/--filter (\.\/[\w/.-]+)/g)) {
      expect(fs.existsSync(path.join(ROOT, dir[1]!, 'package.json')), dir[1]).toBe(true)
    }
    expect(build).toContain('--frozen-lockfile')
  })
})

describe('.dockerignore', () => {
  const python = requireTool('python3', 'python3-docker')
  const hasDockerPy =
    python !== undefined &&
    run('/usr/bin/python3', ['-c', 'import docker.utils.build']).status === 0
  if (!hasDockerPy)
    console.warn('SKIPPED: python3-docker (Debian) is missing; the build context is not listed.')

  // docker-py's exclude_paths applies .dockerignore the way the Docker CLI does.
  it.skipIf(!hasDockerPy)('sends sources and the lockfile, never installs, builds or data', () => {
    const script = [
      'import json, sys',
      'from docker.utils.build import exclude_paths',
      "patterns = [l.strip() for l in open('.dockerignore') if l.strip() and not l.startswith('#')]",
      "print(json.dumps(sorted(exclude_paths('.', patterns))))",
    ].join('\n')
    const dir = tempDir()
    // A scratch tree with the repository's ignore file and decoys for each excluded kind.
    for (const file of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'apps/cli/src/main.ts',
      'apps/web/src/main.ts',
      'apps/server/src/app.ts',
      'node_modules/x/index.js',
      'apps/cli/node_modules/y/index.js',
      'apps/web/dist/index.html',
      'data/secretsentry.db',
      'apps/server/data/audit-key',
      '.git/HEAD',
      'secretsentry.db-wal',
      '.env',
    ]) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
      fs.writeFileSync(path.join(dir, file), 'x')
    }
    fs.copyFileSync(path.join(ROOT, '.dockerignore'), path.join(dir, '.dockerignore'))
    const result = run('/usr/bin/python3', ['-c', script], { cwd: dir })
    expect(result.status, result.stderr).toBe(0)
    const context = new Set(JSON.parse(result.stdout) as string[])
    for (const needed of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'apps/cli/src/main.ts',
      'apps/web/src/main.ts',
      'apps/server/src/app.ts',
    ]) {
      expect(context.has(needed), needed).toBe(true)
    }
    for (const kept of context) {
      expect(kept).not.toMatch(/(^|\/)(node_modules|dist|data|\.git)(\/|$)|\.db-wal$|^\.env$/)
    }
  })
})

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<string, Record<string, unknown>>
    volumes: Record<string, unknown>
  }
  const service = compose.services.secretsentry!
  const dockerCompose = requireTool('docker-compose', 'docker-compose')

  it.skipIf(!dockerCompose)('passes `docker-compose config` (the Compose file schema)', () => {
    const result = run(dockerCompose!, ['-f', 'infra/compose.yaml', 'config', '--quiet'])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it.skipIf(!dockerCompose)('the check has teeth: a misspelled key fails it', () => {
    const file = path.join(ROOT, 'infra', `.compose-broken-${process.pid}.yaml`)
    fs.writeFileSync(file, read('compose.yaml').replace('cap_drop:', 'cap_dorp:'))
    try {
      const result = run(dockerCompose!, ['-f', file, 'config', '--quiet'])
      expect(result.status).not.toBe(0)
      expect(result.stderr).toContain('cap_dorp')
    } finally {
      fs.rmSync(file)
    }
  })

  it('builds this repository with infra/Dockerfile', () => {
    expect(service.build).toEqual({ context: '..', dockerfile: 'infra/Dockerfile' })
  })

  it('read-only root, tmpfs /tmp, data volume, no capabilities, no new privileges', () => {
    expect(service.read_only).toBe(true)
    expect(service.tmpfs).toEqual([expect.stringMatching(/^\/tmp(:|$)/)])
    expect(service.volumes).toEqual(['secretsentry-data:/data'])
    expect(compose.volumes).toHaveProperty('secretsentry-data')
    expect(service.cap_drop).toEqual(['ALL'])
    expect(service.security_opt).toContain('no-new-privileges:true')
    expect(service.restart).toBe('unless-stopped')
  })

  it('publishes the port on the loopback address only', () => {
    const ports = service.ports as string[]
    expect(ports.length).toBeGreaterThan(0)
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:8080$/)
  })

  it('has a health check and a stop grace above the app’s', () => {
    const health = service.healthcheck as { test: string[] }
    expect(health.test.slice(0, 3)).toEqual(['CMD', 'node', '-e'])
    expect(health.test[3]).toContain('/healthz')
    expect(seconds(service.stop_grace_period as string)).toBeGreaterThan(shutdownGraceSeconds())
  })
})

// The image build needs a Docker engine; this machine may only have the client.
const docker = requireTool('docker', 'docker.io')
const engine =
  docker !== undefined && run(docker, ['info', '--format', '{{.ServerVersion}}']).status === 0
if (docker && !engine)
  console.warn('SKIPPED: no Docker engine answers `docker info`; the image is not built here.')

describe.skipIf(!engine)('the image', () => {
  it(
    'builds, and runs with a read-only root filesystem until /healthz answers',
    { timeout: 900_000 },
    async () => {
      const tag = `secretsentry-infra-test:${process.pid}`
      const built = run(docker!, ['build', '-f', 'infra/Dockerfile', '-t', tag, '.'])
      expect(built.status, built.stderr).toBe(0)
      const port = await freePort()
      const started = run(docker!, [
        'run',
        '-d',
        '--rm',
        '--read-only',
        '--tmpfs',
        '/tmp',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '-p',
        `127.0.0.1:${port}:8080`,
        tag,
      ])
      expect(started.status, started.stderr).toBe(0)
      const container = started.stdout.trim()
      try {
        let status = 0
        for (let i = 0; i < 100 && status !== 200; i++) {
          status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.status,
            () => 0,
          )
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
        }
        expect(status).toBe(200)
      } finally {
        run(docker!, ['stop', container])
        run(docker!, ['rmi', tag])
      }
    },
  )
})
