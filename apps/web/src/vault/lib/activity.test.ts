/** @module The Activity page's sentences: every event reads as plain words, with the secret's name, the actor and the client kind. */
import { describe, expect, it } from 'vitest'
import { AUDIT_EVENTS } from '@secretsentry/contract/limits'
import type { AuditEntry as AuditEvent } from '@secretsentry/client/vault'
import { describeEvent, formatDuration, plainText } from './activity.ts'

const SECRET = 'c2VjcmV0LWlkLTAwMDAwMQ'
const GONE = 'Z29uZS1zZWNyZXQtMDAwMDE'
const names: Record<string, string> = { [SECRET]: 'DB password' }
const TOKEN = { id: 'dG9rZW4taWQtMDAwMDAwMQ', name: 'deploy' }
const nameOf = (id: string): string | null => names[id] ?? null

function ev(over: Partial<AuditEvent> & Pick<AuditEvent, 'event'>): AuditEvent {
  return {
    id: '1',
    at: '2026-12-06T02:00:00.000Z',
    result: 'ok',
    actor: 'user',
    client: { hash: '441a9a8f0c1d2e3f441a9a8f0c1d2e3f', agent: 'browser' },
    secretId: null,
    shareId: null,
    detail: null,
    token: null,
    ...over,
  }
}

/** One event of each kind, with `detail` exactly as the server writes it (apps/server/src). */
const SAMPLES: AuditEvent[] = [
  ev({ event: 'login.ok', detail: 'registered' }),
  ev({ event: 'login.ok' }),
  ev({ event: 'login.failed', result: 'failed', actor: 'anonymous' }),
  ev({ event: 'logout' }),
  ev({ event: 'password.changed', detail: 'other sessions ended: 2' }),
  ev({ event: 'password.changed', result: 'failed', detail: 'wrong current password' }),
  ev({ event: 'secret.created', secretId: SECRET, detail: 'version 1' }),
  ev({
    event: 'secret.read',
    secretId: SECRET,
    detail: 'version 2',
    client: { hash: 'ab', agent: 'cli' },
  }),
  ev({ event: 'secret.updated', secretId: SECRET, detail: 'meta revision 2; version 2 (current)' }),
  ev({ event: 'secret.updated', secretId: SECRET, detail: 'version 3 (pending)' }),
  ev({ event: 'secret.updated', secretId: SECRET, detail: 'version 3 promoted to current' }),
  ev({
    event: 'secret.version_restored',
    secretId: SECRET,
    detail: 'version 4 restored from version 1',
  }),
  ev({ event: 'secret.deleted', secretId: SECRET }),
  ev({ event: 'secret.restored', secretId: SECRET }),
  ev({ event: 'secret.purged', secretId: GONE, detail: 'on request' }),
  ev({
    event: 'secret.purged',
    secretId: GONE,
    actor: 'system',
    client: { hash: null, agent: 'other' },
    detail: 'recovery window over',
  }),
  ev({
    event: 'secret.shared',
    secretId: SECRET,
    shareId: 'x',
    detail: 'version 2, 1 view(s), 259200 s',
  }),
  ev({ event: 'share.opened', secretId: SECRET, actor: 'anonymous' }),
  ev({
    event: 'share.opened',
    secretId: SECRET,
    actor: 'anonymous',
    result: 'failed',
    detail: 'wrong passphrase or link',
  }),
  ev({ event: 'share.revoked', secretId: SECRET }),
  ev({ event: 'share.revoked', secretId: GONE, detail: 'secret deleted' }),
  ev({
    event: 'share.revoked',
    secretId: SECRET,
    actor: 'anonymous',
    client: { hash: null, agent: 'other' },
    detail: 'deleted with its manage token',
  }),
  ev({ event: 'access.denied', secretId: SECRET, result: 'denied', actor: 'other_account' }),
  ev({
    event: 'alert',
    actor: 'system',
    client: { hash: null, agent: 'other' },
    detail: '5 failed logins or denied accesses within 15 minutes',
  }),
  ev({
    event: 'alert',
    actor: 'system',
    client: { hash: null, agent: 'other' },
    detail: 'webhook deliveries failing: 5 in a row',
  }),
  ev({ event: 'folder.created', detail: 'folder AAAAAAAAAAAAAAAAAAAAAA' }),
  ev({ event: 'folder.updated', detail: 'folder AAAAAAAAAAAAAAAAAAAAAA renamed, revision 2' }),
  ev({ event: 'folder.updated', detail: 'folder AAAAAAAAAAAAAAAAAAAAAA moved, revision 3' }),
  ev({ event: 'folder.deleted', detail: 'folder AAAAAAAAAAAAAAAAAAAAAA' }),
  ev({
    event: 'secret.moved',
    secretId: SECRET,
    detail: 'to folder AAAAAAAAAAAAAAAAAAAAAA, 3 version(s) re-wrapped',
  }),
  ev({
    event: 'alert',
    actor: 'system',
    client: { hash: 'c1', agent: 'cli' },
    detail: 'login from a new client',
  }),
  ev({
    event: 'token.created',
    token: TOKEN,
    detail:
      'root folder AAAAAAAAAAAAAAAAAAAAAA, 2 folder(s), read-only, stage current, expires 2026-02-01T00:00:00.000Z',
  }),
  ev({ event: 'token.revoked', token: TOKEN, detail: 'grants deleted' }),
  ev({ event: 'token.granted', token: TOKEN, detail: '1 folder(s) added' }),
  ev({
    event: 'token.read',
    actor: 'token',
    token: TOKEN,
    client: { hash: 'ab', agent: 'cli' },
    detail: '12 secret(s)',
  }),
  ev({ event: 'token.read', actor: 'token', token: TOKEN, secretId: SECRET, detail: 'version 3' }),
  ev({
    event: 'token.denied',
    actor: 'token',
    result: 'denied',
    token: TOKEN,
    secretId: SECRET,
    detail: 'read refused: the pending version; the token reads current versions only',
  }),
  ev({
    event: 'token.denied',
    actor: 'token',
    result: 'denied',
    token: TOKEN,
    detail: 'refused: the token is revoked',
  }),
  ev({
    event: 'secret.created',
    actor: 'token',
    token: TOKEN,
    secretId: SECRET,
    detail: 'version 1',
  }),
  ev({
    event: 'alert',
    actor: 'system',
    client: { hash: null, agent: 'other' },
    detail:
      'secrets due for rotation: 2 past their interval, 1 older than 90 days, oldest 120 days',
  }),
  ev({ event: 'secret.created', secretId: SECRET, detail: 'version 1; rotation every 30 days' }),
  ev({ event: 'secret.updated', secretId: SECRET, detail: 'rotation every 7 days' }),
  ev({
    event: 'secret.updated',
    secretId: SECRET,
    detail: 'version 3 (pending); no rotation interval',
  }),
]

const line = (e: AuditEvent) => {
  const l = describeEvent(e, nameOf)
  return { ...l, text: plainText(l.what) }
}

describe('describeEvent', () => {
  it('has a sample for every event the contract knows', () => {
    expect(new Set(SAMPLES.map((e) => e.event))).toEqual(new Set(AUDIT_EVENTS))
  })

  it.each(SAMPLES.map((e) => [`${e.event} ${e.detail ?? ''}`, e] as const))(
    '%s reads as words, not API terms',
    (_, e) => {
      const l = line(e)
      const all = [l.text, l.more ?? '', l.who].join(' | ')
      expect(l.text).toMatch(/^[A-Z0-9“]/)
      expect(all).not.toMatch(/\d+ ?s\b|s\)/)
      expect(all).not.toMatch(/revision|view\(s\)|registered|promoted|\bmeta\b/)
      expect(all).not.toMatch(/[0-9a-f]{8}/)
      expect(all).not.toContain(e.event)
      expect(all).not.toMatch(/\bOK\b|session\b|without a session/)
      expect(all).not.toContain(e.secretId ?? '—')
      // A badge only where something did not go through, or for an alert.
      if (e.result === 'ok' && e.event !== 'alert') expect(l.badge).toBeNull()
      else expect(l.badge).not.toBeNull()
    },
  )

  it('says what happened to which secret, by its name', () => {
    expect(line(SAMPLES[8]!)).toMatchObject({
      text: 'Edited “DB password”',
      more: 'name or details; new value, version 2',
      who: 'by you, in a browser',
    })
    expect(line(SAMPLES[16]!)).toMatchObject({
      text: 'Shared “DB password”',
      more: 'link expires after 3 days, 1 view, version 2',
    })
    expect(line(SAMPLES[7]!).who).toBe('by you, from the command line')
    expect(line(SAMPLES[0]!).text).toBe('Account created')
  })

  it('says what happened to folders and moved secrets, never their ids', () => {
    const texts = SAMPLES.filter((e) => e.event.startsWith('folder.') || e.event === 'secret.moved')
      .map(line)
      .map((l) => [l.text, l.more])
    expect(texts).toEqual([
      ['Created a folder', null],
      ['Renamed a folder', null],
      ['Moved a folder', null],
      ['Deleted an empty folder', null],
      ['Moved “DB password” to another folder', '3 versions re-encrypted for the new folder'],
    ])
  })

  it('tells the alerts apart', () => {
    const alerts = SAMPLES.filter((e) => e.event === 'alert')
    expect(line(alerts[0]!).text).toBe('5 failed log-ins or refused accesses within 15 minutes')
    expect(line(alerts[1]!)).toMatchObject({
      text: 'The last 5 deliveries to your webhook failed',
      badge: { text: 'Alert' },
    })
    expect(line(alerts[2]!)).toMatchObject({
      text: 'Log-in from a new client',
      more: expect.stringMatching(/^from the command line, from a network or app this account/),
      who: 'automatically',
      badge: { text: 'Alert' },
    })
    expect(line(alerts[3]!)).toMatchObject({
      text: 'Daily reminder: 3 secrets are due for rotation',
      more: '2 past their rotation interval, 1 without an interval and older than 90 days, the oldest value is 120 days old',
      badge: { text: 'Alert', tone: 'warn' },
    })
  })

  it('names the access token that was used from a new address', () => {
    const alert = ev({
      event: 'alert',
      actor: 'system',
      token: TOKEN,
      client: { hash: 'c2', agent: 'other' },
      detail: 'token used from a new address',
    })
    expect(line(alert)).toMatchObject({
      text: `Access token “${TOKEN.name}” used from a new address`,
      badge: { text: 'Alert', tone: 'warn' },
    })
  })

  it('says how a rotation interval was set, changed or removed', () => {
    const [created, weekly, cleared] = SAMPLES.slice(-3).map(line)
    expect(created).toMatchObject({
      text: 'Created “DB password”',
      more: 'rotation interval 30 days',
    })
    expect(weekly).toMatchObject({
      text: 'Edited “DB password”',
      more: 'rotation interval set to 7 days',
    })
    expect(cleared?.more).toBe('new pending value, version 3; rotation interval removed')
  })

  it('names a secret the vault no longer holds as a deleted one', () => {
    expect(line(SAMPLES[20]!).text).toBe(
      'A share link of a deleted secret stopped working: the secret was deleted',
    )
    expect(line(SAMPLES[15]!)).toMatchObject({
      text: 'Permanently deleted a secret',
      who: 'automatically',
    })
  })

  it('shows a refused access as another account’s, never as the owner’s', () => {
    const l = line(SAMPLES[22]!)
    expect(l.text).toBe('Someone tried to open “DB password” without access')
    expect(l.who).toBe('by another account, in a browser')
    expect(l.who).not.toContain('you')
    expect(l.badge).toEqual({ text: 'Refused', tone: 'danger' })
  })

  it('marks failures', () => {
    expect(line(SAMPLES[2]!)).toMatchObject({
      text: 'Someone tried to log in with a wrong password',
      who: 'by someone not logged in, in a browser',
      badge: { text: 'Failed', tone: 'danger' },
    })
    expect(line(SAMPLES[18]!).who).toBe('by someone with the link, in a browser')
  })
})

describe('access token events', () => {
  const tokenLines = SAMPLES.filter((e) => e.token !== null).map(line)

  it('name the token, say what it read or why it was refused, and mark refusals', () => {
    expect(tokenLines.map((l) => [l.text, l.more, l.who])).toEqual([
      ['Created access token “deploy”', '2 folders, read-only, expires', 'by you, in a browser'],
      ['Revoked access token “deploy”', null, 'by you, in a browser'],
      ['Gave access token “deploy” access to a new folder', null, 'by you, in a browser'],
      ['Read 12 secrets of its folders', null, 'by access token “deploy”, from the command line'],
      ['Read the value of “DB password”', 'version 3', 'by access token “deploy”, in a browser'],
      [
        'Access token “deploy” was refused access to “DB password”',
        'it may read current values only',
        'by access token “deploy”, in a browser',
      ],
      [
        'Access token “deploy” was refused',
        'the token is revoked',
        'by access token “deploy”, in a browser',
      ],
      ['Created “DB password”', null, 'by access token “deploy”, in a browser'],
    ])
    expect(tokenLines.filter((l) => l.badge !== null)).toHaveLength(2)
  })

  it('an actor or event a newer server sends still reads as words', () => {
    const l = line(ev({ event: 'token.later' as never, actor: 'robot' as never }))
    expect(l.text).toBe('Something happened')
    expect(l.who).toMatch(/^by someone/)
  })
})

describe('formatDuration', () => {
  it('uses the largest unit and never bare seconds', () => {
    expect(formatDuration(259200)).toBe('3 days')
    expect(formatDuration(86400)).toBe('1 day')
    expect(formatDuration(3600)).toBe('1 hour')
    expect(formatDuration(300)).toBe('5 minutes')
    expect(formatDuration(5400)).toBe('about 2 hours')
    expect(formatDuration(30)).toBe('less than a minute')
  })
})
