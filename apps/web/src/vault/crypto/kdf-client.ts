/**
 * @module Sends a KDF request (kdf-ops.ts) to a fresh module Web Worker and reports its progress;
 * where no Worker exists (tests, very old browsers) it runs on the page with the async Argon2id.
 */
import { runKdf } from './kdf-ops.ts'
import type { KdfMessage, KdfRequest, KdfResults } from './kdf-ops.ts'

/** An Error with the keyring's `code` (decrypt_failed, kdf_too_weak…), rebuilt from the worker's message. */
export class KdfError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'KdfError'
    this.code = code
  }
}

function inWorker<R>(req: KdfRequest, onProgress: (f: number) => void): Promise<R> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./kdf.worker.ts', import.meta.url), {
      type: 'module',
      name: 'kdf',
    })
    let started = false
    worker.addEventListener('message', (e: MessageEvent<KdfMessage>) => {
      started = true
      const msg = e.data
      if (msg.type === 'progress') {
        onProgress(msg.fraction)
        return
      }
      worker.terminate()
      if (msg.type === 'done') resolve(msg.result as R)
      else reject(new KdfError(msg.code, msg.message))
    })
    worker.addEventListener('error', (e) => {
      worker.terminate()
      // No module workers in this browser: the async Argon2id on the page works, less smoothly.
      if (!started) runKdf(req, onProgress).then((r) => resolve(r as R), reject)
      else reject(new KdfError('worker_failed', e.message || 'The key-derivation worker failed.'))
    })
    worker.postMessage(req)
  })
}

export function kdf<Op extends KdfRequest['op']>(
  req: Extract<KdfRequest, { op: Op }>,
  onProgress: (fraction: number) => void = () => {},
): Promise<KdfResults[Op]> {
  if (typeof Worker === 'undefined') {
    return runKdf(req, onProgress) as Promise<KdfResults[Op]>
  }
  return inWorker<KdfResults[Op]>(req, onProgress)
}
