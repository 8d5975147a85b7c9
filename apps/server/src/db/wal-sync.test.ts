/** @module FileSyncer: fdatasync on the thread pool, shared by every caller of one burst. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FileSyncer } from './wal-sync.ts'

const dirs: string[] = []
afterEach(() => {
  vi.restoreAllMocks()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})
function tempFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-sync-'))
  dirs.push(dir)
  const file = path.join(dir, 'x')
  fs.writeFileSync(file, 'x')
  return file
}

describe('FileSyncer', () => {
  it('one burst of callers shares at most two fdatasync calls, and each waits for one that started after it', async () => {
    const syncer = new FileSyncer(tempFile())
    const spy = vi.spyOn(fs, 'fdatasync')
    await Promise.all(Array.from({ length: 50 }, () => syncer.sync()))
    expect(spy).toHaveBeenCalledTimes(2)
    await syncer.sync()
    expect(spy).toHaveBeenCalledTimes(3)
    await syncer.close()
  })

  it('makes the directory entry durable once, when opened', () => {
    const spy = vi.spyOn(fs, 'fsyncSync')
    const syncer = new FileSyncer(tempFile())
    expect(spy).toHaveBeenCalledTimes(1)
    return syncer.close()
  })

  it('passes disk errors to every waiting caller, and to every caller after them', async () => {
    const syncer = new FileSyncer(tempFile())
    vi.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, cb: (err: Error | null) => void) =>
      cb(Object.assign(new Error('EIO'), { code: 'EIO' }))) as typeof fs.fdatasync)
    const results = await Promise.allSettled([syncer.sync(), syncer.sync(), syncer.sync()])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    vi.restoreAllMocks()
    // A later fdatasync that reports success proves nothing about the lost pages: stay failed.
    await expect(syncer.sync()).rejects.toThrow(/EIO/)
    await syncer.close()
    await expect(syncer.sync()).rejects.toThrow(/closed/)
  })
})
