/**
 * @module `secretsentry export --format dotenv|json|shell`: variables (already checked by
 * secretsToEnv) as text another program reads back exactly.
 *
 * Security promise: what is written reads back as the very same values, or nothing is written.
 * A value the format cannot carry is an error naming the variable, never a lossy line: the dotenv
 * rules below are what the `dotenv` npm package's parser does (its default parser, as of 18.0),
 * and export-format.test.ts checks every rule, and random values, against that parser itself.
 */

export const FORMATS = ['dotenv', 'json', 'shell'] as const
export type ExportFormat = (typeof FORMATS)[number]

/** A value the chosen format cannot represent; the message names the variable only. */
export class UnrepresentableValue extends Error {
  override readonly name = 'UnrepresentableValue'
}

/**
 * One `NAME=value` line that dotenv's parser reads back as exactly `value`. What that parser does
 * (after turning the file's CR LF and CR into LF): a value in single quotes, double quotes or
 * backquotes keeps its characters as they are, line breaks included, except that in double quotes
 * the two characters `\n` become a newline and `\r` a carriage return; there is no other escape
 * (not `\"`, not `\\`). Its pattern takes `\'` (`\"`, ...) as an escaped quote, so a quoted
 * value must not end in a backslash: with a later line that fits the pattern it would swallow
 * that line. A line its quoted patterns do not match whole is taken up to a `#` and trimmed;
 * quotes around it are removed then, and when it starts with `"` the `\n` and `\r` still count.
 * So, the first form that applies:
 * 1. single quotes: no `'`, no carriage return, no final `\`;
 * 2. double quotes, newlines and carriage returns written `\n` and `\r`: no `\n` or `\r` pair of
 *    characters in the value (dotenv would decode it), no final `\`, and, when the value holds a
 *    `"` not after a backslash, no `#` and no U+2028 or U+2029 (line ends to its pattern): then
 *    the quoted pattern stops at that `"` and fails, and the whole line is taken, its outer
 *    quotes removed;
 * 3. unquoted: one non-empty line without `#`, nothing dotenv trims at either end, not starting
 *    with a quote character;
 * 4. backquotes: no backquote, no carriage return, no final `\`.
 * A value none of them fits is refused: one with a `\n` pair of characters and `'`, or a final
 * backslash and a line break, or a `#` (or U+2028) with all three quote characters.
 */
export function dotenvLine(name: string, value: string): string {
  const finalBackslash = value.endsWith('\\')
  if (!value.includes("'") && !value.includes('\r') && !finalBackslash) {
    return `${name}='${value}'`
  }
  const bareDoubleQuote = /(^|[^\\])"/.test(value)
  if (
    !finalBackslash &&
    !/\\[nr]/.test(value) &&
    !(bareDoubleQuote && /[#\u2028\u2029]/.test(value))
  ) {
    return `${name}="${value.replaceAll('\n', '\\n').replaceAll('\r', '\\r')}"`
  }
  if (
    value !== '' &&
    value === value.trim() &&
    !/[#\n\r\u2028\u2029]/.test(value) &&
    !/^['"`]/.test(value)
  ) {
    return `${name}=${value}`
  }
  if (!value.includes('`') && !value.includes('\r') && !finalBackslash) {
    return `${name}=\`${value}\``
  }
  throw new UnrepresentableValue(
    `the value of ${name} cannot be written in dotenv format, which has no escape for its mix of quotes, backslashes, # and line breaks: use --format json or shell`,
  )
}

/**
 * `export NAME='...'` for POSIX shells: inside single quotes every byte is literal (newlines,
 * `$`, backquotes, backslashes, `"`), and a `'` is written `'\''` (close, an escaped quote, open).
 */
export function shellLine(name: string, value: string): string {
  return `export ${name}='${value.replaceAll("'", "'\\''")}'`
}

/** The whole output for `format`, ending in a newline (nothing at all for no variables but JSON's `{}`). */
export function formatVariables(
  env: Readonly<Record<string, string>>,
  format: ExportFormat,
): string {
  const entries = Object.entries(env)
  if (format === 'json') return `${JSON.stringify(env, null, 2)}\n`
  if (entries.length === 0) return ''
  const line = format === 'dotenv' ? dotenvLine : shellLine
  return `${entries.map(([name, value]) => line(name, value)).join('\n')}\n`
}
