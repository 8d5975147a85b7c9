/** @module run-child: CMD's environment, its exit status as a shell gives it, and signals passed on (or, from a terminal, not twice). */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { childEnvironment, signalExitCode } from './run-child.ts'

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const FIXTURE = path.join(import.meta.dirname, 'test', 'run-child-fixture.ts')
const started: { kill(signal?: NodeJS.Signals): boolean; exitCode: number | null }[] = []

afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
})

/** A child program (node -e) that reports each signal it gets on stdout and ends on `until`. */
function signalReporter(until: string): string {
  return `
    for (const s of ['SIGINT','SIGTERM','SIGHUP','SIGQUIT','SIGUSR1','SIGUSR2'])
      process.on(s, () => { process.stdout.write(s + '\\n'); if (s === ${JSON.stringify(until)}) process.exit(42) })
    process.stdout.write('ready\\n')
    setInterval(() => {}, 1000)`
}

/** Starts the fixture (runChild in its own process) running `node -e script`. */
function wrapper(
  script: string,
  extra: { interactive?: boolean; env?: Record<string, string> } = {},
) {
  const options = {
    command: process.execPath,
    args: ['-e', script],
    env: extra.env ?? { PATH: process.env.PATH ?? '' },
    interactive: extra.interactive ?? false,
  }
  const proc = spawn(process.execPath, ['--import', tsx, FIXTURE, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  })
  started.push(proc)
  let out = ''
  let err = ''
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | string | null>((resolve) =>
    proc.once('close', (code, signal) => resolve(code ?? signal)),
  )
  const until = async (test: () => boolean): Promise<void> => {
    while (!test()) {
      if (proc.exitCode !== null) throw new Error(`ended early: ${err}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return { proc, exited, out: () => out, err: () => err, until }
}

describe('childEnvironment', () => {
  it("drops this CLI's credential variables and lets a secret win over an inherited variable", () => {
    const env = childEnvironment(
      {
        PATH: '/bin',
        HOME: '/home/x',
        SECRETSENTRY_TOKEN: 'sst_x',
        SECRETSENTRY_PASSWORD: 'pw',
        SECRETSENTRY_PASSPHRASE: 'pp',
        SECRETSENTRY_SERVER: 'https://s',
        DB_URL: 'inherited',
        UNSET: undefined,
      },
      { DB_URL: 'from the vault', API_KEY: 'k' },
    )
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/x',
      SECRETSENTRY_SERVER: 'https://s',
      DB_URL: 'from the vault',
      API_KEY: 'k',
    })
  })
})

describe('runChild', () => {
  it('gives CMD exactly the environment given, and ends with its exit code', async () => {
    const w = wrapper('process.stdout.write(JSON.stringify(process.env)); process.exit(7)', {
      env: { ONLY: 'this', 'WITH SPACE': 'ok', MULTI: 'a\nb' },
    })
    expect(await w.exited).toBe(7)
    expect(JSON.parse(w.out())).toEqual({ ONLY: 'this', 'WITH SPACE': 'ok', MULTI: 'a\nb' })
    expect(w.err()).toMatch(/^started \d+\n$/)
  })

  it('a CMD killed by a signal ends it with 128 + the number, as in a shell', async () => {
    expect(signalExitCode('SIGKILL')).toBe(137)
    expect(signalExitCode('SIGTERM')).toBe(143)
    const w = wrapper("process.kill(process.pid, 'SIGKILL')")
    expect(await w.exited).toBe(137)
  })

  it('passes SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT and SIGINT on, staying alive until CMD ends', async () => {
    const w = wrapper(signalReporter('SIGINT'))
    await w.until(() => w.out().includes('ready'))
    const order = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT', 'SIGINT'] as const
    for (const signal of order) {
      w.proc.kill(signal)
      await w.until(() => w.out().includes(signal))
    }
    expect(await w.exited).toBe(42)
    expect(w.out()).toBe(`ready\n${order.join('\n')}\n`)
  })

  it('from a terminal, Ctrl-C and Ctrl-\\ reach CMD from the terminal alone: not passed on twice, and they do not end run', async () => {
    const w = wrapper(signalReporter('SIGTERM'), { interactive: true })
    await w.until(() => w.out().includes('ready'))
    w.proc.kill('SIGINT')
    w.proc.kill('SIGQUIT')
    await new Promise((r) => setTimeout(r, 300))
    expect(w.proc.exitCode).toBeNull()
    w.proc.kill('SIGTERM')
    expect(await w.exited).toBe(42)
    expect(w.out()).toBe('ready\nSIGTERM\n')
  })

  it('a CMD that does not exist is 127 with a message, as in a shell', async () => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        tsx,
        FIXTURE,
        JSON.stringify({
          command: 'no-such-command-x9',
          args: [],
          env: { PATH: '/nonexistent' },
          interactive: false,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let err = ''
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise((resolve) => proc.once('close', resolve))
    expect(code).toBe(127)
    expect(err).toBe('no-such-command-x9: command not found\n')
  })
})
