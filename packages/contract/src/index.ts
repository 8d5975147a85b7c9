/** @module The SecretSentry API contract: schemas, types, limits and the OpenAPI document. */
export * from './schemas.ts'
export * from './vault.ts'
export * from './session-key.ts'
export * from './admin.ts'
export type * from './types.ts'
export * from './limits.ts'
export { openApiDocument } from './openapi.ts'
