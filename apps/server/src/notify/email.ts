/**
 * @module Email delivery over SMTP (SMTP_URL, MAIL_FROM) with nodemailer: smtp:// upgrades with
 * STARTTLS when the server offers it (`?requireTLS=true` insists), smtps:// is TLS from the start.
 * Bodies are plain text and HTML built from the event's facts alone: never a secret, a link or a key.
 */
import type { DeliveryOutcome } from './webhook.ts'
import type { NotificationEvent, ShareEndedData } from './events.ts'

export interface Mail {
  subject: string
  text: string
  html: string
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * Security promise: an email names what happened and when, and nothing else. No URL is ever put
 * in it (not even this server's), so a mail cannot carry a share link or be a phishing template,
 * and the event data it is built from never holds secret material (see events.ts).
 */
export function renderMail(event: NotificationEvent): Mail {
  const lines = describe(event)
  const subject = `SecretSentry: ${lines.title}`
  const why =
    event.type === 'share.ended'
      ? 'You get this mail because whoever created this SecretSentry link asked for a receipt.'
      : 'You get this mail because an alert address is set on your SecretSentry account.'
  const text = [
    lines.title,
    '',
    ...lines.body,
    '',
    `Event ${event.id}, ${event.timestamp}.`,
    why,
    '',
  ].join('\n')
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<h1 style="font-size:1.2em">${escapeHtml(lines.title)}</h1>`,
    ...lines.body.map((l) => `<p>${escapeHtml(l)}</p>`),
    `<p style="color:#555;font-size:0.9em">Event ${escapeHtml(event.id)}, ${escapeHtml(event.timestamp)}.<br>`,
    `${escapeHtml(why)}</p>`,
    '</body></html>',
  ].join('\n')
  return { subject, text, html }
}

/** "2026-01-01 12:00:05 UTC": a time a person reads, the same in every mail client. */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`

const CLIENT_WORDS = {
  browser: 'a web browser',
  cli: 'the command line (or a script)',
  other: 'an app or script',
} as const

/** A share's receipt in words: how it ended, when, how many views were used. */
function describeReceipt(d: ShareEndedData): { title: string; body: string[] } {
  // The label is the creator's own text, quoted; receiptLabelProblem kept links and control
  // characters out of it at creation.
  const link = d.label !== undefined ? `Your secret link "${d.label}"` : 'Your secret link'
  const created = `(created ${when(d.createdAt)})`
  const views = `${d.opens.length} of ${d.maxViews} view${d.maxViews === 1 ? '' : 's'}`
  const last = d.opens.at(-1)
  switch (d.how) {
    case 'read':
      return {
        title: 'your secret link was read',
        body: [
          `${link} ${created} was opened${d.maxViews > 1 ? ` for the last of its ${d.maxViews} views` : ''} at ${when(d.endedAt)}.`,
          'It no longer exists on the server.',
        ],
      }
    case 'expired':
      return d.opens.length === 0
        ? {
            title: 'your secret link expired unread',
            body: [
              `${link} ${created} expired unread at ${when(d.endedAt)}: nobody opened it.`,
              'It no longer exists on the server. If it is still needed, make a new link.',
            ],
          }
        : {
            title: 'your secret link expired',
            body: [
              `${link} ${created} expired at ${when(d.endedAt)} after ${views} had been opened${last ? ` (the last at ${when(last)})` : ''}.`,
              'It no longer exists on the server.',
            ],
          }
    case 'deleted':
      return {
        title: 'your secret link was deleted',
        body: [
          `${link} ${created} was deleted at ${when(d.endedAt)}, ${d.opens.length === 0 ? 'unread' : `after ${views} had been opened`}.`,
        ],
      }
    case 'destroyed':
      return {
        title: 'your secret link was destroyed',
        body: [
          `${link} ${created} was destroyed at ${when(d.endedAt)} after too many wrong passphrases or links, ${d.opens.length === 0 ? 'unread' : `after ${views} had been opened`}.`,
          'Someone without the right link or passphrase tried to open it. If it mattered, change that secret.',
        ],
      }
  }
}

function describe(event: NotificationEvent): { title: string; body: string[] } {
  switch (event.type) {
    case 'share.ended':
      return describeReceipt(event.data)
    case 'alert.new_login':
      return {
        title: 'log-in from a new client',
        body: [
          `Account ${event.data.username} logged in from ${CLIENT_WORDS[event.data.client]} on a network it had not logged in from with it before.`,
          'If this was not you, change your master password and look at the Activity page of your account.',
        ],
      }
    case 'alert.token_new_address':
      return {
        title: 'a service token used from a new address',
        body: [
          `Account ${event.data.username}: the service token "${event.data.token}" was used from an address it had not been used from before.`,
          'If you did not move the application that holds it, revoke the token (Access tokens in the vault, or secretsentry token revoke) and look at the Activity page of your account.',
        ],
      }
    case 'alert.failed_access':
      return {
        title: 'repeated failed access to your account',
        body: [
          `Account ${event.data.username} had ${event.data.failures} failed log-ins or refused accesses within ${event.data.windowMinutes} minutes.`,
          'If this was not you, change your master password and look at the Activity page of your account.',
        ],
      }
    case 'alert.stale_secrets': {
      const d = event.data
      const due = d.pastInterval + d.olderThan90Days
      const parts: string[] = []
      if (d.pastInterval > 0)
        parts.push(
          `${d.pastInterval} past ${d.pastInterval === 1 ? 'its' : 'their'} rotation interval`,
        )
      if (d.olderThan90Days > 0)
        parts.push(`${d.olderThan90Days} without an interval and older than 90 days`)
      return {
        title: 'secrets due for rotation',
        body: [
          `Account ${d.username} has ${due} ${due === 1 ? 'secret' : 'secrets'} due for rotation: ${parts.join(', and ')}. The oldest value is ${d.oldestDays} days old.`,
          'Names are encrypted, so this mail cannot say which: the vault list and the Account page of the web app mark them, and so does secretsentry ls --stale.',
          'Rotate each one (secretsentry set PATH --pending, test it, secretsentry promote PATH), or give it an interval that fits. This digest comes at most once a day while secrets are due.',
        ],
      }
    }
    case 'webhook.failing':
      return {
        title: 'webhook deliveries are failing',
        body: [
          `The last ${event.data.failures} deliveries to the webhook of account ${event.data.username} failed (last error: ${event.data.lastError}).`,
          'Check the receiver, or change or remove the webhook in your account settings.',
        ],
      }
    case 'webhook.test':
    case 'email.test':
      return {
        title: 'test notification',
        body: [`This is a test notification for account ${event.data.username}.`],
      }
  }
}

export interface EmailChannel {
  send(to: string, event: NotificationEvent): Promise<DeliveryOutcome>
  close(): void
}

export interface EmailOptions {
  smtpUrl: string
  from: string
  timeoutMs: number
}

/** nodemailer is loaded only when SMTP_URL is set. */
export async function createEmailChannel(o: EmailOptions): Promise<EmailChannel> {
  const { default: nodemailer } = await import('nodemailer')
  // `url` is parsed by nodemailer (host, port, credentials, and query options such as requireTLS).
  const transport = nodemailer.createTransport({
    url: o.smtpUrl,
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
  })
  return {
    async send(to, event) {
      const mail = renderMail(event)
      try {
        await transport.sendMail({
          from: o.from,
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          // The event id, so a mail delivered twice (at least once) can be recognised.
          messageId: `<${event.id}@secretsentry.invalid>`,
        })
        return { ok: true, status: 250 }
      } catch (err) {
        const e = err as { responseCode?: number; code?: string }
        if (typeof e.responseCode === 'number')
          return { ok: false, status: e.responseCode, error: `SMTP ${e.responseCode}` }
        return { ok: false, error: e.code ? `SMTP error ${e.code}` : 'SMTP error' }
      }
    },
    close: () => transport.close(),
  }
}
