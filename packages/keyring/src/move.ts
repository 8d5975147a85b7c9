/**
 * @module Moving a secret to another folder (SPEC.md §12), on the owner's client: every version's
 * data key re-wrapped under the new folder key and the metadata sealed again under it. Values are
 * not re-encrypted: each version keeps its data key and its ciphertext.
 */
import { toB64url, wipe } from '@secretsentry/envelope/internal'
import { badInput } from './errors.ts'
import {
  MAX_VERSION,
  assertId,
  assertKey,
  assertObject,
  assertVersion,
  decodeB64url,
} from './bytes.ts'
import { dataKeyContext, unwrapKey, wrapKey } from './wrap.ts'
import { openSecretMeta, sealSecretMeta } from './vault.ts'
import type { SecretMeta } from './records.ts'

/** A version's data key as GET /api/secrets/:id/versions (or the like) returns it. */
export interface VersionKey {
  version: number
  /** The data key wrapped under the folder key (context data-key\0secretId\0version). */
  wrappedKey: string
}

/** A secret as the owner's client holds it before the move: its metadata and every version's key. */
export interface SecretToMove {
  id: string
  metaRevision: number
  /** Sealed secret-meta at metaRevision, under the old folder key. */
  meta: string
  /** Every version of the secret; one left out would stay under the old folder key. */
  versions: VersionKey[]
}

/** What the server stores for the moved secret: all of it replaces the old rows in one write. */
export interface SecretMove {
  id: string
  /** The destination folder. */
  folderId: string
  /** The metadata at revision metaRevision + 1, under the new folder key. */
  meta: { revision: number; ciphertext: string }
  /** The same data keys, wrapped under the new folder key, in the order given. */
  versions: VersionKey[]
}

function assertSecretToMove(value: unknown) {
  const s = assertObject(value, 'secret')
  const id = assertId(s['id'], 'secret.id')
  const metaRevision = assertVersion(s['metaRevision'], 'secret.metaRevision')
  if (metaRevision === MAX_VERSION) throw badInput('secret.metaRevision has no next revision')
  decodeB64url(s['meta'], 'secret.meta')
  const versions = s['versions']
  if (!Array.isArray(versions) || versions.length === 0) {
    throw badInput('secret.versions must be a non-empty array')
  }
  const seen = new Set<number>()
  const checked = versions.map((v: unknown, i) => {
    const o = assertObject(v, `secret.versions[${i}]`)
    const version = assertVersion(o['version'], `secret.versions[${i}].version`)
    if (seen.has(version)) throw badInput(`secret.versions[${i}] repeats version ${version}`)
    seen.add(version)
    return {
      version,
      wrapped: decodeB64url(o['wrappedKey'], `secret.versions[${i}].wrappedKey`),
    }
  })
  return { id, metaRevision, meta: s['meta'] as string, versions: checked }
}

/**
 * Re-keys one secret from `fromKey` to the folder `to`. The metadata is opened under the old key
 * (so a wrong key or a tampered row fails before anything is produced) and sealed under the new
 * one at the next revision, as `opts.meta` if given (a rename on the way). Every data key must
 * unwrap under the old key, else decrypt_failed and nothing is returned.
 *
 * It also serves to rotate a folder's key (`to.id` the same folder, `to.key` a new key).
 * Security note: holders of the old folder key (a token since revoked, a stale grant) can still
 * open the versions that existed before the move if they kept the ciphertexts, since data keys
 * are unchanged; only versions written afterwards are out of their reach (SPEC.md §12).
 */
export function rewrapForMove(
  fromKey: Uint8Array,
  to: { id: string; key: Uint8Array },
  secret: SecretToMove,
  opts?: { meta?: SecretMeta },
): SecretMove {
  const from = assertKey(fromKey, 'fromKey')
  const t = assertObject(to, 'to')
  const toId = assertId(t['id'], 'to.id')
  const toKey = assertKey(t['key'], 'to.key')
  const s = assertSecretToMove(secret)
  if (opts !== undefined) assertObject(opts, 'opts')
  const newMeta = opts?.meta
  const revision = s.metaRevision + 1
  // Checked (sealed) before anything is unwrapped, so bad new metadata fails first.
  const sealedNew =
    newMeta === undefined ? undefined : sealSecretMeta(toKey, s.id, revision, newMeta)
  const meta = openSecretMeta(from, s.id, s.metaRevision, s.meta)
  const versions = s.versions.map((v) => {
    const context = dataKeyContext(s.id, v.version)
    const dataKey = unwrapKey(from, v.wrapped, context)
    try {
      return { version: v.version, wrappedKey: toB64url(wrapKey(toKey, dataKey, context)) }
    } finally {
      wipe(dataKey)
    }
  })
  return {
    id: s.id,
    folderId: toId,
    meta: { revision, ciphertext: sealedNew ?? sealSecretMeta(toKey, s.id, revision, meta) },
    versions,
  }
}
