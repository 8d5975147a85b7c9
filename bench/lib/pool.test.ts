/** @module The precomputed bodies are valid requests by the contract's own schemas, and distinct. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createShareRequest, openShareRequest } from '@secretsentry/contract'
import { createBodyStream, createPool, openablePool } from './pool.ts'

describe('createPool', () => {
  it('builds schema-valid bodies with distinct ids and 1 KiB ciphertexts', () => {
    const pool = createPool(500, 1024)
    const ids = new Set<string>()
    for (const body of pool.bodies) {
      const parsed = createShareRequest.parse(JSON.parse(body.toString('utf8')))
      ids.add(parsed.id)
      expect(Buffer.from(parsed.ciphertext, 'base64url')).toHaveLength(1 + 12 + 1024 + 16)
    }
    expect(ids.size).toBe(500)
  })
})

describe('openablePool', () => {
  it('pairs each create body with an access value whose SHA-256 is the verifier', () => {
    for (const share of openablePool(20, 1024, 100)) {
      const create = createShareRequest.parse(JSON.parse(share.create.toString('utf8')))
      const open = openShareRequest.parse(JSON.parse(share.open.toString('utf8')))
      const digest = createHash('sha256').update(Buffer.from(open.access, 'base64url')).digest()
      expect(create.verifier).toBe(digest.toString('base64url'))
      expect(create.id).toBe(share.id)
      expect(create.maxViews).toBe(100)
    }
  })
})

describe('createBodyStream', () => {
  it('never repeats an id and every body is schema-valid', () => {
    const next = createBodyStream(1024)
    const ids = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      ids.add(createShareRequest.parse(JSON.parse(next().toString('utf8'))).id)
    }
    expect(ids.size).toBe(1000)
  })
})
