/** @module Precomputed request bodies, so generating load costs the load generator nothing during the run. */
import { createHash, randomBytes } from 'node:crypto'

/** base64url without padding, as on the wire (SPEC §3). */
export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/**
 * An opaque sealed blob of the right shape: version 1 || nonce (12) || ciphertext || tag (16).
 * The server never decrypts, so random bytes cost it exactly what a real share costs.
 */
export function fakeSealed(plaintextBytes: number): string {
  const sealed = randomBytes(1 + 12 + plaintextBytes + 16)
  sealed[0] = 1
  return b64url(sealed)
}

export interface CreatePool {
  bodies: Buffer[]
  /** Size of one JSON body in bytes. */
  bodyBytes: number
}

/**
 * `count` create bodies with distinct random ids and verifiers. Ciphertexts come from a smaller set of
 * distinct random blobs (all the same size) to keep memory bounded; the server treats each as opaque.
 */
export function createPool(
  count: number,
  plaintextBytes: number,
  options: { ttlSeconds?: number; maxViews?: number; distinctCiphertexts?: number } = {},
): CreatePool {
  const blobs = Array.from({ length: options.distinctCiphertexts ?? 256 }, () =>
    fakeSealed(plaintextBytes),
  )
  const ttl = options.ttlSeconds ?? 3600
  const views = options.maxViews ?? 1
  const bodies: Buffer[] = new Array<Buffer>(count)
  // One random draw for all ids and verifiers: 48 bytes per body.
  const random = randomBytes(count * 48)
  for (let i = 0; i < count; i++) {
    const id = b64url(random.subarray(i * 48, i * 48 + 16))
    const verifier = b64url(random.subarray(i * 48 + 16, i * 48 + 48))
    const ciphertext = blobs[i % blobs.length] as string
    bodies[i] = Buffer.from(
      `{"id":"${id}","verifier":"${verifier}","ciphertext":"${ciphertext}","ttlSeconds":${ttl},"maxViews":${views}}`,
    )
  }
  return { bodies, bodyBytes: bodies[0]?.length ?? 0 }
}

export interface OpenableShare {
  create: Buffer
  id: string
  /** JSON body of POST /api/share/:id/open. */
  open: Buffer
}

/** Shares whose access value is known, so they can be opened: verifier = SHA-256(access) (SPEC §3). */
export function openablePool(
  count: number,
  plaintextBytes: number,
  maxViews: number,
): OpenableShare[] {
  const blob = fakeSealed(plaintextBytes)
  return Array.from({ length: count }, () => {
    const id = b64url(randomBytes(16))
    const access = randomBytes(32)
    const verifier = b64url(createHash('sha256').update(access).digest())
    return {
      id,
      create: Buffer.from(
        JSON.stringify({ id, verifier, ciphertext: blob, ttlSeconds: 3600, maxViews }),
      ),
      open: Buffer.from(JSON.stringify({ access: b64url(access) })),
    }
  })
}

/**
 * An endless supply of distinct create bodies built on demand, for filling a database with many
 * rows (too many to hold precomputed): ids and verifiers are a random prefix plus a counter.
 */
export function createBodyStream(plaintextBytes: number, maxViews = 1): () => Buffer {
  const ciphertext = fakeSealed(plaintextBytes)
  const idBytes = randomBytes(16)
  const verifierBytes = randomBytes(32)
  let counter = 0n
  return () => {
    counter++
    idBytes.writeBigUInt64BE(counter, 8)
    verifierBytes.writeBigUInt64BE(counter, 24)
    return Buffer.from(
      `{"id":"${b64url(idBytes)}","verifier":"${b64url(verifierBytes)}","ciphertext":"${ciphertext}","ttlSeconds":86400,"maxViews":${maxViews}}`,
    )
  }
}
