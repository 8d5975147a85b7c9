/** @module The Access tokens page's rules: status (revoked over expired), which field a refusal names, the usage snippet. */
import { describe, expect, it } from 'vitest'
import { ClientError } from '../../shared/api/share.api.ts'
import {
  EXPIRY_CHOICES,
  DEFAULT_EXPIRY_SECONDS,
  tokenErrorField,
  tokenStatus,
  usageSnippet,
} from './tokens.ts'
import type { TokenInfo } from './tokens.ts'

const NOW = new Date('2026-12-08T12:00:00.000Z')

function token(over: Partial<TokenInfo> = {}): TokenInfo {
  return {
    id: 'dG9rZW4taWQtMDAwMDAwMQ',
    name: null,
    path: '/app',
    includeSubfolders: false,
    readWrite: false,
    stage: 'current',
    createdAt: '2026-12-01T00:00:00.000Z',
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    lastUsedClient: null,
    ...over,
  }
}

describe('tokenStatus', () => {
  it('is active without expiry or before it, expired from the instant it passes', () => {
    expect(tokenStatus(token(), NOW)).toBe('active')
    expect(tokenStatus(token({ expiresAt: '2026-12-08T12:00:01.000Z' }), NOW)).toBe('active')
    expect(tokenStatus(token({ expiresAt: NOW.toISOString() }), NOW)).toBe('expired')
  })

  it('says revoked for a revoked token, even one that has expired since', () => {
    const revokedAt = '2026-12-02T00:00:00.000Z'
    expect(tokenStatus(token({ revokedAt }), NOW)).toBe('revoked')
    expect(tokenStatus(token({ revokedAt, expiresAt: '2026-12-03T00:00:00.000Z' }), NOW)).toBe(
      'revoked',
    )
  })
})

describe('tokenErrorField', () => {
  const refused = (field?: string) =>
    new ClientError(400, 'invalid_input', 'no', field === undefined ? {} : { field })

  it('maps the fields the server names to the form’s fields', () => {
    expect(tokenErrorField(refused('name'))).toBe('name')
    expect(tokenErrorField(refused('path'))).toBe('path')
    expect(tokenErrorField(refused('expiresInSeconds'))).toBe('expires')
    expect(tokenErrorField(refused('stage'))).toBe('stage')
  })

  it('gives null for no field, an unknown field, or an error that is not the API’s', () => {
    expect(tokenErrorField(refused())).toBeNull()
    expect(tokenErrorField(refused('grants'))).toBeNull()
    expect(tokenErrorField(new Error('name'))).toBeNull()
  })
})

describe('expiry and snippet', () => {
  it('offers never and defaults to one of the choices', () => {
    expect(EXPIRY_CHOICES.map((c) => c.seconds)).toContain(null)
    expect(EXPIRY_CHOICES.map((c) => c.seconds)).toContain(DEFAULT_EXPIRY_SECONDS)
  })

  it('names the server and the folder, never the token, and writes the top level as /', () => {
    expect(usageSnippet('/app/production', 'https://s.example')).toBe(
      'SECRETSENTRY_SERVER=https://s.example SECRETSENTRY_TOKEN=… secretsentry run --path /app/production -- node app.js',
    )
    expect(usageSnippet('', 'https://s.example')).toContain('--path / --')
  })
})
