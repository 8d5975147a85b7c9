/**
 * @module Runs one named command: its flags, its help and the exit code its errors map to. Kept
 * apart from cli.ts (which imports every command) so that an entry point that already knows the
 * command, such as the single executable's `serve`, loads that command's code alone.
 */
import { ConfigError, loadConfig } from '@secretsentry/server/config'
import { parseArgs, SETTING_FLAGS, UsageError } from './args.ts'
import type { Command } from './commands/command.ts'
import { CommandError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io } from './io.ts'
import { forTerminal } from './sanitize.ts'
import { PromptAborted } from './terminal.ts'

export function table(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows
    .map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd())
    .join('\n')
}

/** The settings flags with their environment variable and default, generated from the server's table. */
function settingsHelp(): string {
  const defaults = loadConfig({})
  return table(
    SETTING_FLAGS.map((f) => [
      `${f.flag} <value>`,
      `${f.help} [${f.env}; default ${f.defaultText ?? String(defaults[f.key])}]`,
    ]),
  )
}

export function commandHelp(command: Command): string {
  const parts = [`Usage: ${command.usage}`, '', ...command.description]
  if (command.examples.length > 0) {
    parts.push('', 'Example:', ...command.examples.map((line) => `  ${line}`))
  }
  if (command.spec.options) {
    parts.push(
      '',
      'Flags:',
      table(
        Object.entries(command.spec.options).map(([name, o]) => [
          `${o.short ? `-${o.short}, ` : ''}${o.value ? `${name} <value>` : name}`,
          o.help,
        ]),
      ),
    )
  }
  if (command.spec.settings) {
    parts.push(
      '',
      'Settings (a flag beats its environment variable, which beats the default):',
      settingsHelp(),
    )
  }
  return `${parts.join('\n')}\n`
}

/**
 * Every message goes through forTerminal: file names, server messages and arguments in them come
 * from others and must not carry escape sequences to the terminal (sanitize.ts).
 */
export function terminalIo(given: Io): Io {
  return { ...given, err: (text) => given.err(forTerminal(text)) }
}

/** Runs `command` with the arguments after its name; `io` has been through terminalIo. */
export async function runCommand(
  command: Command,
  rest: readonly string[],
  io: Io,
): Promise<number | 'running'> {
  try {
    const args = parseArgs(command.name, rest, command.spec)
    if (args.help) {
      io.out(commandHelp(command))
      return EXIT_OK
    }
    return await command.run(args, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(
        `secretsentry ${err.message}\nRun secretsentry ${command.name} --help for its flags.\n`,
      )
      return EXIT_USAGE
    }
    if (err instanceof CommandError) {
      io.err(`secretsentry ${command.name}: ${err.message}\n`)
      return err.exitCode
    }
    if (err instanceof PromptAborted) {
      io.err(`secretsentry ${command.name}: cancelled; nothing was sent\n`)
      return EXIT_FAILED
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`)
      return EXIT_FAILED
    }
    io.err(`secretsentry ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT_FAILED
  }
}
