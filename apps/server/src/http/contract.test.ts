/** @module The lazily loaded contract: one module for every caller, the id check it replaces, and no eager import. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { adminUserId, vaultId } from '@secretsentry/contract'
import { contract } from './contract.ts'
import { isB64urlOfBytes } from './validate.ts'

const SRC = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : []
  })
}

describe('contract()', () => {
  it('loads the whole contract once and gives every caller the same module', async () => {
    const [a, b] = await Promise.all([contract(), contract()])
    expect(a).toBe(b)
    expect(await contract()).toBe(a)
    expect(a.vaultId).toBe(vaultId)
    expect(typeof a.openApiDocument).toBe('function')
  })

  it('is the only way the server reaches the whole contract (start-up builds only the share schemas)', () => {
    const eager: string[] = []
    for (const file of sourceFiles(SRC)) {
      const text = fs.readFileSync(file, 'utf8')
      // A value import (or re-export) of the package root evaluates every schema module at
      // start-up. No quote inside the clause: one match never runs into the next statement.
      const statements =
        /^(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?'@secretsentry\/contract'/gm
      for (const m of text.matchAll(statements))
        if (!m[1]) eager.push(`${path.relative(SRC, file)}: ${m[0].replace(/\s+/g, ' ')}`)
    }
    expect(eager).toEqual([])
  })
})

describe('isB64urlOfBytes', () => {
  it('accepts exactly what the contract id schemas accept', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. é\n'
    const samples = ['', 'A'.repeat(22), 'A'.repeat(21), 'A'.repeat(23), 'A'.repeat(21) + '=']
    let seed = 7
    // The high bits of a linear congruential generator: its low bits repeat after a few steps.
    const next = () => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 65536)
    for (let i = 0; i < 2000; i++) {
      const length = 18 + (next() % 8)
      let text = ''
      for (let j = 0; j < length; j++) {
        // Mostly base64url, sometimes a character outside it.
        const k = next() % 100 < 97 ? next() % 64 : 64 + (next() % (alphabet.length - 64))
        text += alphabet[k]
      }
      samples.push(text)
    }
    let accepted = 0
    for (const text of samples) {
      expect(isB64urlOfBytes(text, 16), JSON.stringify(text)).toBe(vaultId.safeParse(text).success)
      expect(isB64urlOfBytes(text, 16)).toBe(adminUserId.safeParse(text).success)
      if (isB64urlOfBytes(text, 16)) accepted++
    }
    // Both answers occur, so the comparison means something.
    expect(accepted).toBeGreaterThan(50)
    expect(accepted).toBeLessThan(samples.length - 50)
  })
})
