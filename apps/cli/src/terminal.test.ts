/** @module Prompts without echo, the variables that stand in for them, and values written byte for byte. */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { memoryTerminal } from './test/memory-terminal.ts'
import { PromptAborted, readLine, secretInput, writeValue, type RawInput } from './terminal.ts'

/** A terminal input: what is "typed" is pushed in; raw mode switches are recorded. */
function fakeTty() {
  const input = new PassThrough() as PassThrough & RawInput
  const modes: boolean[] = []
  input.setRawMode = (mode: boolean) => modes.push(mode)
  const output = new PassThrough()
  let written = ''
  output.on('data', (d: Buffer) => (written += d.toString()))
  return { input, output, modes, written: () => written }
}

describe('readLine', () => {
  it('hidden: echoes nothing of what is typed, edits with backspace and Ctrl-U, leaves raw mode', async () => {
    const tty = fakeTty()
    const line = readLine(tty.input, tty.output, 'Password: ', true)
    tty.input.write('wrong\x15s3cr')
    tty.input.write('x\x7fét\r')
    expect(await line).toBe('s3crét')
    await new Promise((resolve) => setImmediate(resolve))
    expect(tty.written()).toBe('Password: \n')
    expect(tty.modes).toEqual([true, false])
  })

  it('visible: echoes what is typed, and ignores escape sequences', async () => {
    const tty = fakeTty()
    const line = readLine(tty.input, tty.output, 'Open it? [y/N] ', false)
    tty.input.write('\x1b[A')
    tty.input.write('y\n')
    expect(await line).toBe('y')
    await new Promise((resolve) => setImmediate(resolve))
    expect(tty.written()).toBe('Open it? [y/N] y\n')
  })

  it('Ctrl-C, or Ctrl-D on an empty line, aborts', async () => {
    for (const key of ['ab\x03', '\x04']) {
      const tty = fakeTty()
      const line = readLine(tty.input, tty.output, '? ', true)
      tty.input.write(key)
      await expect(line).rejects.toBeInstanceOf(PromptAborted)
      expect(tty.modes).toEqual([true, false])
    }
  })
})

describe('secretInput', () => {
  it('takes the named variable when set, without asking', async () => {
    const terminal = memoryTerminal({ answers: ['typed'] })
    const env = { SECRETSENTRY_PASSWORD: 'from-env' }
    expect(await secretInput(terminal, env, 'SECRETSENTRY_PASSWORD', 'Password: ')).toBe('from-env')
    expect(terminal.asked).toEqual([])
  })

  it('asks without echo otherwise, and gives undefined with no terminal to ask on', async () => {
    const terminal = memoryTerminal({ answers: ['typed'] })
    expect(await secretInput(terminal, { X: '' }, 'X', 'Passphrase: ')).toBe('typed')
    expect(terminal.asked).toEqual(['Passphrase: '])
    expect(await secretInput(memoryTerminal(), {}, 'X', 'Passphrase: ')).toBeUndefined()
  })
})

describe('writeValue', () => {
  const bytes = new Uint8Array([0x00, 0xff, 0x61, 0x0d])

  it('writes the bytes exactly when standard output is not a terminal', async () => {
    const terminal = memoryTerminal({ stdoutIsTTY: false })
    await writeValue(terminal, bytes)
    expect(terminal.stdout()).toEqual(bytes)
  })

  it('adds one newline for a person at a terminal, unless the value ends with one', async () => {
    const terminal = memoryTerminal({ stdoutIsTTY: true })
    await writeValue(terminal, bytes)
    expect(terminal.stdout()).toEqual(new Uint8Array([...bytes, 0x0a]))
    const ends = memoryTerminal({ stdoutIsTTY: true })
    await writeValue(ends, new Uint8Array([0x61, 0x0a]))
    expect(ends.stdout()).toEqual(new Uint8Array([0x61, 0x0a]))
  })
})
