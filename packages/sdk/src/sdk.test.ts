/**
 * @module The SDK as published: built with build.mjs into a temporary directory, laid out in an
 * application's node_modules as npm would install it, and used from plain `.mjs` and `.cjs`
 * programs against a real server; loadSecrets from source for its error cases.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '@secretsentry/server/config'
import { startServer, type RunningServer } from '@secretsentry/server/server'
import { createVaultClient, type FetchLike, type VaultSession } from '@secretsentry/client/vault'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSecrets, SecretSentryError } from './index.ts'

const SDK_DIR = path.resolve(import.meta.dirname, '..')
const nodeFetch: FetchLike = (url, init) => fetch(url, init)

let root = ''
let server: RunningServer
let vault: VaultSession
let token = ''
let appDir = ''

function run(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [file], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })))
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-sdk-'))
  // The package as npm installs it: package.json and the files it lists, nothing else.
  const installed = path.join(root, 'app', 'node_modules', '@secretsentry', 'sdk')
  execFileSync(process.execPath, [path.join(SDK_DIR, 'build.mjs'), path.join(installed, 'dist')], {
    stdio: 'pipe',
  })
  const pkg = JSON.parse(fs.readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')) as {
    files: string[]
  }
  fs.copyFileSync(path.join(SDK_DIR, 'package.json'), path.join(installed, 'package.json'))
  fs.copyFileSync(path.join(SDK_DIR, 'README.md'), path.join(installed, 'README.md'))
  for (const f of fs.readdirSync(path.join(installed, 'dist'))) {
    if (!pkg.files.includes(`dist/${f}`)) fs.rmSync(path.join(installed, 'dist', f))
  }
  appDir = path.join(root, 'app')

  server = await startServer(
    loadConfig({
      DATA_DIR: path.join(root, 'data'),
      PORT: '0',
      RATE_LIMIT_PER_MIN: '0',
      LOG_FILE: path.join(root, 'server.log'),
    }),
    { announce: () => {} },
  )
  await server.ready
  const client = createVaultClient({ origin: server.url, fetch: nodeFetch, session: 'bearer' })
  vault = await client.register('sdk-owner', 'correct horse battery staple')
  await vault.mkdir('/app/production/cache')
  await vault.mkdir('/app/staging')
  const put = (folder: string, name: string, value: string) =>
    vault.create({ meta: { name, path: '', description: '', tags: [] }, value, folder })
  await put('/app/production', 'DB_PASSWORD', 'prod-db-password ✓')
  await put('/app/production', 'API_KEY', `it's "q"\nline 2`)
  await put('/app/production/cache', 'REDIS_URL', 'redis://cache')
  await put('/app/staging', 'DB_PASSWORD', 'staging-db-password')
  token = (await vault.createToken({ path: '/app/production', name: 'sdk-app' })).text
}, 120_000)

afterAll(async () => {
  vault?.lock()
  await server?.stop('test')
  fs.rmSync(root, { recursive: true, force: true })
})

describe('the built package', () => {
  it('is publishable: not private, no runtime dependencies, import and require entry points with types', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >
    expect(pkg.private).toBeUndefined()
    expect(pkg.dependencies).toBeUndefined()
    expect(pkg.exports).toEqual({
      '.': { types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.cjs' },
      './package.json': './package.json',
    })
  })

  it('ships index.js, index.cjs and a self-contained index.d.ts, and no workspace import', () => {
    const dist = path.join(appDir, 'node_modules/@secretsentry/sdk/dist')
    expect(fs.readdirSync(dist).sort()).toEqual(['index.cjs', 'index.d.ts', 'index.js'])
    const dts = fs.readFileSync(path.join(dist, 'index.d.ts'), 'utf8')
    expect(dts).toContain('export declare function loadSecrets')
    expect(dts).toContain('export declare class SecretSentryError')
    expect(dts).not.toMatch(/from ['"]/)
    for (const f of ['index.js', 'index.cjs']) {
      const code = fs.readFileSync(path.join(dist, f), 'utf8')
      expect(code).not.toMatch(/(from|require\()\s*['"]@secretsentry\//)
    }
  })

  it('a plain ESM app reads its database password at start (the README example)', async () => {
    fs.writeFileSync(
      path.join(appDir, 'server.mjs'),
      `import { loadSecrets } from '@secretsentry/sdk'
const secrets = await loadSecrets({
  token: process.env.SECRETSENTRY_TOKEN,
  server: process.env.SERVER,
  path: '/app/production',
})
delete process.env.SECRETSENTRY_TOKEN
process.stdout.write(JSON.stringify({ secrets, proto: Object.getPrototypeOf(secrets) === Object.prototype }))
`,
    )
    const r = await run('server.mjs', { SECRETSENTRY_TOKEN: token, SERVER: server.url })
    expect(r.code, r.err).toBe(0)
    expect(JSON.parse(r.out)).toEqual({
      secrets: { API_KEY: `it's "q"\nline 2`, DB_PASSWORD: 'prod-db-password ✓' },
      proto: true,
    })
  })

  it('a CommonJS app with require() gets the same, and SecretSentryError for a revoked token', async () => {
    fs.writeFileSync(
      path.join(appDir, 'worker.cjs'),
      `const { loadSecrets, SecretSentryError } = require('@secretsentry/sdk')
loadSecrets({ token: process.env.SECRETSENTRY_TOKEN, server: process.env.SERVER }).then(
  (s) => process.stdout.write(Object.keys(s).join(',')),
  (e) => { process.stdout.write(e instanceof SecretSentryError ? e.code : 'other'); process.stderr.write(e.message) },
)
`,
    )
    const r = await run('worker.cjs', { SECRETSENTRY_TOKEN: token, SERVER: server.url })
    expect(r.code, r.err).toBe(0)
    expect(r.out).toBe('API_KEY,DB_PASSWORD')
    const other = await vault.createToken({ path: '/app/staging', name: 'revoked-app' })
    await vault.revokeToken('revoked-app')
    const refused = await run('worker.cjs', { SECRETSENTRY_TOKEN: other.text, SERVER: server.url })
    expect(refused.out).toBe('token_revoked')
    expect(refused.err).not.toContain(other.text)
  })
})

describe('loadSecrets', () => {
  it('refuses missing options before any request', async () => {
    for (const bad of [
      { token: '', server: server.url },
      { token, server: '' },
      { token, server: server.url, path: 3 as unknown as string },
    ]) {
      await expect(loadSecrets(bad)).rejects.toMatchObject({ code: 'bad_input' })
    }
  })

  it('a text that is not a token is bad_token, and the message does not echo it', async () => {
    const err = await loadSecrets({ token: 'sst_not-really-a-token', server: server.url }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(SecretSentryError)
    expect((err as SecretSentryError).code).toBe('bad_token')
    expect((err as SecretSentryError).message).not.toContain('not-really')
  })

  it('the token reads nothing outside its folder', async () => {
    await expect(
      loadSecrets({ token, server: server.url, path: '/app/staging' }),
    ).rejects.toBeInstanceOf(SecretSentryError)
  })

  it("the same name rule as run: a folder and its subfolder's secret with one name are refused", async () => {
    const all = await vault.createToken({
      path: '/app',
      name: 'whole-app',
      includeSubfolders: true,
    })
    const err = (await loadSecrets({ token: all.text, server: server.url }).catch(
      (e: unknown) => e,
    )) as SecretSentryError
    expect(err.code).toBe('env_name')
    expect(err.message).toContain('"/app/production/DB_PASSWORD" and "/app/staging/DB_PASSWORD"')
    expect(err.message).not.toContain('password ✓')
    const cache = await loadSecrets({
      token: all.text,
      server: server.url,
      path: '/app/production/cache',
    })
    expect(cache).toEqual({ REDIS_URL: 'redis://cache' })
  })
})
