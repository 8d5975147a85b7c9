/** @module Group fsync of the SQLite WAL on libuv's thread pool, so waiting for the disk never blocks the event loop. */
import fs from 'node:fs'
import path from 'node:path'

/**
 * `sync()` resolves once everything written to the file before the call is on disk. Callers
 * that arrive while an fdatasync runs share the next one (it must start after their write),
 * so there are at most two in flight and one per burst: group commit at the disk.
 */
export class FileSyncer {
  readonly #fd: number
  #running: Promise<void> | null = null
  #next: Promise<void> | null = null
  #closed = false
  #failed: unknown = null

  constructor(file: string) {
    this.#fd = fs.openSync(file, 'r+')
    // The file's directory entry must be durable too; SQLite syncs it on its own first WAL sync,
    // which synchronous=NORMAL skips at COMMIT.
    const dir = fs.openSync(path.dirname(file), 'r')
    try {
      fs.fsyncSync(dir)
    } finally {
      fs.closeSync(dir)
    }
  }

  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('FileSyncer is closed'))
    // Security promise (durability): after one failed fdatasync nothing is acknowledged again.
    // The kernel may have dropped the dirty pages and report the next fdatasync clean, and WAL
    // frames are checksummed as a chain: recovery stops at a lost frame and discards every later
    // commit, so later writes would be acknowledged yet lost. Only a restart (recovery) clears it.
    if (this.#failed !== null) return Promise.reject(this.#failed)
    if (!this.#running) {
      this.#running = this.#fdatasync()
        .catch((err: unknown) => {
          this.#failed ??= err
          throw err
        })
        .finally(() => {
          this.#running = null
        })
      return this.#running
    }
    // The running sync may have started before this caller's write: wait for a fresh one.
    this.#next ??= this.#running
      .catch(() => {})
      .then(() => {
        this.#next = null
        return this.sync()
      })
    return this.#next
  }

  async close(): Promise<void> {
    await this.#next?.catch(() => {})
    await this.#running?.catch(() => {})
    this.#closed = true
    fs.closeSync(this.#fd)
  }

  #fdatasync(): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.fdatasync(this.#fd, (err) => (err ? reject(err) : resolve())),
    )
  }
}
