/**
 * @module `secretsentry run -- CMD ARGS…`: starts CMD with an environment, passes signals on to it
 * and ends as it ended, as a shell would (its exit code, or 128 + the signal's number).
 *
 * Security promise: the values reach CMD only through its environment (never its arguments,
 * never a shell: CMD and ARGS go to execve as given), and the variables that carry this CLI's own
 * credentials (CREDENTIAL_VARIABLES) are removed from what CMD inherits.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

/** This CLI's credentials: a service token, the account password, a link's passphrase. */
export const CREDENTIAL_VARIABLES = [
  'SECRETSENTRY_TOKEN',
  'SECRETSENTRY_PASSWORD',
  'SECRETSENTRY_PASSPHRASE',
] as const

/** Signals passed on to CMD while it runs. */
export const FORWARDED_SIGNALS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
] as const satisfies readonly NodeJS.Signals[]

/**
 * The keyboard's signals. A terminal sends Ctrl-C (SIGINT) and Ctrl-\ (SIGQUIT) to its whole
 * foreground process group, CMD included, so passing them on as well would deliver each twice
 * (and many programs take a second Ctrl-C as "stop now, skip the clean shutdown").
 */
const KEYBOARD_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGQUIT'])

/**
 * CMD's environment: `inherited` without the credential variables, then `secrets` over it (a
 * secret wins over an inherited variable of its name, a secret named like a credential
 * variable included: the owner stored it for CMD).
 */
export function childEnvironment(
  inherited: Readonly<Record<string, string | undefined>>,
  secrets: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {}
  const dropped = new Set<string>(CREDENTIAL_VARIABLES)
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && !dropped.has(name)) env[name] = value
  }
  for (const [name, value] of Object.entries(secrets)) env[name] = value
  return env
}

export interface ChildOptions {
  command: string
  args: readonly string[]
  env: Record<string, string>
  /**
   * A terminal shares CMD's process group (stdin, stdout or stderr is one): SIGINT and SIGQUIT
   * come to CMD from the terminal itself and are not passed on.
   */
  interactive: boolean
  /** Called once CMD has started (its pid): for tests and the start-up figure. */
  onStarted?: (pid: number) => void
}

/** What the CLI says when CMD could not be started at all; the exit codes are a shell's. */
export class CommandNotStarted extends Error {
  override readonly name = 'CommandNotStarted'
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message)
  }
}

/** A shell's exit status for a process that ended by `signal`: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal]
  return 128 + (n ?? 0)
}

/**
 * Runs CMD to its end with standard input, output and error shared, and resolves with the
 * shell's exit status for it. While it runs, this process does not die of the forwarded signals
 * (it has handlers for them), it passes each on and waits for CMD to decide.
 */
export function runChild(options: ChildOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, [...options.args], {
      env: options.env,
      stdio: 'inherit',
      shell: false,
    })
    const handlers = new Map<NodeJS.Signals, () => void>()
    const forwarded = FORWARDED_SIGNALS.filter(
      (s) => !(options.interactive && KEYBOARD_SIGNALS.has(s)),
    )
    for (const signal of FORWARDED_SIGNALS) {
      const pass = forwarded.includes(signal)
      // A keyboard signal on a terminal is already on its way to CMD: only keep it from
      // killing this process before CMD has ended.
      const handler = (): void => {
        if (pass && child.exitCode === null && child.signalCode === null) child.kill(signal)
      }
      handlers.set(signal, handler)
      process.on(signal, handler)
    }
    const done = (): void => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler)
    }
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onStarted?.(child.pid)
    })
    child.once('error', (err: NodeJS.ErrnoException) => {
      done()
      // spawn's own failures (no such file, not executable); CMD never ran.
      if (err.code === 'ENOENT') {
        reject(new CommandNotStarted(`${options.command}: command not found`, 127))
      } else if (err.code === 'EACCES') {
        reject(new CommandNotStarted(`${options.command}: permission denied`, 126))
      } else {
        reject(
          new CommandNotStarted(
            `${options.command}: cannot start it (${err.code ?? err.message})`,
            126,
          ),
        )
      }
    })
    child.once('exit', (code, signal) => {
      done()
      resolve(signal !== null ? signalExitCode(signal) : (code ?? 1))
    })
  })
}
