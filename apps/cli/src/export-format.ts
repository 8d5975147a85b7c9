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
 * `NAME="..."` (after the file's CR LF and CR have become LF, dotenv keeps a quoted value's
 * characters as they are, except that in double quotes it turns the two characters `\n` into a
 * newline and `\r` into a carriage return; it has no other escape, not even `\"` or `\\`).
 * A quoted value also must not end in a backslash: dotenv's pattern reads `\'` as an escaped
 * quote, and with a later line that also fits the pattern the value would swallow that line.
 * So, the first form that applies:
 * 1. single quotes: no `'`, no carriage return, no final `\` (newlines are kept literally);
 * 2. double quotes: no `"`, no final `\`, and no `\n` or `\r` pair of characters in the value
 *    (which dotenv would decode); newlines and carriage returns written as `\n` and `\r`;
 * 3. unquoted: one non-empty line without `#`, nothing dotenv trims at either end, not starting
 *    with a quote character;
 * 4. backquotes: no backquote, no carriage return, no final `\`.
 * A value none of them fits (one holding `'`, `"` and a backquote, and a `#` or a line break,
 * say) is refused.
 */
export function dotenvLine(name: string, value: string): string {
  const finalBackslash = value.endsWith('\\')
  if (!value.includes("'") && !value.includes('\r') && !finalBackslash) {
    return `${name}='${value}'`
  }
  if (!value.includes('"') && !finalBackslash && !/\\[nr]/.test(value)) {
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
    `the value of ${name} cannot be written in dotenv format (it holds ', " and \` together with a # or a line break, or ends in a backslash after them): use --format json or shell`,
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
