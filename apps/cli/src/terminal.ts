/**
 * @module The terminal side of the client commands: values in and out byte for byte, prompts
 * without echo, and the environment variables that stand in for a prompt when there is no
 * terminal. Security promise: a secret is read from standard input, a prompt or one named
 * variable, never from argv, and this module writes it nowhere but standard output.
 */
import fs from 'node:fs'
import tty from 'node:tty'

/** What a client command needs of its process; tests pass their own. */
export interface Terminal {
  stdinIsTTY: boolean
  stdoutIsTTY: boolean
  /** All of standard input, as bytes (binary safe). */
  readStdin(): Promise<Uint8Array>
  /** Bytes to standard output, exactly as given. */
  writeStdout(bytes: Uint8Array): Promise<void>
  /**
   * Asks on the terminal and reads one line, without echo when `hidden`. Resolves undefined when
   * there is no terminal to ask on (not a TTY on stdin, and no /dev/tty).
   */
  ask(question: string, options: { hidden: boolean }): Promise<string | undefined>
  cwd(): string
}

/** Ctrl-C or Ctrl-D at a prompt: the command stops, nothing was sent. */
export class PromptAborted extends Error {
  override readonly name = 'PromptAborted'
  constructor() {
    super('cancelled at the prompt')
  }
}

/** A terminal input that can be switched to raw mode (process.stdin on a TTY, or a tty.ReadStream). */
export interface RawInput extends NodeJS.ReadableStream {
  setRawMode(mode: boolean): unknown
}

/**
 * Reads one line from `input` in raw mode, so the terminal echoes nothing: with `hidden`, what
 * is typed is never written anywhere (not even as asterisks, which would give its length away).
 * Backspace and Ctrl-U edit; Enter ends; Ctrl-C, or Ctrl-D on an empty line, abort.
 */
export function readLine(
  input: RawInput,
  output: NodeJS.WritableStream,
  question: string,
  hidden: boolean,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let chars: string[] = []
    const finish = (error?: Error) => {
      input.removeListener('data', onData)
      input.setRawMode(false)
      input.pause()
      output.write('\n')
      if (error) reject(error)
      else resolve(chars.join(''))
    }
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8')
      // An escape sequence (arrow keys and the like) is not part of a password.
      if (text.startsWith('\x1b')) return
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return finish()
        if (ch === '\x03') return finish(new PromptAborted())
        if (ch === '\x04') {
          if (chars.length === 0) return finish(new PromptAborted())
          continue
        }
        if (ch === '\x7f' || ch === '\b') {
          const removed = chars.pop()
          if (!hidden && removed !== undefined) output.write('\b \b')
          continue
        }
        if (ch === '\x15') {
          if (!hidden) output.write('\b \b'.repeat(chars.length))
          chars = []
          continue
        }
        if (ch < ' ') continue
        chars.push(ch)
        if (!hidden) output.write(ch)
      }
    }
    // Raw mode before the question: whatever is typed once it shows is never echoed.
    input.setRawMode(true)
    input.on('data', onData)
    input.resume()
    output.write(question)
  })
}

function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer | string) =>
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    )
    stream.once('end', () => resolve(new Uint8Array(Buffer.concat(chunks))))
    stream.once('error', reject)
  })
}

/** The real process: stdin/stdout, and /dev/tty for prompts when stdin carries the secret. */
export const processTerminal: Terminal = {
  // isatty on the descriptors: touching process.stdin would open a stream for every command.
  stdinIsTTY: tty.isatty(0),
  stdoutIsTTY: tty.isatty(1),
  readStdin: () => readAll(process.stdin),
  writeStdout: (bytes) =>
    new Promise((resolve, reject) =>
      process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())),
    ),
  async ask(question, { hidden }) {
    if (tty.isatty(0)) {
      return readLine(process.stdin as tty.ReadStream, process.stderr, question, hidden)
    }
    // Standard input is a pipe (the secret itself, say): ask on the controlling terminal.
    let fd: number
    try {
      fd = fs.openSync('/dev/tty', 'r+')
    } catch {
      return undefined
    }
    const input = new tty.ReadStream(fd)
    const output = new tty.WriteStream(fd)
    try {
      return await readLine(input, output, question, hidden)
    } finally {
      input.destroy()
    }
  },
  cwd: () => process.cwd(),
}

/**
 * A secret the user types: the variable `envName` when it is set (scripts, CI), else a prompt
 * without echo; with neither, a UsageError-style message naming both. The variable is read here
 * and never passed on: child processes get no environment from this command.
 */
export async function secretInput(
  terminal: Terminal,
  env: Readonly<Record<string, string | undefined>>,
  envName: string,
  question: string,
): Promise<string | undefined> {
  const fromEnv = env[envName]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  return terminal.ask(question, { hidden: true })
}

/** Writes a value to standard output: exactly its bytes, plus a newline only for a person at a terminal. */
export async function writeValue(terminal: Terminal, bytes: Uint8Array): Promise<void> {
  await terminal.writeStdout(bytes)
  if (terminal.stdoutIsTTY && bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
    await terminal.writeStdout(new Uint8Array([0x0a]))
  }
}
