/** @module `secretsentry admin grant|revoke|list [NAME]`: administrators, set on the server host itself. */
import { hostListAdmins, hostSetAdmin } from '@secretsentry/server/admin/host-admin'
import { resolveConfig, UsageError } from '../args.ts'
import { EXIT_FAILED, EXIT_OK } from '../io.ts'
import { forTerminal } from '../sanitize.ts'
import type { Command } from './command.ts'

export const admin: Command = {
  name: 'admin',
  summary: 'grant or revoke administrator rights, or list administrators (on the server host)',
  usage: 'secretsentry admin grant|revoke NAME | admin list [settings flags]',
  spec: { settings: true, positionals: ['ACTION', 'NAME'], optionalPositionals: 1 },
  examples: [
    'secretsentry admin grant alice --data-dir /var/lib/secretsentry',
    'DATABASE_URL=postgres://app@db/secrets secretsentry admin list',
  ],
  description: [
    'Makes the account NAME an administrator of this instance (or no longer one), working on',
    'the database directly like backup: run it on the server host, with the settings the server',
    'uses (DATA_DIR or DATABASE_URL). The account must exist: register it first. Safe while the',
    'server runs; every instance sees the change at once. The change is recorded in the admin',
    'audit as done by "server host". Accounts named in ADMIN_USERS are administrators without it.',
  ],
  async run(args, io) {
    const [action, name] = args.positionals as [string, string | undefined]
    const { config } = resolveConfig(args.settings, io.env)
    try {
      if (action === 'list') {
        if (name !== undefined) throw new UsageError('admin list: takes no NAME')
        const admins = await hostListAdmins(config, io.embedded?.sqliteAddon(config.dataDir))
        if (admins.length === 0)
          io.out('No administrators. Grant one: secretsentry admin grant NAME\n')
        for (const a of admins) {
          const why = {
            setting: 'ADMIN_USERS',
            granted: 'granted',
            disabled: 'disabled: no rights while disabled',
            'not registered':
              'ADMIN_USERS, not registered yet: whoever registers it first is an administrator',
          }[a.via]
          io.out(`${forTerminal(a.username)}  (${why})\n`)
        }
        return EXIT_OK
      }
      if (action !== 'grant' && action !== 'revoke')
        throw new UsageError(
          `admin: ACTION must be grant, revoke or list, got ${JSON.stringify(action)}`,
        )
      if (name === undefined) throw new UsageError(`admin ${action}: missing NAME`)
      const done = await hostSetAdmin(
        config,
        name,
        action === 'grant',
        io.embedded?.sqliteAddon(config.dataDir),
      )
      if (!done) {
        io.err(
          `secretsentry admin: no account is named ${JSON.stringify(forTerminal(name))}; register it first\n`,
        )
        return EXIT_FAILED
      }
      io.out(
        action === 'grant'
          ? `${forTerminal(name)} is an administrator\n`
          : `${forTerminal(name)} is no longer a granted administrator${config.adminUsers.includes(name.trim().toLowerCase()) ? ' (but ADMIN_USERS still names it)' : ''}\n`,
      )
      return EXIT_OK
    } catch (err) {
      if (err instanceof UsageError) throw err
      io.err(`secretsentry admin: ${err instanceof Error ? err.message : String(err)}\n`)
      return EXIT_FAILED
    }
  },
}
