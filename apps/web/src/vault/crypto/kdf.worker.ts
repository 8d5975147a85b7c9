/**
 * @module Module Web Worker running Argon2id off the page's thread, so the page keeps painting and
 * answering while the master password is stretched. One worker per request: it is terminated
 * afterwards, which also frees its 64 MiB.
 */
import { runKdf, transferables } from './kdf-ops.ts'
import type { KdfMessage, KdfRequest } from './kdf-ops.ts'

const post = (msg: KdfMessage, transfer: Transferable[] = []): void =>
  (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(
    msg,
    transfer,
  )

self.addEventListener('message', (e: MessageEvent<KdfRequest>) => {
  runKdf(e.data, (fraction) => post({ type: 'progress', fraction })).then(
    (result) => post({ type: 'done', result }, transferables(result)),
    (err: unknown) => {
      const code = (err as { code?: unknown }).code
      post({
        type: 'error',
        code: typeof code === 'string' ? code : 'derive_failed',
        message: err instanceof Error ? err.message : String(err),
      })
    },
  )
})
