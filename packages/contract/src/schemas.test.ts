/** @module Contract tests: they pin the wire shapes and the OpenAPI document, so a refactor cannot silently change them. */
import { describe, expect, it } from 'vitest'
import {
  SHARE_LIMITS,
  TTL_CHOICES,
  b64urlLength,
  createShareRequest,
  openApiDocument,
  openShareRequest,
} from './index.ts'

const valid = {
  id: 'A'.repeat(22),
  verifier: 'B'.repeat(43),
  ciphertext: 'AQ',
  ttlSeconds: 3 * 86400,
  maxViews: 1,
}

function firstIssuePath(input: unknown): string | undefined {
  const result = createShareRequest.safeParse(input)
  return result.success ? undefined : result.error.issues[0]?.path.join('.')
}

describe('createShareRequest', () => {
  it('accepts a well-formed body', () => {
    expect(createShareRequest.safeParse(valid).success).toBe(true)
  })

  it('rejects unknown fields, so a client cannot smuggle data the server would store', () => {
    const result = createShareRequest.safeParse({ ...valid, plaintext: 'x' })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys')
  })

  it.each([
    ['id', { id: 'A'.repeat(21) }],
    ['id', { id: 'A'.repeat(21) + '=' }],
    ['verifier', { verifier: 'B'.repeat(42) + '+' }],
    ['ciphertext', { ciphertext: '' }],
    ['ciphertext', { ciphertext: 'AQ==' }],
    ['ttlSeconds', { ttlSeconds: SHARE_LIMITS.ttlMinSeconds - 1 }],
    ['ttlSeconds', { ttlSeconds: SHARE_LIMITS.ttlMaxSeconds + 1 }],
    ['ttlSeconds', { ttlSeconds: 3600.5 }],
    ['ttlSeconds', { ttlSeconds: '3600' }],
    ['maxViews', { maxViews: 0 }],
    ['maxViews', { maxViews: 101 }],
  ])('names %s when it is wrong (%j)', (field, patch) => {
    expect(firstIssuePath({ ...valid, ...patch })).toBe(field)
  })

  it('accepts the limits themselves', () => {
    for (const ttlSeconds of [SHARE_LIMITS.ttlMinSeconds, SHARE_LIMITS.ttlMaxSeconds]) {
      for (const maxViews of [SHARE_LIMITS.viewsMin, SHARE_LIMITS.viewsMax]) {
        expect(createShareRequest.safeParse({ ...valid, ttlSeconds, maxViews }).success).toBe(true)
      }
    }
  })
})

describe('openShareRequest', () => {
  it('takes exactly a 32-byte access value and nothing else', () => {
    expect(openShareRequest.safeParse({ access: 'C'.repeat(43) }).success).toBe(true)
    expect(openShareRequest.safeParse({ access: 'C'.repeat(44) }).success).toBe(false)
    expect(openShareRequest.safeParse({ access: 'C'.repeat(43), id: 'x' }).success).toBe(false)
  })
})

describe('limits', () => {
  it('offers the SPEC §1.1 expiry range with 3 days among the choices', () => {
    const seconds = TTL_CHOICES.map((c) => c.seconds)
    expect(Math.min(...seconds)).toBe(SHARE_LIMITS.ttlMinSeconds)
    expect(Math.max(...seconds)).toBe(SHARE_LIMITS.ttlMaxSeconds)
    expect(seconds).toContain(SHARE_LIMITS.ttlDefaultSeconds)
  })

  it('computes unpadded base64url lengths', () => {
    expect([0, 1, 2, 3, 16, 32].map(b64urlLength)).toEqual([0, 2, 3, 4, 22, 43])
  })
})

describe('openApiDocument', () => {
  const doc = openApiDocument('1.2.3') as {
    openapi: string
    info: { version: string }
    paths: Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>
    >
    components: {
      schemas: Record<string, { additionalProperties?: unknown; required?: string[] }>
    }
  }

  it('describes exactly the share and vault paths of SPEC §4 and the operational endpoints', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.version).toBe('1.2.3')
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/account',
      '/api/account/email',
      '/api/account/email/test',
      '/api/account/notifications',
      '/api/account/password',
      '/api/account/webhook',
      '/api/account/webhook/test',
      '/api/admin/audit',
      '/api/admin/invites',
      '/api/admin/invites/{id}',
      '/api/admin/policy',
      '/api/admin/users',
      '/api/admin/users/{id}',
      '/api/admin/users/{id}/disable',
      '/api/admin/users/{id}/enable',
      '/api/audit',
      '/api/folders',
      '/api/folders/{id}',
      '/api/login',
      '/api/logout',
      '/api/policy',
      '/api/prelogin',
      '/api/register',
      '/api/secrets',
      '/api/secrets/{id}',
      '/api/secrets/{id}/keys',
      '/api/secrets/{id}/move',
      '/api/secrets/{id}/restore',
      '/api/secrets/{id}/share',
      '/api/secrets/{id}/shares',
      '/api/secrets/{id}/shares/{shareId}',
      '/api/session/key',
      '/api/share',
      '/api/share/{id}',
      '/api/share/{id}/open',
      '/api/share/{id}/status',
      '/api/token',
      '/api/token/secrets',
      '/api/token/secrets/{id}',
      '/api/tokens',
      '/api/tokens/{id}',
      '/api/tokens/{id}/grants',
      '/api/tokens/{id}/meta',
      '/healthz',
      '/metrics',
      '/readyz',
    ])
  })

  it('is generated from the validating schemas: required fields and no extra properties', () => {
    const schema = doc.paths['/api/share']?.post?.requestBody?.content['application/json']?.schema
    expect(schema?.$ref).toBe('#/components/schemas/CreateShareRequest')
    const def = doc.components.schemas.CreateShareRequest
    expect(def?.required?.sort()).toEqual([
      'ciphertext',
      'id',
      'maxViews',
      'ttlSeconds',
      'verifier',
    ])
    expect(def?.additionalProperties).toBe(false)
  })

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc)
  })
})
