/** @module The `secretsentry` command line: global flags, the subcommands, their help, and exit codes. */
import { login, logout, register } from './commands/account.ts'
import { admin } from './commands/admin.ts'
import { backup } from './commands/backup.ts'
import { checkConfig } from './commands/check-config.ts'
import type { Command } from './commands/command.ts'
import { migrateDataCommand } from './commands/migrate-data.ts'
import { alertEmail, webhook } from './commands/notify.ts'
import { serve } from './commands/serve.ts'
import { exportCommand, run } from './commands/run.ts'
import { deleteShare, open, share, status } from './commands/share.ts'
import { token } from './commands/token.ts'
import { VAULT_COMMANDS } from './commands/vault.ts'
import { verify } from './commands/verify.ts'
import { EXIT_OK, EXIT_USAGE, type Io } from './io.ts'
import { commandHelp, runCommand, table, terminalIo } from './run-command.ts'
import { isVersionFlag, printVersion, VERSION } from './version.ts'

export const COMMANDS: readonly Command[] = [
  share,
  open,
  status,
  deleteShare,
  register,
  login,
  logout,
  ...VAULT_COMMANDS,
  run,
  exportCommand,
  token,
  webhook,
  alertEmail,
  serve,
  backup,
  admin,
  migrateDataCommand,
  checkConfig,
  verify,
]

export const EXIT_CODES_HELP = `Exit codes:
  0  done
  1  failed (the message says what)
  2  wrong command line (an unknown flag, a missing value or argument)
  3  not found (a link used up, expired or deleted; an unknown secret)
  4  not authorised (not logged in or the session ended; a wrong password, passphrase or token)`

export function mainHelp(): string {
  return `secretsentry ${VERSION}: self-hosted, zero-knowledge secret sharing

Usage: secretsentry <command> [flags]

Commands:
${table(COMMANDS.map((c) => [c.name, c.summary]))}

Flags:
${table([
  ['-h, --help', 'show help (also after a command: secretsentry serve --help)'],
  ['-v, --version', 'print the version'],
])}

Environment (the client commands; secrets never go in arguments):
${table([
  ['SECRETSENTRY_SERVER', 'the server when --server is not given and nobody is logged in'],
  ['SECRETSENTRY_PASSWORD', 'the account password, instead of a prompt (register, login)'],
  ['SECRETSENTRY_PASSPHRASE', "a link's passphrase, instead of a prompt (share, open)"],
  ['SECRETSENTRY_TOKEN', 'a service token: get, set, run and export use it instead of the login'],
  ['XDG_CONFIG_HOME', 'where the session file lives (default ~/.config/secretsentry)'],
])}

${EXIT_CODES_HELP}
`
}

/** Runs one command line; resolves with the exit code, or 'running' while `serve` serves. */
export async function runCli(argv: readonly string[], given: Io): Promise<number | 'running'> {
  const io = terminalIo(given)
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const named = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined
    if (first === 'help' && rest[0] !== undefined && !named) {
      io.err(`secretsentry: unknown command ${JSON.stringify(rest[0])}\n${mainHelp()}`)
      return EXIT_USAGE
    }
    io.out(named ? commandHelp(named) : mainHelp())
    // A bare `secretsentry` did not say what to do: help, but not success.
    return first === undefined ? EXIT_USAGE : EXIT_OK
  }
  if (isVersionFlag(first)) return printVersion(io)
  const command = COMMANDS.find((c) => c.name === first)
  if (!command) {
    const what = first.startsWith('-') ? 'flag' : 'command'
    io.err(`secretsentry: unknown ${what} ${first}\nRun secretsentry --help for the commands.\n`)
    return EXIT_USAGE
  }
  return runCommand(command, rest, io)
}
