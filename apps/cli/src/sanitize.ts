/**
 * @module Text for a person's terminal, from sources the CLI does not control: a sender's file
 * name, a server's error message, a mistyped argument.
 *
 * Security promise: nothing the CLI writes to standard error can drive the terminal. Control
 * characters (C0 but newline and tab, DEL, C1 such as the one-byte CSI 0x9b) and bidirectional
 * overrides, which can rewrite the title, the clipboard (OSC 52) or what a line appears to say,
 * are shown as visible `\uXXXX` escapes instead. A secret written to standard output is the
 * user's own data and goes out byte for byte (terminal.ts writeValue); this is for messages.
 */

const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `text` with every character that could act on a terminal shown as `\uXXXX`. */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** `text` as one line: forTerminal, and newlines and tabs shown as `\uXXXX` too (a listing's rows). */
export function oneLine(text: string): string {
  return forTerminal(text).replace(
    /[\n\t]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** A name inside a one-line message: quoted, with its unsafe characters made visible. */
export function quoted(name: string): string {
  return forTerminal(JSON.stringify(name))
}
