/**
 * @module The terminal client and the browser speak the same protocol: a link made by the built
 * `secretsentry` CLI opens in Chromium, a link made in Chromium opens in the CLI; and a canary
 * typed into the CLI (share, passphrase, vault value, password) is nowhere in DATA_DIR or the logs.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { listFiles, scan, scanFiles } from './support/leak-scan.ts'
import { useCliBundle } from './support/cli-bundle.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { createViaUi, openLink, pressReveal, shareIdOfLink } from './support/ui.ts'

const cliBundle = useCliBundle()
const homes: string[] = []

afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true })
})

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'ss-e2e-cli-'))
  homes.push(home)
  return home
}

/** Runs the CLI with only the environment given (secrets by variable, never argv), stdin piped. */
function secretsentry(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cliBundle(), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  })
  if (input !== undefined) child.stdin?.end(input)
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })))
}

describe.skipIf(browserSkipReason !== null)('CLI ↔ Chromium', () => {
  const suite = useServerAndBrowsers(['browser'])

  it('a link the CLI made (with a passphrase) reveals in Chromium', async () => {
    const secret = `from the terminal ${randomUUID()}\nsecond line`
    const passphrase = `pass ${randomUUID()}`
    const made = await secretsentry(
      ['share', '--passphrase', '--server', suite.server.origin],
      { SECRETSENTRY_PASSPHRASE: passphrase, XDG_CONFIG_HOME: newHome() },
      secret,
    )
    expect(made.err).not.toContain(secret)
    expect(made.code).toBe(0)
    const page = await suite.browser.context.newPage()
    await openLink(page, made.out)
    expect(await pressReveal(page, passphrase)).toBe(secret)
  })

  it('a link made in Chromium opens in the CLI, exactly once', async () => {
    const secret = `from the browser ${randomUUID()}`
    const page = await suite.browser.context.newPage()
    const link = await createViaUi(page, suite.server.origin, { text: secret, maxViews: 1 })
    const env = { XDG_CONFIG_HOME: newHome() }
    const opened = await secretsentry(['open', link, '--yes'], env)
    expect(opened.code).toBe(0)
    expect(opened.out).toBe(secret)
    expect(shareIdOfLink(link)).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await secretsentry(['open', link, '--yes'], env)).code).toBe(3)
  })
})

/** A pass-through proxy in front of `target` that keeps every request body the CLI sends. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; bodies: Buffer[]; close(): void }> {
  const bodies: Buffer[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      bodies.push(body)
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host',
        ),
      )
      void fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body } : {}),
      }).then(
        async (answer) => {
          // fetch has already decoded the body: its length and encoding headers no longer apply.
          const kept = [...answer.headers].filter(
            ([name]) => name !== 'content-encoding' && name !== 'content-length',
          )
          res.writeHead(answer.status, Object.fromEntries(kept))
          res.end(Buffer.from(await answer.arrayBuffer()))
        },
        () => res.writeHead(502).end(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() }
}

describe('CLI canary', () => {
  const suite = useServerAndBrowsers([])
  const canary = {
    shared: `CANARY-CLI-SHARE-${randomUUID()}`,
    passphrase: `CANARY-CLI-PASSPHRASE-${randomUUID()}`,
    value: `CANARY-CLI-VALUE-${randomUUID()}`,
    password: `CANARY-CLI-PASSWORD-${randomUUID()}`,
    path: `/canary/${randomUUID().slice(0, 8)}/CANARY_NAME_${randomUUID().slice(0, 8)}`,
  }
  let home = ''
  let shareId = ''
  let proxy: Awaited<ReturnType<typeof recordingProxy>>

  afterAll(() => proxy?.close())

  beforeAll(async () => {
    home = newHome()
    proxy = await recordingProxy(suite.server.origin)
    const env = {
      SECRETSENTRY_SERVER: proxy.url,
      XDG_CONFIG_HOME: home,
      SECRETSENTRY_PASSWORD: canary.password,
    }
    const made = await secretsentry(
      ['share', '--passphrase', '--json'],
      { ...env, SECRETSENTRY_PASSPHRASE: canary.passphrase },
      canary.shared,
    )
    expect(made.code).toBe(0)
    shareId = (JSON.parse(made.out) as { id: string }).id
    expect((await secretsentry(['register', '--username', 'canary-user'], env)).code).toBe(0)
    expect(
      (await secretsentry(['set', canary.path, '--tag', 'canary'], env, canary.value)).code,
    ).toBe(0)
    const got = await secretsentry(['get', canary.path], env)
    expect(got.out).toBe(canary.value)
    const link = await secretsentry(['share', canary.path], env)
    expect(link.out.startsWith(`${proxy.url}/s#`)).toBe(true)
    expect(link.code).toBe(0)
    expect((await secretsentry(['open', link.out, '--yes'], env)).out).toBe(canary.value)
  })

  it('no file in DATA_DIR, no log, no request body and nothing in the config directory holds the shared text, the passphrase, the value, its path or the password', async () => {
    const serverFiles = [
      ...(await listFiles(suite.server.dataDir)),
      ...[suite.server.logFile, suite.server.outputFile].filter((f) => existsSync(f)),
    ]
    // Positive control: the scan sees what the server does store (the share's id, as bytes).
    const control = await scanFiles(serverFiles, { id: Buffer.from(shareId, 'base64url') })
    expect(control.length).toBeGreaterThan(0)
    expect(await scanFiles(serverFiles, canary)).toEqual([])
    // Every request body the CLI sent: ciphertext, ids and derived keys only.
    expect(proxy.bodies.length).toBeGreaterThan(10)
    const sent = proxy.bodies.flatMap((body, i) => scan(`request ${i}`, body, canary))
    expect(sent).toEqual([])
    expect(proxy.bodies.some((b) => b.includes(Buffer.from('"ciphertext"')))).toBe(true)
    const configFiles = await listFiles(home)
    expect(configFiles.length).toBeGreaterThan(0)
    expect(await scanFiles(configFiles, canary)).toEqual([])
  })
})
