/** @module The audit key and client hashes. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AUDIT_KEY_FILE, clientHasher, loadOrCreateAuditKey } from './audit.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-audit-'))
  dirs.push(dir)
  return path.join(dir, 'data')
}

describe('audit key', () => {
  it('is created once with mode 0600 and then read back', () => {
    const dir = tempDir()
    const first = loadOrCreateAuditKey(dir)
    expect(first).toHaveLength(32)
    expect(fs.statSync(path.join(dir, AUDIT_KEY_FILE)).mode & 0o777).toBe(0o600)
    expect(Buffer.from(loadOrCreateAuditKey(dir)).equals(Buffer.from(first))).toBe(true)
  })

  it('refuses a damaged key file instead of silently replacing it', () => {
    const dir = tempDir()
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, AUDIT_KEY_FILE), 'short')
    expect(() => loadOrCreateAuditKey(dir)).toThrow(/32 bytes/)
  })
})

describe('clientHasher', () => {
  it('gives a stable truncated HMAC per address that differs between keys and never contains the address', () => {
    const a = clientHasher(Buffer.alloc(32, 1))
    const b = clientHasher(Buffer.alloc(32, 2))
    expect(a('192.0.2.1')).toMatch(/^[0-9a-f]{32}$/)
    expect(a('192.0.2.1')).toBe(a('192.0.2.1'))
    expect(a('192.0.2.1')).not.toBe(a('192.0.2.2'))
    expect(a('192.0.2.1')).not.toBe(b('192.0.2.1'))
    expect(a('192.0.2.1')).not.toContain('192')
  })
})
