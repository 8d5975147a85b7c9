/** @module A tiny seeded generator for property tests (sfc32), so every failing case can be replayed from its seed. */

export interface Gen {
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number
  bytes(length: number): Uint8Array
  pick<T>(items: readonly T[]): T
  /** A string of `length` code points drawn from ASCII, Latin-1, the BMP (no surrogates) and astral planes. */
  text(length: number): string
}

export function gen(seed: number): Gen {
  let a = 0x9e3779b9
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = seed >>> 0
  const next = (): number => {
    // sfc32 (PractRand-tested small fast counter generator); plenty for test inputs, never for keys.
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) next()
  const int = (min: number, max: number): number => min + (next() % (max - min + 1))
  const codePoint = (): number => {
    switch (int(0, 3)) {
      case 0:
        return int(0, 0x7f)
      case 1:
        return int(0x80, 0x7ff)
      case 2: {
        const cp = int(0x800, 0xffff)
        return cp >= 0xd800 && cp <= 0xdfff ? 0x20ac : cp
      }
      default:
        return int(0x10000, 0x10ffff)
    }
  }
  return {
    int,
    bytes: (length) => Uint8Array.from({ length }, () => next() & 0xff),
    pick: (items) => items[int(0, items.length - 1)]!,
    text: (length) => String.fromCodePoint(...Array.from({ length }, codePoint)),
  }
}
