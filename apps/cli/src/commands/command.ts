/** @module The shape every subcommand has: its name, help text, flags and what it does. */
import type { FlagSpec, ParsedArgs } from '../args.ts'
import type { Io } from '../io.ts'

export interface Command {
  name: string
  /** One line for the command list. */
  summary: string
  usage: string
  /** Paragraph lines for `secretsentry <command> --help`. */
  description: readonly string[]
  /** Command lines to copy, shown under `Example:` in its help. */
  examples: readonly string[]
  spec: FlagSpec
  /**
   * Resolves with the exit code, or 'running' when it left a server running (which its signal
   * handlers end); throws UsageError (exit 2) or ConfigError (exit 1).
   */
  run(args: ParsedArgs, io: Io): Promise<number | 'running'>
}
