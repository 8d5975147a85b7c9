/** @module The Access tokens page's rules: status (revoked over expired), which field a refusal names, the usage snippet. */
import { describe, expect, it } from 'vitest'
import { ClientError } from '../../shared/api/share.api.ts'
import {
  EXPIRY_CHOICES,
  DEFAULT_EXPIRY_SECONDS,
  tokenErrorField,
  tokenErrorMessage,
  tokenStatus,
  usageSnippet,
} from './tokens.ts'
import type { TokenInfo } from './tokens.ts'

const NOW = new Date('2026-12-08T12:00:00.000Z')

function token(over: Partial<TokenInfo> = {}): TokenInfo {
  return {
    id: 'dG9rZW4taWQtMDAwMDAwMQ',
    name: 'ci',
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

  it('takes a grant’s folder and the client’s own folder look-up as the chosen folder', () => {
    expect(tokenErrorField(refused('grants.1.folderId'))).toBe('path')
    expect(tokenErrorField(new ClientError(0, 'folder_not_found', 'No folder /x'))).toBe('path')
    expect(tokenErrorField(refused('includeSubfolders'))).toBe('subfolders')
  })

  it('gives null for no field, an unknown field, or an error that is not the API’s', () => {
    expect(tokenErrorField(refused())).toBeNull()
    expect(tokenErrorField(refused('readWrite'))).toBeNull()
    expect(tokenErrorField(new Error('name'))).toBeNull()
  })
})

describe('tokenErrorMessage', () => {
  it('words a taken name, a vanished folder and a refused shape without the field’s name', () => {
    expect(
      tokenErrorMessage(
        new ClientError(409, 'conflict', 'name: a live token of this account has this name', {
          field: 'name',
        }),
      ),
    ).toBe('An active token already has this name. Choose another, or revoke that token first.')
    expect(
      tokenErrorMessage(
        new ClientError(404, 'not_found', 'grants.0.folderId: no such folder', {
          field: 'grants.0.folderId',
        }),
      ),
    ).toMatch(/^This folder no longer exists/)
    expect(
      tokenErrorMessage(
        new ClientError(400, 'invalid_input', 'name: must be at most 64 characters', {
          field: 'name',
        }),
      ),
    ).toBe('Must be at most 64 characters.')
  })

  it('keeps the server’s sentence for other conflicts (a secret’s conflict message would mislead)', () => {
    const full = 'This account holds 100 tokens that are not revoked; revoke some first'
    expect(tokenErrorMessage(new ClientError(409, 'conflict', full, { field: 'id' }))).toBe(full)
    expect(tokenErrorMessage(new ClientError(0, 'network', 'offline'))).toMatch(/reach the server/)
  })
})

describe('expiry and snippet', () => {
  it('offers never and defaults to one of the choices', () => {
    expect(EXPIRY_CHOICES.map((c) => c.seconds)).toContain(null)
    expect(EXPIRY_CHOICES.map((c) => c.seconds)).toContain(DEFAULT_EXPIRY_SECONDS)
  })

  it('names the server and the folder, never the token, and writes the top level as /', () => {
    expect(usageSnippet('/app/production', 'https://s.example').split('\n')).toEqual([
      'SECRETSENTRY_SERVER=https://s.example \\',
      'SECRETSENTRY_TOKEN=… \\',
      'secretsentry run --path /app/production -- node app.js',
    ])
    expect(usageSnippet('', 'https://s.example')).toContain('--path / --')
  })
})
