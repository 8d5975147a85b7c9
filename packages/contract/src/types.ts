/** @module Wire types of the share API, inferred from the schemas; `import type` from here costs the browser nothing. */
import type { z } from 'zod'
import type * as s from './schemas.ts'

export type CreateShareRequest = z.infer<typeof s.createShareRequest>
export type CreateShareResponse = z.infer<typeof s.createShareResponse>
export type OpenShareRequest = z.infer<typeof s.openShareRequest>
export type OpenShareResponse = z.infer<typeof s.openShareResponse>
export type ShareStatusResponse = z.infer<typeof s.shareStatusResponse>
export type ErrorCode = z.infer<typeof s.errorCode>
export type ErrorBody = z.infer<typeof s.errorBody>
