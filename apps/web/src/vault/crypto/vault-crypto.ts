/**
 * @module The vault's sealing and opening, through the keyring (vault design §1): metadata under
 * the folder key bound to (secret id, meta revision), each value under a data key of its own bound
 * to (secret id, version). Everything here runs in the browser; only wrapped keys and ciphertext
 * leave it.
 */
import {
  createSecretVersion,
  openFolder,
  openSecretMeta,
  openSecretVersion,
  sealSecretMeta,
} from '@secretsentry/keyring'
import type { Folder } from '../api/vault.types.ts'
import type { SecretMeta } from '../lib/filter.ts'

/** Best effort: JS cannot promise that no copy of a key survives in memory (GC moves, JIT). */
export function wipe(...keys: (Uint8Array | null | undefined)[]): void {
  for (const k of keys) k?.fill(0)
}

export { unwrapUserKey } from '@secretsentry/keyring'

export function unwrapFolderKey(userKey: Uint8Array, folder: Folder): Uint8Array {
  return openFolder(userKey, folder).key
}

export function sealMeta(
  folderKey: Uint8Array,
  secretId: string,
  revision: number,
  meta: SecretMeta,
): string {
  return sealSecretMeta(folderKey, secretId, revision, meta)
}

export function openMeta(
  folderKey: Uint8Array,
  secretId: string,
  revision: number,
  ciphertext: string,
): SecretMeta {
  return openSecretMeta(folderKey, secretId, revision, ciphertext)
}

export function sealValue(folderKey: Uint8Array, secretId: string, version: number, value: string) {
  return createSecretVersion(folderKey, secretId, version, { value })
}

export function openValue(
  folderKey: Uint8Array,
  secretId: string,
  sealed: { version: number; wrappedKey: string; ciphertext: string },
): string {
  return openSecretVersion(folderKey, secretId, sealed).value
}
