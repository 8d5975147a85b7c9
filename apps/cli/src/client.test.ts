/** @module Which server, and the warning when it is plain http beyond this machine. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './cli.ts'
import { resolveServer, warnIfPlainHttp } from './client.ts'
import type { Io } from './io.ts'
import { memoryTerminal } from './test/memory-terminal.ts'

function memoryIo(env: Record<string, string> = {}) {
  let err = ''
  const io: Io = { out: () => {}, err: (t) => void (err += t), env, terminal: memoryTerminal() }
  return { io, err: () => err }
}

describe('plain http', () => {
  it.each(['http://secrets.example.org', 'http://10.0.0.5:3000', 'http://127.example.org'])(
    '%s is warned about on standard error',
    (server) => {
      const m = memoryIo()
      warnIfPlainHttp(m.io, server)
      expect(m.err()).toBe(
        `Warning: ${server} is plain http: tokens and ciphertext cross the network unencrypted and can be read or changed on the way; use https.\n`,
      )
    },
  )

  it.each([
    'https://secrets.example.org',
    'http://localhost:3000',
    'http://127.0.0.1:9',
    'http://[::1]:80',
  ])('%s is not (https, or loopback that never crosses a network)', (server) => {
    const m = memoryIo()
    warnIfPlainHttp(m.io, server)
    expect(m.err()).toBe('')
  })

  it('every way of naming the server warns: --server and SECRETSENTRY_SERVER', () => {
    const flag = memoryIo()
    expect(resolveServer('share', 'http://secrets.example.org/', flag.io)).toBe(
      'http://secrets.example.org',
    )
    expect(flag.err()).toContain('Warning: http://secrets.example.org is plain http')
    const env = memoryIo({ SECRETSENTRY_SERVER: 'HTTP://Secrets.Example.org' })
    expect(resolveServer('share', undefined, env.io)).toBe('http://secrets.example.org')
    expect(env.err()).toContain('is plain http')
  })
})

describe('redirects', () => {
  const servers: http.Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
  })
  async function listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler)
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('are not followed: the body (ciphertext, an authKey) never goes where Location says', async () => {
    const received: string[] = []
    const elsewhere = await listen((req, res) => {
      received.push(`${req.method} ${req.url}`)
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}')
    })
    const server = await listen((req, res) => {
      res.writeHead(307, { location: `${elsewhere}${req.url}` }).end()
    })
    let err = ''
    const io: Io = {
      out: () => {},
      err: (t) => void (err += t),
      env: {},
      terminal: memoryTerminal({ stdin: 'the secret' }),
    }
    const code = await runCli(['share', '--server', server], io)
    expect(received).toEqual([])
    expect(code).toBe(1)
    expect(err).toBe(
      `secretsentry share: ${server} answered with a redirect (307), which is not followed: requests carry tokens and keys. Give the address it redirects to (https://…) as --server or SECRETSENTRY_SERVER\n`,
    )
  })
})
