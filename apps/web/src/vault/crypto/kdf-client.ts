/**
 * @module Runs a KDF request (kdf-ops.ts) on the page with the async Argon2id (it yields every
 * ~10 ms, so the page keeps painting its progress).
 *
 * Security promise: Argon2id, which receives the master password, runs only in code the browser
 * checked against the build's hashes (this module is in the vault chunk, see
 * app/pinned-import.ts). Not in a Web Worker: a worker's script cannot carry integrity, so a
 * tampered server could hand the password to code nothing checked (e2e/integrity.test.ts).
 */
import { runKdf } from './kdf-ops.ts'
import type { KdfRequest, KdfResults } from './kdf-ops.ts'

export function kdf<Op extends KdfRequest['op']>(
  req: Extract<KdfRequest, { op: Op }>,
  onProgress: (fraction: number) => void = () => {},
): Promise<KdfResults[Op]> {
  return runKdf(req, onProgress) as Promise<KdfResults[Op]>
}
