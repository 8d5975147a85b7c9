/**
 * @module At a real terminal (a pseudo-terminal from util-linux `script`): the passphrase prompt
 * echoes nothing, `open` asks before spending a view, and a wrong passphrase is asked again with
 * the attempts left. Skipped where `script` is missing.
 */
import { execFileSync, spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLive, type Live } from '../test/live.ts'
import { baseEnv, cleanUp } from '../test/support.ts'

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Runs `node BUNDLE ARGS` on a pseudo-terminal, answering each prompt when it appears. */
function atTerminal(
  bundle: string,
  args: string[],
  env: Record<string, string>,
  answers: [prompt: string, answer: string | null][],
): Promise<{ code: number | null; screen: string }> {
  const quoted = [process.execPath, bundle, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`)
  const child = spawn('script', ['-qfec', quoted.join(' '), '/dev/null'], {
    env: baseEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let screen = ''
  let from = 0
  const pending = [...answers]
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString()
    // Each prompt is looked for after the previous one; an answer of null only waits for it.
    for (let next = pending[0]; next; next = pending[0]) {
      const at = screen.indexOf(next[0], from)
      if (at === -1) break
      from = at + next[0].length
      pending.shift()
      if (next[1] !== null) child.stdin.write(`${next[1]}\r`)
    }
  })
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, screen })))
}

describe.skipIf(!hasScript())('at a terminal', () => {
  let live: Live
  beforeAll(async () => {
    live = await startLive()
  })
  afterAll(async () => {
    await live.stop()
    cleanUp()
  })

  it('asks for the passphrase without echo, asks before opening, and asks again after a wrong one', async () => {
    const passphrase = 'typed-PASSPHRASE-7c1e'
    const wrong = 'wrong-PASSPHRASE-93ab'
    const made = await live.ss(['share', '--passphrase'], {
      input: 'opened at a terminal',
      env: { SECRETSENTRY_PASSPHRASE: passphrase },
    })
    expect(made.code).toBe(0)
    const env = { SECRETSENTRY_SERVER: live.url, XDG_CONFIG_HOME: live.home() }
    const run = await atTerminal(live.bundle.file, ['open', made.out], env, [
      ['Passphrase: ', wrong],
      ['Open it now? [y/N] ', 'y'],
      ['attempts left', null],
      ['Passphrase: ', passphrase],
    ])
    expect(run.code).toBe(0)
    expect(run.screen).toContain('Opening this link consumes one of its views.')
    expect(run.screen).toContain('Wrong passphrase: 4 attempts left before the link is destroyed.')
    expect(run.screen).toContain('opened at a terminal')
    // Nothing typed at a hidden prompt reached the screen.
    expect(run.screen).not.toContain(wrong)
    expect(run.screen).not.toContain(passphrase)
  })

  it('answering no leaves the link unopened', async () => {
    const made = await live.ss(['share'], { input: 'still there' })
    const env = { SECRETSENTRY_SERVER: live.url, XDG_CONFIG_HOME: live.home() }
    const run = await atTerminal(live.bundle.file, ['open', made.out], env, [
      ['Open it now? [y/N] ', 'n'],
    ])
    expect(run.code).toBe(1)
    expect(run.screen).toContain('not opened; the link is unchanged')
    expect((await live.ss(['open', made.out, '--yes'])).out).toBe('still there')
  })
})
