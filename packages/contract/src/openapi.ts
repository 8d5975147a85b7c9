/** @module The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate requests. */
import type { z } from 'zod'
import * as s from './schemas.ts'
import { schemaComponents, type SchemaComponents } from './openapi-schemas.ts'
import { vaultPaths, vaultSecuritySchemes } from './openapi-vault.ts'
import { adminPaths } from './openapi-admin.ts'
import { tokenPaths, tokenSecuritySchemes } from './openapi-tokens.ts'

type Schema = z.ZodType

// Built per call, not at import: JSON Schema generation is start-up time the server spends only
// when /api/openapi.json is first asked for.
function helpers(schemas: SchemaComponents) {
  const json = (schema: Schema) => ({
    content: { 'application/json': { schema: schemas.schema(schema) } },
  })
  const errorResponse = (description: string) => ({ description, ...json(s.errorBody) })
  const commonErrors = {
    '400': errorResponse('Invalid input; `error.field` names the field'),
    '413': errorResponse('Body larger than the configured limit'),
    '415': errorResponse('Body is not application/json'),
    '429': errorResponse('Rate limited; see the Retry-After header'),
  }
  return { json, errorResponse, commonErrors, schema: schemas.schema }
}

export function openApiDocument(version: string): Record<string, unknown> {
  const schemas = schemaComponents()
  const shared = helpers(schemas)
  const { json, errorResponse, commonErrors } = shared
  const idParam = { name: 'id', in: 'path', required: true, schema: schemas.schema(s.shareId) }
  // Paths first: converting their schemas is what fills the components.
  const paths = {
    '/api/share': {
      post: {
        summary: 'Store an encrypted share',
        description:
          'With `receipt`, one notification is sent when the share ends (read, expired unread, ' +
          'deleted, destroyed): to an email address the server holds in clear until then, or to ' +
          "the logged-in account's channels. It carries the ending, its times and, only when " +
          'given, the label; never the secret, the link or the key.',
        requestBody: { required: true, ...json(s.createShareRequest) },
        responses: {
          '201': { description: 'Created', ...json(s.createShareResponse) },
          '400': errorResponse(
            'Invalid input; `error.field` names the field (ttlSeconds: past the instance policy; ' +
              'receipt.email: its domain is not allowed by the instance policy; receipt.to: the ' +
              'account has no webhook or alert email to send to)',
          ),
          '401': errorResponse(
            'login_required: this instance takes shares from logged-in accounts only (session ' +
              'cookie + X-CSRF-Token, or bearer); unauthenticated: a receipt to the account without a valid session',
          ),
          '409': errorResponse(
            'A share with this id exists; or receipt.to is email while this server sends no mail (no SMTP_URL)',
          ),
          '413': errorResponse(
            'payload_too_large: the body or the ciphertext is over MAX_SECRET_BYTES or the instance policy',
          ),
          '415': commonErrors['415'],
          '429': commonErrors['429'],
        },
      },
    },
    '/api/share/{id}/open': {
      post: {
        summary: 'Consume one view and return the ciphertext',
        parameters: [idParam],
        requestBody: { required: true, ...json(s.openShareRequest) },
        responses: {
          '200': {
            description: 'The ciphertext and the stored policy',
            ...json(s.openShareResponse),
          },
          '403': errorResponse('Wrong access value; `error.attemptsLeft` says how many remain'),
          '404': errorResponse('Unknown, expired or used up (indistinguishable)'),
          ...commonErrors,
        },
      },
    },
    '/api/share/{id}/status': {
      get: {
        summary: 'Status of a share for its creator, also for a while after it ended',
        description:
          'A share that ended (read, expired, deleted or destroyed) leaves a receipt without ' +
          'its ciphertext or verifier: kept until its original expiry, or for 7 days after it ' +
          'when it expired. Without the right manage token an ended share is a 404 like an ' +
          'unknown one.',
        parameters: [idParam],
        security: [{ manageToken: [] }],
        responses: {
          '200': { description: 'Status', ...json(s.shareStatusResponse) },
          '401': errorResponse(
            'Missing or malformed manage token, or a wrong one for a live share',
          ),
          '404': errorResponse(
            'Unknown, or ended and its receipt swept, or ended and the token is wrong (indistinguishable)',
          ),
          '429': commonErrors['429'],
        },
      },
    },
    '/api/share/{id}': {
      delete: {
        summary: 'Destroy a share now (manage token or access value as bearer token)',
        parameters: [idParam],
        security: [{ manageToken: [] }],
        responses: {
          '204': { description: 'Destroyed' },
          '401': errorResponse('Missing or wrong token'),
          '404': errorResponse('Unknown, expired or used up'),
          '429': commonErrors['429'],
        },
      },
    },
    ...vaultPaths(shared),
    ...adminPaths(shared),
    ...tokenPaths(shared),
    '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
    '/readyz': {
      get: {
        summary: 'Readiness',
        responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        description:
          'With METRICS_TOKEN set, requires `Authorization: Bearer <token>`; unset, answers only a direct loopback client.',
        responses: {
          '200': { description: 'text/plain exposition format' },
          '401': { description: 'METRICS_TOKEN is set and the bearer token is missing or wrong' },
          '403': { description: 'No METRICS_TOKEN, and the client is not on this machine' },
        },
      },
    },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SecretSentry API',
      version,
      description:
        'Zero-knowledge secret sharing. Every secret is encrypted on the client; the server stores ciphertext and token state only.',
    },
    paths,
    components: {
      schemas: schemas.components(),
      securitySchemes: {
        manageToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The manageToken from the create response',
        },
        ...vaultSecuritySchemes,
        ...tokenSecuritySchemes,
      },
    },
  }
}
