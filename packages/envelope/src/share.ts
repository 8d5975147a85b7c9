/** @module High-level share creation and opening, what the web app and the CLI call (SPEC §3, §4 request shapes). */
import { badInput } from './errors.ts'
import { assertInt, assertObject, wipe } from './bytes.ts'
import { fromB64url, toB64url } from './b64url.ts'
import { resolveBackend } from './aead.ts'
import type { Backend } from './aead.ts'
import { deriveShareKeys, newSeed } from './keys.ts'
import { encodeFragment, parseFragment } from './fragment.ts'
import { encodeRecord } from './record.ts'
import type { ShareRecord } from './record.ts'
import { assertPolicy, openSealed, sealRecordBytes } from './seal.ts'
import type { SharePolicy } from './seal.ts'

export interface CreateShareResult {
  /** Goes after '#' in the link, so browsers never send it to the server. */
  fragment: string
  /** Body of POST /api/share: everything the server needs and nothing it could decrypt with. */
  request: {
    id: string
    verifier: string
    ciphertext: string
    ttlSeconds: number
    maxViews: number
  }
}

function optionalPassphrase(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw badInput('passphrase must be a string or undefined')
  return value === '' ? undefined : value
}

export async function createShare(
  record: ShareRecord,
  opts: { ttlSeconds: number; maxViews: number; passphrase?: string; backend?: Backend },
): Promise<CreateShareResult> {
  // Every check runs before Argon2id, so bad input fails fast instead of after ~0.2 s.
  const o = assertObject(opts, 'opts')
  const passphrase = optionalPassphrase(o['passphrase'])
  const policy = assertPolicy({
    ttlSeconds: o['ttlSeconds'],
    maxViews: o['maxViews'],
    passphrase: passphrase !== undefined,
  })
  const backend = resolveBackend(o['backend'])
  const recordBytes = encodeRecord(record)
  const seed = newSeed()
  const keys = await deriveShareKeys(seed, passphrase)
  try {
    const sealed = await sealRecordBytes(keys, policy, recordBytes, { backend })
    return {
      fragment: encodeFragment({ seed, passphrase: policy.passphrase }),
      request: {
        id: toB64url(keys.id),
        verifier: toB64url(keys.verifier),
        ciphertext: toB64url(sealed),
        ttlSeconds: policy.ttlSeconds,
        maxViews: policy.maxViews,
      },
    }
  } finally {
    wipe(seed, recordBytes, keys.encKey, keys.access, keys.verifier)
  }
}

export interface PreparedOpen {
  /** For the URL of POST /api/share/:id/open. */
  id: string
  /** Body of the open request ({access}); also accepted by DELETE /api/share/:id. */
  access: string
  /** Whether the link says a passphrase is part of the key. */
  passphrase: boolean
  /** Decrypts the open response; its ttlSeconds and maxViews must be the sender's or GCM fails. */
  decrypt(res: { ciphertext: string; ttlSeconds: number; maxViews: number }): Promise<ShareRecord>
}

/**
 * Derives everything needed to open a share without any network request, so the page can ask
 * for the passphrase and wait for Reveal first. A passphrase is required when the fragment has
 * the flag and ignored when it has not (it plays no part in that link's keys).
 */
export async function prepareOpen(fragment: string, passphrase?: string): Promise<PreparedOpen> {
  const { seed, passphrase: needsPassphrase } = parseFragment(fragment)
  const given = optionalPassphrase(passphrase)
  if (needsPassphrase && given === undefined) {
    wipe(seed)
    throw badInput('this link needs a passphrase')
  }
  const keys = await deriveShareKeys(seed, needsPassphrase ? given : undefined)
  const id = toB64url(keys.id)
  const access = toB64url(keys.access)
  wipe(seed, keys.access, keys.verifier)
  return {
    id,
    access,
    passphrase: needsPassphrase,
    async decrypt(res) {
      const r = assertObject(res, 'response')
      const policy: SharePolicy = assertPolicy({
        ttlSeconds: assertInt(r['ttlSeconds'], 'response.ttlSeconds', 1, 0xffffffff),
        maxViews: assertInt(r['maxViews'], 'response.maxViews', 1, 0xff),
        passphrase: needsPassphrase,
      })
      if (typeof r['ciphertext'] !== 'string')
        throw badInput('response.ciphertext must be a string')
      return openSealed(keys, policy, fromB64url(r['ciphertext']))
    },
  }
}
