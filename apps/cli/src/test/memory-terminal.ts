/** @module A Terminal in memory for tests: given stdin bytes and prompt answers, it records what was written and asked. */
import type { Terminal } from '../terminal.ts'

export interface MemoryTerminal extends Terminal {
  /** Everything written to standard output. */
  stdout(): Uint8Array
  /** The questions asked, in order. */
  asked: string[]
}

export function memoryTerminal(
  options: {
    stdin?: Uint8Array | string
    answers?: string[]
    stdinIsTTY?: boolean
    stdoutIsTTY?: boolean
    cwd?: string
  } = {},
): MemoryTerminal {
  const chunks: Uint8Array[] = []
  const answers = [...(options.answers ?? [])]
  const asked: string[] = []
  const stdin =
    typeof options.stdin === 'string'
      ? new TextEncoder().encode(options.stdin)
      : (options.stdin ?? new Uint8Array())
  return {
    stdinIsTTY: options.stdinIsTTY ?? false,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    readStdin: async () => stdin,
    writeStdout: async (bytes) => void chunks.push(Uint8Array.from(bytes)),
    async ask(question) {
      asked.push(question)
      return answers.shift()
    },
    cwd: () => options.cwd ?? process.cwd(),
    stdout: () => new Uint8Array(Buffer.concat(chunks)),
    asked,
  }
}
