/** @module The export formats read back exactly by their independent readers: the `dotenv` package's parser, JSON.parse and `eval` in bash. */
import { execFileSync } from 'node:child_process'
import dotenv from 'dotenv'
import { describe, expect, it } from 'vitest'
import { dotenvLine, formatVariables, shellLine, UnrepresentableValue } from './export-format.ts'

/** Values that break naive quoting, each alone and all together. */
const NASTY: Record<string, string> = {
  EMPTY: '',
  SPACE: ' ',
  PLAIN: 'hunter2',
  NEWLINES: 'line one\nline two\n',
  CRLF: 'dos\r\nline\r',
  SINGLE: "it's",
  DOUBLE: 'say "hi"',
  BOTH_QUOTES: `it's "quoted"`,
  DOLLAR: '$HOME ${PATH} $(id) $((1+1))',
  BACKQUOTE: '`id` and `whoami`',
  BACKSLASH: 'C:\\path\\to\\n\\r\\t\\\\',
  FINAL_BACKSLASH: 'ends in \\',
  HASH: '#not a comment # either',
  EQUALS: 'a=b==c',
  LEADING: '  padded  ',
  UNICODE: 'pässwörd ✓ 密码 😀 \u2028 \u2029 \u00a0 \ufeff',
  PEM: '-----BEGIN KEY-----\nMIIB\\nxyz\n-----END KEY-----\n',
  JSONISH: '{"a": [1, "two"], "b": "c\\"d"}',
  QUOTE_ONLY: '"',
  APOSTROPHE_ONLY: "'",
  BACKQUOTE_ONLY: '`',
  LOOKS_LIKE_A_LINE: "x'\nOTHER='injected",
  ESCAPED_QUOTE_END: "a\\'",
  ALL_QUOTES_ONE_LINE: `'"\`$\\x`,
  ALL_QUOTES_LINES: `it's "q" \`x\`\nline 2 ✓`,
  ALL_QUOTES_AND_HASH: `'"\` #`,
}

function bashEval(script: string, names: readonly string[]): Record<string, string> {
  const out = execFileSync(
    'bash',
    ['-c', 'eval "$(cat)"; for n in "$@"; do printf "%s\\0" "${!n}"; done', 'bash', ...names],
    { input: script, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  ).toString('utf8')
  const values = out.split('\0').slice(0, -1)
  return Object.fromEntries(names.map((n, i) => [n, values[i] as string]))
}

/** dotenv's default parser; its optional character scanner (`fast`) must agree. */
function parseDotenv(text: string): Record<string, string> {
  const parsed = dotenv.parse(text)
  expect(dotenv.parse(text, { fast: true })).toEqual(parsed)
  return parsed
}

/** A small deterministic generator, so a failure names a case that can be run again. */
function* randomValues(seed: number, count: number): Generator<string> {
  const alphabet = [
    'a',
    'Z',
    '0',
    ' ',
    '\t',
    "'",
    '"',
    '`',
    '\\',
    'n',
    'r',
    '#',
    '$',
    '=',
    '\n',
    '\r',
    '{',
    'é',
    '😀',
    '\u2028',
    '\u2029',
    '\u00a0',
    '\ufeff',
  ]
  let x = seed >>> 0
  const next = (n: number): number => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
  for (let i = 0; i < count; i++) {
    const length = next(9)
    let value = ''
    for (let j = 0; j < length; j++) value += alphabet[next(alphabet.length)]
    yield value
  }
}

describe('dotenv', () => {
  it('every nasty value reads back exactly through the dotenv package, or is refused', () => {
    const written: Record<string, string> = {}
    const refused: string[] = []
    for (const [name, value] of Object.entries(NASTY)) {
      try {
        dotenvLine(name, value)
        written[name] = value
      } catch (e) {
        expect(e).toBeInstanceOf(UnrepresentableValue)
        refused.push(name)
      }
    }
    const text = formatVariables(written, 'dotenv')
    expect(parseDotenv(text)).toEqual(written)
    // Only a value no dotenv form can carry is refused: all three quote characters and a #.
    expect(refused).toEqual(['ALL_QUOTES_AND_HASH'])
  })

  it('picks single quotes first, so nothing is expanded by readers that expand "$VAR"', () => {
    expect(dotenvLine('A', '$HOME `id` \\n')).toBe("A='$HOME `id` \\n'")
    expect(dotenvLine('A', "it's\n")).toBe('A="it\'s\\n"')
    expect(dotenvLine('A', `it's "x" #`)).toBe('A=`it\'s "x" #`')
    expect(dotenvLine('A', `it's "x" \`y\`\n`)).toBe(`A="it's "x" \`y\`\\n"`)
  })

  it('refuses what it cannot write, naming the variable and never the value', () => {
    const value = `CANARY '"\`#`
    expect(() => dotenvLine('TOKEN', value)).toThrow(UnrepresentableValue)
    try {
      dotenvLine('TOKEN', value)
    } catch (e) {
      expect((e as Error).message).toContain('TOKEN')
      expect((e as Error).message).not.toContain('CANARY')
    }
    // A \n pair of characters with a quote and a carriage return; a final backslash after a line break.
    expect(() => dotenvLine('X', `'C:\\new\r`)).toThrow(UnrepresentableValue)
    expect(() => dotenvLine('X', `it's\nC:\\`)).toThrow(UnrepresentableValue)
    expect(() => dotenvLine('X', `'"\`\u2028`)).toThrow(UnrepresentableValue)
  })

  it('30,000 random values of quotes, backslashes, line breaks and Unicode: exact or refused, in files of several lines', () => {
    let kept = 0
    const values = [...randomValues(20261208, 30_000)]
    for (let start = 0; start < values.length; start += 6) {
      const env: Record<string, string> = {}
      values.slice(start, start + 6).forEach((value, i) => {
        try {
          dotenvLine(`V${i}`, value)
          env[`V${i}`] = value
        } catch (e) {
          expect(e, JSON.stringify(value)).toBeInstanceOf(UnrepresentableValue)
        }
      })
      kept += Object.keys(env).length
      const text = formatVariables(env, 'dotenv')
      expect(parseDotenv(text), JSON.stringify(env)).toEqual(env)
    }
    // The refusals are values mixing quotes, backslashes, # and line breaks as no dotenv form
    // allows: common in this alphabet of 23 characters, rare in real secrets.
    expect(kept / values.length).toBeGreaterThan(0.95)
  })
})

describe('json', () => {
  it('JSON.parse gives back every value, and a variable named __proto__ as a plain key', () => {
    const env = Object.fromEntries([...Object.entries(NASTY), ['__proto__', 'kept']])
    const parsed = JSON.parse(formatVariables(env, 'json')) as Record<string, string>
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toBe('kept')
    expect(parsed).toEqual(env)
    expect(formatVariables({}, 'json')).toBe('{}\n')
  })
})

describe('shell', () => {
  it("writes export NAME='...' with '\\'' for a quote", () => {
    expect(shellLine('A', "it's $HOME")).toBe("export A='it'\\''s $HOME'")
  })

  it('eval in bash sets every variable to exactly its value', () => {
    const script = formatVariables(NASTY, 'shell')
    expect(bashEval(script, Object.keys(NASTY))).toEqual(NASTY)
  })

  it('random values survive eval in bash too', () => {
    const env = Object.fromEntries(
      [...randomValues(7, 300)].map((value, i) => [`R${i}`, value] as const),
    )
    expect(bashEval(formatVariables(env, 'shell'), Object.keys(env))).toEqual(env)
  })

  it('nothing to export is empty output', () => {
    expect(formatVariables({}, 'shell')).toBe('')
    expect(formatVariables({}, 'dotenv')).toBe('')
  })
})
