/** @module Makes a copy of the node binary ignore NODE_OPTIONS, for the single executable. */

/**
 * Node 20's single executable still reads NODE_OPTIONS at start, in C++, before any JavaScript of
 * ours runs: `NODE_OPTIONS=--require=x` runs x first, `--max-old-space-size=1` starves the heap.
 * Node 24 added `execArgvExtension: "none"` to the SEA config for this; Node 20 has no switch.
 * So the copy is patched: the getenv key "NODE_OPTIONS" (one NUL-terminated C string in .rodata)
 * becomes the empty string, which no environment variable can match.
 *
 * Other occurrences are left alone: error messages that mention NODE_OPTIONS inside a longer
 * string, JavaScript sources, and V8 snapshot strings (which carry a 4-byte length, 12, before
 * their characters).
 *
 * @param {Buffer} binary the node executable's bytes; patched in place
 * @returns {number} the offset patched
 */
export function disableNodeOptions(binary) {
  const needle = Buffer.from('\0NODE_OPTIONS\0', 'latin1')
  const candidates = []
  for (let at = binary.indexOf(needle); at !== -1; at = binary.indexOf(needle, at + 1)) {
    const start = at + 1
    const v8Length = start >= 4 && binary.readUInt32LE(start - 4) === 12
    if (!v8Length) candidates.push(start)
  }
  if (candidates.length !== 1) {
    throw new Error(
      `expected exactly one "NODE_OPTIONS" C string in the node binary, found ${candidates.length}: ` +
        'this Node build is laid out differently; check how it reads NODE_OPTIONS before shipping it',
    )
  }
  const [offset] = candidates
  binary[offset] = 0
  return offset
}
