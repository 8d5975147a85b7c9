/**
 * @module Opening and sealing secrets with a folder key: the one implementation the owner's
 * vault session and a service token's session both use (a token holds folder keys from its
 * grants, the owner from userKey; what is sealed under them is the same).
 */
import { EnvelopeError } from '@secretsentry/envelope'
import {
  createSecretVersion,
  KeyringError,
  newId,
  openSecretMeta,
  openSecretVersion,
  sealSecretMeta,
} from '@secretsentry/keyring'
import type { CreateSecretRequest } from '@secretsentry/contract/types'
import { localError } from './errors.ts'
import type { SecretMeta } from './meta.ts'

/** Keyring and envelope failures as ClientError with the same code and message. */
export function fromCrypto(e: unknown): unknown {
  if (e instanceof KeyringError) return localError(e.code, e.message)
  if (e instanceof EnvelopeError)
    return localError(e.code === 'bad_fragment' ? 'bad_input' : e.code, e.message)
  return e
}

export function viaCrypto<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw fromCrypto(e)
  }
}

export async function viaCryptoAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw fromCrypto(e)
  }
}

/** A secret's metadata, or null when it does not open (tampered, swapped, another folder's). */
export function openMetaOrNull(
  folderKey: Uint8Array,
  secret: { id: string; meta: { revision: number; ciphertext: string } },
): SecretMeta | null {
  try {
    return openSecretMeta(folderKey, secret.id, secret.meta.revision, secret.meta.ciphertext)
  } catch {
    return null
  }
}

export function sealMeta(key: Uint8Array, id: string, revision: number, meta: SecretMeta): string {
  return viaCrypto(() => sealSecretMeta(key, id, revision, meta))
}

/** A new version's value under a fresh data key wrapped under the folder key. */
export function sealValue(key: Uint8Array, id: string, version: number, value: string) {
  return viaCrypto(() => createSecretVersion(key, id, version, { value }))
}

/** POST /api/secrets (or a token's POST /api/token/secrets): metadata at revision 1, value version 1. */
export function newSecretRequest(
  folderId: string,
  key: Uint8Array,
  meta: SecretMeta,
  value: string,
): CreateSecretRequest {
  const id = newId()
  return {
    id,
    folderId,
    meta: { ciphertext: sealMeta(key, id, 1, meta) },
    value: sealValue(key, id, 1, value),
  }
}

/**
 * Opens the value in an answer for secret `id`. Security promise: the AD binds a value to its own
 * version only, so a server could answer with another version that opens fine (an old value as
 * the current one). The answer must be for `id` and carry `expected`: the version asked for, or
 * the one the answer itself labels with the stage asked for.
 */
export function openAnsweredValue(
  folderKey: Uint8Array,
  id: string,
  answer: { id: string; value: { version: number; wrappedKey: string; ciphertext: string } },
  expected: number | null,
): { value: string; version: number } {
  if (answer.value.version !== expected || answer.id !== id) {
    throw localError(
      'wrong_version',
      'The server sent another version of this secret than the one asked for.',
    )
  }
  const value = viaCrypto(() => openSecretVersion(folderKey, id, answer.value).value)
  return { value, version: answer.value.version }
}
