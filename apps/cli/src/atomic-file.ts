/** @module Writing a file so that a reader (or a crash) sees either no file or the whole file. */
import crypto from 'node:crypto'
import fs from 'node:fs'

/**
 * A temporary file beside `file`, created exclusively with `mode` (never through an existing path
 * or link), written, fsynced, then renamed over `file`; on failure the temporary file is removed.
 * `fsync: false` is for a file whose every reader verifies it (a crash may leave it torn or empty).
 */
export function writeFileAtomically(
  file: string,
  data: string | Uint8Array,
  mode: number,
  { fsync = true }: { fsync?: boolean } = {},
): void {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`
  const fd = fs.openSync(temp, 'wx', mode)
  try {
    if (typeof data === 'string') fs.writeSync(fd, data)
    else fs.writeSync(fd, data)
    if (fsync) fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.renameSync(temp, file)
  } catch (err) {
    fs.rmSync(temp, { force: true })
    throw err
  }
}
