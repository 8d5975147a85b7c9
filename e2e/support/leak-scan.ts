/** @module Searches bytes for secrets in the encodings a careless program might write them in. */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** One secret and the forms it could take on disk or on the wire. */
export function encodings(secret: string | Uint8Array): { form: string; bytes: Buffer }[] {
  const raw = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret)
  const forms: { form: string; text: string | Buffer }[] = [
    { form: 'raw', text: raw },
    { form: 'base64', text: raw.toString('base64').replace(/=+$/, '') },
    { form: 'base64url', text: raw.toString('base64url') },
    { form: 'hex', text: raw.toString('hex') },
    { form: 'HEX', text: raw.toString('hex').toUpperCase() },
  ]
  if (typeof secret === 'string') {
    forms.push(
      { form: 'utf16le', text: Buffer.from(secret, 'utf16le') },
      { form: 'uri', text: encodeURIComponent(secret) },
      { form: 'json', text: JSON.stringify(secret).slice(1, -1) },
    )
  }
  const seen = new Set<string>()
  const out: { form: string; bytes: Buffer }[] = []
  for (const f of forms) {
    const bytes = Buffer.isBuffer(f.text) ? f.text : Buffer.from(f.text, 'utf8')
    const key = bytes.toString('hex')
    if (bytes.length === 0 || seen.has(key)) continue
    seen.add(key)
    out.push({ form: f.form, bytes })
  }
  return out
}

export interface Finding {
  where: string
  secret: string
  form: string
}

/**
 * Every (secret, form) found in `haystack`. Base64 of a secret depends on its alignment inside a
 * longer encoded string, so all three alignments are searched, minus the edge characters that
 * depend on the neighbouring bytes.
 */
export function scan(
  where: string,
  haystack: Buffer,
  secrets: Record<string, string | Uint8Array>,
): Finding[] {
  const findings: Finding[] = []
  for (const [name, secret] of Object.entries(secrets)) {
    const raw = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret)
    const candidates = encodings(secret)
    for (const shift of [0, 1, 2]) {
      const padded = Buffer.concat([Buffer.alloc(shift), raw])
      // Drop the characters that depend on the padding bytes and on what follows.
      const start = Math.ceil((shift * 4) / 3)
      for (const [form, text] of [
        ['base64', padded.toString('base64')],
        ['base64url', padded.toString('base64url')],
      ] as const) {
        const middle = text.slice(start, text.length - 4)
        if (middle.length >= 8)
          candidates.push({ form: `${form}+${shift}`, bytes: Buffer.from(middle) })
      }
    }
    for (const c of candidates) {
      if (haystack.includes(c.bytes)) findings.push({ where, secret: name, form: c.form })
    }
  }
  return findings
}

/** All regular files under `dir`, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

export async function scanFiles(
  files: string[],
  secrets: Record<string, string | Uint8Array>,
): Promise<Finding[]> {
  const findings: Finding[] = []
  for (const file of files) findings.push(...scan(file, await readFile(file), secrets))
  return findings
}
