/**
 * @module The Activity page's words: each audit event as a sentence a person reads (what
 * happened, to which secret, by whom, from which kind of client), never the API's terms
 * (revisions, seconds, address hashes).
 */
import type { AuditActor } from '@secretsentry/contract/types'
import type {
  AuditEntry as AuditEvent,
  AuditEventName,
  AuditResult,
} from '@secretsentry/client/vault'
import { plural } from '../../shared/lib/format.ts'

/**
 * A piece of a sentence: plain text, or a secret, rendered as its decrypted name in quotes (a
 * link when the secret still exists), else as `unknown` ("a deleted secret").
 */
export type Part = string | { secretId: string; name: string | null; unknown: string }

export interface ActivityLine {
  /** What happened, e.g. ["Shared ", {secret}] → Shared “Stripe API key”. */
  what: Part[]
  /** More about it, e.g. "link expires after 3 days, 1 view"; null when there is nothing to add. */
  more: string | null
  /** Who and from which kind of client, e.g. "by you in a browser". */
  who: string
  /** A badge only where something did not go through (or needs attention); null for plain success. */
  badge: { text: string; tone: 'danger' | 'warn' } | null
}

/** The event filter's labels. */
export const EVENT_LABELS: Record<AuditEventName, string> = {
  'login.ok': 'Logged in',
  'login.failed': 'Failed log-in',
  logout: 'Logged out',
  'password.changed': 'Master password changed',
  'secret.created': 'Secret created',
  'secret.read': 'Value viewed',
  'secret.updated': 'Secret edited',
  'secret.version_restored': 'Older value brought back',
  'secret.deleted': 'Secret deleted',
  'secret.restored': 'Secret recovered',
  'secret.purged': 'Secret permanently deleted',
  'secret.shared': 'Secret shared',
  'share.opened': 'Share link opened',
  'share.revoked': 'Share link revoked',
  'folder.created': 'Folder created',
  'folder.updated': 'Folder renamed or moved',
  'folder.deleted': 'Folder deleted',
  'secret.moved': 'Secret moved to another folder',
  'access.denied': 'Access refused',
  alert: 'Alert',
  'token.created': 'Access token created',
  'token.revoked': 'Access token revoked',
  'token.granted': 'Access token given a new folder',
  'token.read': 'Read by an access token',
  'token.denied': 'Access token refused',
}

export const RESULT_LABELS: Record<AuditResult, string> = {
  ok: 'Succeeded',
  failed: 'Failed',
  denied: 'Refused',
}

const AGENT_WORDS = {
  browser: 'in a browser',
  cli: 'from the command line',
  other: 'from a script or another app',
} as const

const UNITS: readonly [string, number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
]

/** "3 days", "1 hour", "about 2 hours": the largest whole unit, never bare seconds. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of UNITS) {
    if (seconds >= size) {
      const n = Math.round(seconds / size)
      return `${n * size === seconds ? '' : 'about '}${plural(n, unit, `${unit}s`)}`
    }
  }
  return 'less than a minute'
}

/** Numbers the server wrote into `detail` ("version 3", "2 view(s)"), in order. */
const numbers = (detail: string | null, pattern: RegExp): number[] =>
  [...(detail ?? '').matchAll(pattern)].map((m) => Number(m[1]))

/** "read-only, stage current, expires …" from a token.created detail, in words. */
function tokenCreatedWords(detail: string | null): string | null {
  const d = detail ?? ''
  const parts: string[] = []
  const [folders] = numbers(d, /(\d+) folder/g)
  if (folders !== undefined) parts.push(plural(folders, 'folder', 'folders'))
  if (/read-write/.test(d)) parts.push('can write')
  else if (/read-only/.test(d)) parts.push('read-only')
  if (/stage any/.test(d)) parts.push('reads pending and older values too')
  if (/never expires/.test(d)) parts.push('never expires')
  else if (/expires /.test(d)) parts.push('expires')
  return parts.length > 0 ? parts.join(', ') : null
}

/** Why a token was refused, from the server's detail. */
function tokenDeniedWords(detail: string | null): string | null {
  const d = detail ?? ''
  if (/revoked/.test(d)) return 'the token is revoked'
  if (/expired/.test(d)) return 'the token has expired'
  if (/wrong key/.test(d)) return 'someone used its id with a wrong key'
  if (/read-only/.test(d)) return 'it is read-only and tried to write'
  if (/current versions only/.test(d)) return 'it may read current values only'
  if (/not one of the token|no such secret/.test(d)) return 'outside the folders it may read'
  return null
}

/** What an edit changed, from details such as "meta revision 2; version 3 (pending)". */
function editWords(detail: string | null): string | null {
  const words: string[] = []
  for (const piece of (detail ?? '').split(';').map((p) => p.trim())) {
    let m: RegExpMatchArray | null
    if (/^meta revision \d+$/.test(piece)) words.push('name or details')
    else if ((m = /^version (\d+) \((current|pending)\)$/.exec(piece))) {
      words.push(
        m[2] === 'pending' ? `new pending value, version ${m[1]}` : `new value, version ${m[1]}`,
      )
    } else if ((m = /^version (\d+) promoted to current$/.exec(piece))) {
      words.push(`pending version ${m[1]} made current`)
    } else if ((m = /^rotation every (\d+) days$/.exec(piece))) {
      words.push(`rotation interval set to ${plural(Number(m[1]), 'day', 'days')}`)
    } else if (piece === 'no rotation interval') {
      words.push('rotation interval removed')
    }
  }
  return words.length > 0 ? words.join('; ') : null
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** “deploy” (an access token's name as its owner gave it), or “an access token”. */
const tokenWords = (e: AuditEvent): string =>
  e.token?.name ? `access token “${e.token.name}”` : 'an access token'

function who(e: AuditEvent, actor: AuditActor): string {
  const agent =
    e.client.hash !== null || e.client.agent !== 'other' ? AGENT_WORDS[e.client.agent] : ''
  const words: Record<AuditActor, string> = {
    user: 'by you',
    // Never named: the owner learns that another account tried, not which (see AUDIT_ACTORS).
    other_account: 'by another account',
    anonymous: e.event === 'share.opened' ? 'by someone with the link' : 'by someone not logged in',
    system: 'automatically',
    token: `by ${tokenWords(e)}`,
  }
  // An actor this page does not know yet (a newer server) reads as neutral words.
  const by = words[actor] ?? 'by someone'
  if (actor === 'system') return by
  return agent ? `${by}, ${agent}` : by
}

/**
 * One event in words. `nameOf` gives a secret's decrypted name when the vault holds it; a secret
 * it does not know (purged, or never listed) reads as "a deleted secret".
 */
export function describeEvent(e: AuditEvent, nameOf: (id: string) => string | null): ActivityLine {
  const name = e.secretId ? nameOf(e.secretId) : null
  const secret: Part = { secretId: e.secretId ?? '', name, unknown: 'a deleted secret' }
  const versions = numbers(e.detail, /version (\d+)/g)
  const failed = e.result !== 'ok'
  let what: Part[]
  let more: string | null = null
  let badge: ActivityLine['badge'] = failed
    ? { text: e.result === 'denied' ? 'Refused' : 'Failed', tone: 'danger' }
    : null

  switch (e.event) {
    case 'login.ok':
      what = [e.detail === 'registered' ? 'Account created' : 'Logged in']
      break
    case 'login.failed':
      what = ['Someone tried to log in with a wrong password']
      break
    case 'logout':
      what = ['Logged out']
      break
    case 'password.changed': {
      what = [failed ? 'Tried to change the master password' : 'Changed the master password']
      const [ended] = numbers(e.detail, /sessions ended: (\d+)/g)
      if (failed && e.detail === 'wrong current password') more = 'the current password was wrong'
      else if (ended)
        more = `${plural(ended, 'other session was', 'other sessions were')} logged out`
      break
    }
    case 'secret.created': {
      what = ['Created ', secret]
      const [every] = numbers(e.detail, /rotation every (\d+) days/g)
      if (every !== undefined) more = `rotation interval ${plural(every, 'day', 'days')}`
      break
    }
    case 'secret.read':
      what = ['Viewed the value of ', secret]
      if (versions[0] !== undefined) more = `version ${versions[0]}`
      break
    case 'secret.updated': {
      const promoted = /promoted to current/.test(e.detail ?? '') && versions.length === 1
      what = promoted ? ['Made the pending value of ', secret, ' current'] : ['Edited ', secret]
      more = promoted ? `version ${versions[0]}` : editWords(e.detail)
      break
    }
    case 'secret.version_restored':
      what = ['Brought back an older value of ', secret]
      if (versions.length >= 2) more = `version ${versions[1]}, saved as version ${versions[0]}`
      break
    case 'secret.deleted':
      what = ['Deleted ', secret]
      break
    case 'secret.restored':
      what = ['Recovered ', secret, ' from Deleted']
      break
    case 'secret.purged':
      what = ['Permanently deleted ', { ...secret, unknown: 'a secret' }]
      if (e.detail === 'recovery window over') more = 'its time in Deleted was over'
      break
    case 'secret.shared': {
      what = ['Shared ', secret]
      const [views] = numbers(e.detail, /(\d+) view/g)
      const [ttl] = numbers(e.detail, /(\d+) s$/g)
      const parts: string[] = []
      if (ttl !== undefined) parts.push(`link expires after ${formatDuration(ttl)}`)
      if (views !== undefined) parts.push(plural(views, 'view', 'views'))
      if (versions[0] !== undefined) parts.push(`version ${versions[0]}`)
      more = parts.length > 0 ? parts.join(', ') : null
      break
    }
    case 'share.opened':
      what = failed
        ? ['Someone tried to open a share link of ', secret]
        : ['A share link of ', secret, ' was opened']
      if (failed) more = 'wrong passphrase or damaged link'
      break
    case 'share.revoked':
      if (e.detail === 'secret deleted')
        what = ['A share link of ', secret, ' stopped working: the secret was deleted']
      else if (e.detail === 'deleted with its manage token')
        what = ['A share link of ', secret, ' was deleted with its manage link']
      else what = ['Revoked a share link of ', secret]
      break
    case 'folder.created':
      what = ['Created a folder']
      break
    case 'folder.updated':
      what = [/ moved,/.test(e.detail ?? '') ? 'Moved a folder' : 'Renamed a folder']
      break
    case 'folder.deleted':
      what = ['Deleted an empty folder']
      break
    case 'secret.moved': {
      what = ['Moved ', secret, ' to another folder']
      const [count] = numbers(e.detail, /(\d+) version/g)
      if (count !== undefined)
        more = `${plural(count, 'version', 'versions')} re-encrypted for the new folder`
      break
    }
    case 'access.denied':
      what = ['Someone tried to open ', secret, ' without access']
      break
    case 'token.created':
      what = [`Created ${tokenWords(e)}`]
      more = tokenCreatedWords(e.detail)
      break
    case 'token.revoked':
      what = [`Revoked ${tokenWords(e)}`]
      break
    case 'token.granted': {
      const [count] = numbers(e.detail, /^(\d+) folder/g)
      what = [`Gave ${tokenWords(e)} access to `, count === 1 ? 'a new folder' : 'new folders']
      break
    }
    case 'token.read': {
      if (e.secretId) {
        what = ['Read the value of ', secret]
        if (versions[0] !== undefined) more = `version ${versions[0]}`
      } else {
        const [count] = numbers(e.detail, /^(\d+) secret/g)
        what = [
          count !== undefined
            ? `Read ${plural(count, 'secret', 'secrets')} of its folders`
            : 'Read the secrets of its folders',
        ]
      }
      break
    }
    case 'token.denied': {
      const subject = capitalised(tokenWords(e))
      what = e.secretId ? [`${subject} was refused access to `, secret] : [`${subject} was refused`]
      more = tokenDeniedWords(e.detail)
      break
    }
    case 'alert': {
      if (e.detail === 'token used from a new address') {
        what = [
          e.token
            ? `Access token “${e.token.name}” used from a new address`
            : 'An access token was used from a new address',
        ]
        more = 'If you did not move the application that holds it, revoke the token'
        badge = { text: 'Alert', tone: 'warn' }
        break
      }
      if (e.detail === 'login from a new client') {
        what = ['Log-in from a new client']
        more = `${AGENT_WORDS[e.client.agent]}, from a network or app this account had not logged in from; if it was not you, change your master password`
        badge = { text: 'Alert', tone: 'warn' }
        break
      }
      if (e.detail?.startsWith('secrets due for rotation')) {
        // Counts only: the server cannot know which secrets (the Account page lists them).
        const [past] = numbers(e.detail, /(\d+) past their interval/g)
        const [old] = numbers(e.detail, /(\d+) older than/g)
        const [oldest] = numbers(e.detail, /oldest (\d+) day/g)
        const due = (past ?? 0) + (old ?? 0)
        what = [`Daily reminder: ${plural(due, 'secret is', 'secrets are')} due for rotation`]
        const parts: string[] = []
        if (past) parts.push(`${past} past ${past === 1 ? 'its' : 'their'} rotation interval`)
        if (old) parts.push(`${old} without an interval and older than 90 days`)
        if (oldest !== undefined)
          parts.push(`the oldest value is ${plural(oldest, 'day', 'days')} old`)
        more = parts.length > 0 ? parts.join(', ') : null
        badge = { text: 'Alert', tone: 'warn' }
        break
      }
      if (e.detail?.startsWith('webhook deliveries failing')) {
        const [inARow] = numbers(e.detail, /(\d+) in a row/g)
        what = [
          inARow !== undefined
            ? `The last ${inARow} deliveries to your webhook failed`
            : 'Deliveries to your webhook keep failing',
        ]
        badge = { text: 'Alert', tone: 'warn' }
        break
      }
      const [count] = numbers(e.detail, /^(\d+)/g)
      what = [
        count !== undefined
          ? `${plural(count, 'failed log-in or refused access', 'failed log-ins or refused accesses')} within 15 minutes`
          : 'Many failed log-ins or refused accesses',
      ]
      badge = { text: 'Alert', tone: 'warn' }
      break
    }
    default:
      what = [EVENT_LABELS[e.event as AuditEventName] ?? 'Something happened']
  }
  return { what, more, who: who(e, e.actor), badge }
}

/** The sentence as plain text (for tests and accessible labels): secrets in quotes. */
export function plainText(parts: Part[]): string {
  return parts
    .map((p) => (typeof p === 'string' ? p : p.name !== null ? `“${p.name}”` : p.unknown))
    .join('')
}
