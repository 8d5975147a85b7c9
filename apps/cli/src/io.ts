/** @module The process around a command: its output streams and environment, replaceable in tests. */

export interface Io {
  out(text: string): void
  err(text: string): void
  env: Readonly<Record<string, string | undefined>>
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
}

/** Exit codes: 0 done, 1 the work failed (bad setting, unreachable file, a difference found), 2 a wrong command line. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
