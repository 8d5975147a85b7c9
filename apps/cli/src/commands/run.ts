/**
 * @module `secretsentry run -- CMD ARGS…` and `secretsentry export --format dotenv|json|shell`:
 * a folder's secrets for an application, read with a service token (SECRETSENTRY_TOKEN or
 * --token-file) or the logged-in vault, decrypted here.
 *
 * Security promise: every check (the token, the folder, each name, duplicates) happens before
 * CMD starts or anything is written; values go only into CMD's environment or to standard output
 * (or the --output file, created 0600), never into argv, a log or a message.
 */
import path from 'node:path'
import tty from 'node:tty'
import { secretsToEnv } from '@secretsentry/client/env'
import { ClientError } from '@secretsentry/client/share'
import { UsageError } from '../args.ts'
import { writeFileAtomically } from '../atomic-file.ts'
import {
  FORMATS,
  formatVariables,
  UnrepresentableValue,
  type ExportFormat,
} from '../export-format.ts'
import { CommandError, EXIT_FAILED, EXIT_OK } from '../io.ts'
import { childEnvironment, CommandNotStarted, runChild } from '../run-child.ts'
import { folderSecrets, TOKEN_ENV, TOKEN_OPTIONS, type FolderSecret } from '../secrets-source.ts'
import type { Command } from './command.ts'

const SOURCE_OPTIONS = {
  '--path': {
    value: true,
    help: 'the folder, like /app/production (with a token: default its own folder; with a login: required)',
  },
  '--subfolders': {
    value: false,
    help: 'with a login: the secrets in folders below --path too (a token reads what it was made for)',
  },
  ...TOKEN_OPTIONS,
}

/** The variables for `secrets`, or a CommandError naming the paths at fault (exit 1). */
function variables(
  secrets: readonly FolderSecret[],
  forProcessEnv: boolean,
): Record<string, string> {
  try {
    return secretsToEnv(secrets, { forProcessEnv })
  } catch (err) {
    if (err instanceof ClientError && err.code === 'env_name') {
      throw new CommandError(err.message, EXIT_FAILED)
    }
    throw err
  }
}

/** Whether a terminal shares this process group (and so sends Ctrl-C to CMD itself). */
const onATerminal = (): boolean => tty.isatty(0) || tty.isatty(1) || tty.isatty(2)

export const run: Command = {
  name: 'run',
  summary: "start a command with a folder's secrets in its environment",
  usage:
    'secretsentry run [--path FOLDER] [--subfolders] [--token-file FILE] [--server URL] -- CMD [ARGS...]',
  examples: [
    'SECRETSENTRY_TOKEN="$(cat /run/secrets/app-token)" secretsentry run -- node server.js',
    'secretsentry run --path /app/staging -- ./migrate.sh   # logged in',
  ],
  spec: { options: SOURCE_OPTIONS, rest: 'CMD' },
  description: [
    `With a service token (${TOKEN_ENV}, or --token-file) CMD gets the secrets of the token's`,
    'folder (and the subfolders it was made for); logged in, those of --path. Each secret is a',
    'variable named as the secret (DB_PASSWORD); it wins over an inherited variable of that name.',
    'A name that is not a variable name, two secrets with one name (a folder and its subfolder),',
    'a refused token or a missing folder stops run before CMD starts (exit 1, 4 or 3), naming',
    'paths, never values. CMD does not inherit SECRETSENTRY_TOKEN, SECRETSENTRY_PASSWORD or',
    'SECRETSENTRY_PASSPHRASE. CMD runs without a shell (its arguments as given) and shares the',
    'terminal; SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are passed on to it, and SIGINT and SIGQUIT',
    "too unless a terminal is attached (which sends Ctrl-C to CMD itself). run exits with CMD's",
    'code, 128 + N when a signal N ended it, 127 when CMD is not found, 126 when it cannot start.',
  ],
  async run(args, io) {
    const [command, ...commandArgs] = args.rest as [string, ...string[]]
    const secrets = await folderSecrets('run', args, io)
    const env = childEnvironment(io.env, variables(secrets, true))
    try {
      return await runChild({ command, args: commandArgs, env, interactive: onATerminal() })
    } catch (err) {
      if (err instanceof CommandNotStarted) throw new CommandError(err.message, err.exitCode)
      throw err
    }
  },
}

export const exportCommand: Command = {
  name: 'export',
  summary: "print a folder's secrets as dotenv, JSON or shell exports",
  usage:
    'secretsentry export --format dotenv|json|shell [--path FOLDER] [--subfolders] [--output FILE] [--token-file FILE] [--server URL]',
  examples: [
    'secretsentry export --path /app/staging --format dotenv --output .env',
    'eval "$(secretsentry export --format shell)"   # with SECRETSENTRY_TOKEN set',
  ],
  spec: {
    options: {
      '--format': { value: true, help: 'dotenv, json or shell' },
      '--output': {
        value: true,
        short: 'o',
        help: 'write to this file instead (created with mode 0600, replaced whole)',
      },
      ...SOURCE_OPTIONS,
    },
  },
  description: [
    "The same secrets as run, one per variable, with the same checks. dotenv: NAME='value' (double",
    'quotes with \\n for a value holding a quote, and so on: the dotenv package reads each back',
    'exactly; a value no dotenv quoting can carry is an error, naming the variable). json: one',
    "object. shell: export NAME='value' lines for eval in sh or bash. Values go to standard",
    'output (or --output): keep them out of shared terminals, logs and version control.',
  ],
  async run(args, io) {
    const format = args.options.get('--format')
    if (typeof format !== 'string') {
      throw new UsageError('export: missing --format dotenv|json|shell')
    }
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(
        `export: --format must be dotenv, json or shell, got ${JSON.stringify(format)}`,
      )
    }
    const output = args.options.get('--output')
    const secrets = await folderSecrets('export', args, io)
    const env = variables(secrets, format !== 'json')
    let text: string
    try {
      text = formatVariables(env, format as ExportFormat)
    } catch (err) {
      if (err instanceof UnrepresentableValue) throw new CommandError(err.message, EXIT_FAILED)
      throw err
    }
    if (typeof output === 'string') {
      writeFileAtomically(path.resolve(io.terminal.cwd(), output), text, 0o600)
      io.err(`Wrote ${Object.keys(env).length} variables to ${output}.\n`)
    } else {
      await io.terminal.writeStdout(new TextEncoder().encode(text))
    }
    return EXIT_OK
  },
}
