/**
 * @module The entry points' first step: a command line that names a command loads that command's
 * module alone. The bundles evaluate a module only once something imports it, so `serve` does
 * not evaluate the client, its crypto and the vault, and `run` does not evaluate the server
 * (each shaves start-up: infra/sea/README.md, Figures); `--version` loads nothing. Help and
 * unknown commands go to cli.ts, which knows every command.
 */
import type { Command } from './commands/command.ts'
import type { Io } from './io.ts'
import { runCommand, terminalIo } from './run-command.ts'
import { isVersionFlag, printVersion } from './version.ts'

type Loader = () => Promise<Command>

const vault =
  (name: string): Loader =>
  async () => {
    const { VAULT_COMMANDS } = await import('./commands/vault.ts')
    const command = VAULT_COMMANDS.find((c) => c.name === name)
    if (!command) throw new Error(`no vault command ${name}`)
    return command
  }

/** Every command by name; cli.test.ts checks that it matches cli.ts's COMMANDS one for one. */
export const COMMAND_LOADERS: Readonly<Record<string, Loader>> = {
  share: async () => (await import('./commands/share.ts')).share,
  open: async () => (await import('./commands/share.ts')).open,
  status: async () => (await import('./commands/share.ts')).status,
  delete: async () => (await import('./commands/share.ts')).deleteShare,
  register: async () => (await import('./commands/account.ts')).register,
  login: async () => (await import('./commands/account.ts')).login,
  logout: async () => (await import('./commands/account.ts')).logout,
  ls: vault('ls'),
  get: vault('get'),
  set: vault('set'),
  rm: vault('rm'),
  restore: vault('restore'),
  promote: vault('promote'),
  history: vault('history'),
  mkdir: vault('mkdir'),
  mv: vault('mv'),
  rmdir: vault('rmdir'),
  run: async () => (await import('./commands/run.ts')).run,
  export: async () => (await import('./commands/run.ts')).exportCommand,
  token: async () => (await import('./commands/token.ts')).token,
  webhook: async () => (await import('./commands/notify.ts')).webhook,
  'alert-email': async () => (await import('./commands/notify.ts')).alertEmail,
  serve: async () => (await import('./commands/serve.ts')).serve,
  backup: async () => (await import('./commands/backup.ts')).backup,
  admin: async () => (await import('./commands/admin.ts')).admin,
  'migrate-data': async () => (await import('./commands/migrate-data.ts')).migrateDataCommand,
  'check-config': async () => (await import('./commands/check-config.ts')).checkConfig,
  verify: async () => (await import('./commands/verify.ts')).verify,
}

/** Runs one command line as runCli does, loading only what it needs. */
export async function runArgv(argv: readonly string[], io: Io): Promise<number | 'running'> {
  const [first, ...rest] = argv
  if (isVersionFlag(first)) return printVersion(io)
  const load =
    first !== undefined && Object.hasOwn(COMMAND_LOADERS, first)
      ? COMMAND_LOADERS[first]
      : undefined
  if (load) return runCommand(await load(), rest, terminalIo(io))
  const { runCli } = await import('./cli.ts')
  return runCli(argv, io)
}
