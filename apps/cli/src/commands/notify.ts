/**
 * @module `webhook` and `alert-email`: the logged-in account's notification channels (issue 12).
 * Needs only the session's bearer token, not the vault's keys.
 */
import type { ChannelStatus, ChannelTestResponse } from '@secretsentry/contract/types'
import { notificationsClient, type NotificationsClient } from '@secretsentry/client/notifications'
import { UsageError, type ParsedArgs } from '../args.ts'
import { clientCall, nodeFetch, warnIfPlainHttp } from '../client.ts'
import { CommandError, EXIT_FAILED, EXIT_NOT_AUTHORISED, EXIT_OK, type Io } from '../io.ts'
import { forTerminal } from '../sanitize.ts'
import { configDir, readSession } from '../session-file.ts'
import type { Command } from './command.ts'

async function withClient<T>(io: Io, work: (c: NotificationsClient) => Promise<T>): Promise<T> {
  const data = readSession(configDir(io.env))
  if (!data) throw new CommandError('not logged in: run secretsentry login', EXIT_NOT_AUTHORISED)
  warnIfPlainHttp(io, data.server)
  const client = notificationsClient({ origin: data.server, fetch: nodeFetch }, () => ({
    authorization: `Bearer ${data.token}`,
  }))
  return clientCall(() => work(client), data.server)
}

function describeChannel(label: string, s: ChannelStatus | null): string {
  if (!s) return `${label}: none\n`
  const lines = [
    `${label}: ${forTerminal(s.target)}`,
    `  last delivered: ${s.lastSuccessAt ?? 'never'}`,
    `  last failure:   ${s.lastFailureAt ? `${s.lastFailureAt} (${forTerminal(s.lastError ?? '')})` : 'none'}`,
    `  failures in a row: ${s.consecutiveFailures}, waiting: ${s.pending}`,
  ]
  return `${lines.join('\n')}\n`
}

function reportTest(io: Io, what: string, r: ChannelTestResponse): number {
  if (r.delivered) {
    io.err(`Test notification delivered to the ${what}${r.status ? ` (${r.status})` : ''}.\n`)
    return EXIT_OK
  }
  throw new CommandError(
    `the test notification was not delivered: ${forTerminal(r.error ?? 'failed')}`,
    EXIT_FAILED,
  )
}

const action = (args: ParsedArgs, command: string, allowed: readonly string[]) => {
  const a = args.positionals[0] as string
  if (!allowed.includes(a))
    throw new UsageError(
      `${command}: unknown action "${forTerminal(a)}" (one of ${allowed.join(', ')})`,
    )
  return a
}

const WEBHOOK_ACTIONS = ['set', 'show', 'test', 'remove'] as const

export const webhook: Command = {
  name: 'webhook',
  summary: 'set, show, test or remove the account webhook (signed alerts)',
  usage: 'secretsentry webhook set URL [--secret whsec_...] | show | test | remove',
  examples: [
    'secretsentry webhook set https://hooks.example.com/secretsentry',
    'secretsentry webhook test',
  ],
  spec: {
    positionals: ['ACTION', 'URL'],
    optionalPositionals: 1,
    options: {
      '--secret': {
        value: true,
        help: 'signing secret whsec_<base64> to use (default: the server draws one)',
      },
    },
  },
  description: [
    'The server POSTs alerts to URL signed as Standard Webhooks says (webhook-id, webhook-timestamp,',
    'webhook-signature). `set` prints the signing secret to stdout once; keep it where the receiver',
    'can read it. URLs resolving to loopback, private or link-local addresses are refused unless',
    'the server allows them (WEBHOOK_ALLOW_PRIVATE).',
  ],
  async run(args, io) {
    const what = action(args, 'webhook', WEBHOOK_ACTIONS)
    const url = args.positionals[1]
    if (what === 'set' && url === undefined) throw new UsageError('webhook set: missing URL')
    if (what !== 'set' && url !== undefined) throw new UsageError(`webhook ${what}: takes no URL`)
    const secret = args.options.get('--secret')
    if (secret !== undefined && what !== 'set')
      throw new UsageError(`webhook ${what}: --secret goes with set`)
    if (secret === true) throw new UsageError('webhook set: --secret needs a value')
    switch (what) {
      case 'set': {
        const r = await withClient(io, (c) =>
          c.setWebhook({ url: url as string, ...(secret !== undefined ? { secret } : {}) }),
        )
        io.err(`Webhook set: ${forTerminal(r.webhook.target)}\nSigning secret (shown once):\n`)
        io.out(`${r.secret}\n`)
        return EXIT_OK
      }
      case 'show': {
        const s = await withClient(io, (c) => c.status())
        io.out(describeChannel('webhook', s.webhook))
        return EXIT_OK
      }
      case 'test':
        return reportTest(io, 'webhook', await withClient(io, (c) => c.testWebhook()))
      default:
        await withClient(io, (c) => c.removeWebhook())
        io.err('Webhook removed.\n')
        return EXIT_OK
    }
  },
}

const EMAIL_ACTIONS = ['set', 'show', 'test', 'remove'] as const

export const alertEmail: Command = {
  name: 'alert-email',
  summary: 'set, show, test or remove the address that gets account alerts by mail',
  usage: 'secretsentry alert-email set ADDRESS | show | test | remove',
  examples: ['secretsentry alert-email set me@example.com', 'secretsentry alert-email show'],
  spec: { positionals: ['ACTION', 'ADDRESS'], optionalPositionals: 1 },
  description: [
    'Needs a server with SMTP_URL. Mails say what happened and when; they never hold a secret,',
    'a link or a key.',
  ],
  async run(args, io) {
    const what = action(args, 'alert-email', EMAIL_ACTIONS)
    const address = args.positionals[1]
    if (what === 'set' && address === undefined)
      throw new UsageError('alert-email set: missing ADDRESS')
    if (what !== 'set' && address !== undefined)
      throw new UsageError(`alert-email ${what}: takes no address`)
    switch (what) {
      case 'set': {
        const s = await withClient(io, (c) => c.setEmail(address as string))
        io.err(`Alerts go to ${forTerminal(s.email?.target ?? '')}.\n`)
        return EXIT_OK
      }
      case 'show': {
        const s = await withClient(io, (c) => c.status())
        io.out(describeChannel('alert email', s.email))
        if (!s.emailAvailable) io.err('This server sends no mail (no SMTP_URL).\n')
        return EXIT_OK
      }
      case 'test':
        return reportTest(io, 'alert address', await withClient(io, (c) => c.testEmail()))
      default:
        await withClient(io, (c) => c.removeEmail())
        io.err('Alert email removed.\n')
        return EXIT_OK
    }
  },
}
