/** @module The NODE_OPTIONS patch: exactly the C string Node passes to getenv, nothing else, or the build stops. */
import { describe, expect, it } from 'vitest'
import { disableNodeOptions } from '../lib/node-options.mjs'

const cString = (s: string) => Buffer.from(`${s}\0`, 'latin1')
/** A V8 snapshot string: its length as 4 bytes little-endian, then the characters. */
const v8String = (s: string) => {
  const length = Buffer.alloc(4)
  length.writeUInt32LE(s.length)
  return Buffer.concat([Buffer.from([0x43]), length, Buffer.from(`${s}\0`, 'latin1')])
}

describe('disableNodeOptions', () => {
  it('blanks the getenv key and leaves messages and snapshot strings alone', () => {
    const binary = Buffer.concat([
      cString('invalid value for NODE_OPTIONS (unterminated string)'),
      cString('not found'),
      cString('NODE_OPTIONS'),
      cString('NODE_REPL_EXTERNAL_MODULE'),
      v8String('NODE_OPTIONS'),
    ])
    const before = Buffer.from(binary)
    const offset = disableNodeOptions(binary)
    expect(binary.subarray(offset, offset + 13).toString('latin1')).toBe('\0ODE_OPTIONS\0')
    // Only that one byte changed: the key is now "", which no environment variable can match.
    const changed = [...binary.keys()].filter((i) => binary[i] !== before[i])
    expect(changed).toEqual([offset])
    expect(binary.includes('invalid value for NODE_OPTIONS')).toBe(true)
    expect(binary.subarray(-13).toString('latin1')).toBe('NODE_OPTIONS\0')
  })

  it('refuses a binary where the key is missing or ambiguous, rather than ship one that reads it', () => {
    expect(() =>
      disableNodeOptions(Buffer.concat([cString('x'), v8String('NODE_OPTIONS')])),
    ).toThrow(/found 0/)
    const twice = Buffer.concat([cString('a'), cString('NODE_OPTIONS'), cString('NODE_OPTIONS')])
    expect(() => disableNodeOptions(twice)).toThrow(/found 2/)
  })

  it('finds exactly one key in the node that builds the executable', async () => {
    const fs = await import('node:fs')
    const binary = fs.readFileSync(process.execPath)
    expect(() => disableNodeOptions(binary)).not.toThrow()
  })
})
