/**
 * @module The plaintext records (SPEC.md §6): SecretMeta, SecretValue and FolderMeta as canonical
 * JSON in UTF-8. One validator per record serves both directions: sealing bad input is
 * `bad_input`, opening an authentic but invalid record is `bad_record`.
 */
import { utf8DecodeStrict, utf8Encode } from '@secretsentry/envelope/internal'
import { KeyringError } from './errors.ts'
import type { KeyringErrorCode } from './errors.ts'

/** A secret's metadata; sealed under its folder key, bound to (secretId, meta revision). */
export interface SecretMeta {
  name: string
  description: string
  tags: string[]
  /** '' or a path like /app/prod/db. */
  path: string
}

/** A secret version's value; sealed under that version's own data key. */
export interface SecretValue {
  value: string
}

/** A folder's metadata; sealed under the folder key, bound to (folderId, 1). */
export interface FolderMeta {
  name: string
  path: string
}

/**
 * A service token's own record (SPEC.md §11.6): the path of its root folder when it was made,
 * sealed under the token's wrapKey, bound to (tokenId, 1). The holder shows absolute paths with
 * it while every path stays ciphertext on the server.
 */
export interface TokenMeta {
  path: string
}

/** Lengths count Unicode code points, so "🔑" is one character as a person would count it. */
export const RECORD_LIMITS = Object.freeze({
  nameMaxChars: 200,
  descriptionMaxChars: 2000,
  tagsMax: 20,
  tagMaxChars: 50,
  pathMaxChars: 200,
})

type Fail = (message: string) => never

const failWith =
  (code: KeyringErrorCode): Fail =>
  (message) => {
    throw new KeyringError(code, message)
  }

// In a `u` regex a surrogate pair is one code point, so \p{Cs} matches lone surrogates only.
const LONE_SURROGATE = /\p{Cs}/u
const CONTROL = /\p{Cc}/u
/** Tab, line feed and carriage return: the control characters multi-line text needs. */
const LINE_CONTROLS = /[\t\n\r]/g

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

interface TextRule {
  min: number
  max: number
  /** Control characters are refused (they can rewrite a terminal or hide text); `lines` allows \t \n \r. */
  controls: 'none' | 'lines'
}

function text(value: unknown, name: string, rule: TextRule, fail: Fail): string {
  if (typeof value !== 'string') fail(`${name} must be a string`)
  const s = value as string
  if (LONE_SURROGATE.test(s)) fail(`${name} contains a lone UTF-16 surrogate`)
  const n = codePoints(s)
  if (n < rule.min || n > rule.max) {
    fail(`${name} must be ${rule.min} to ${rule.max} characters, got ${n}`)
  }
  if (CONTROL.test(rule.controls === 'lines' ? s.replace(LINE_CONTROLS, '') : s)) {
    fail(`${name} must not contain control characters`)
  }
  return s
}

/** '' or "/" segment ("/" segment)*, each segment trimmed, non-empty, not "." or "..". */
function path(value: unknown, name: string, fail: Fail): string {
  const p = text(value, name, { min: 0, max: RECORD_LIMITS.pathMaxChars, controls: 'none' }, fail)
  if (p === '') return p
  if (!p.startsWith('/')) fail(`${name} must be empty or start with "/" (like /app/prod/db)`)
  for (const segment of p.slice(1).split('/')) {
    if (segment === '') fail(`${name} must not have an empty segment or a trailing "/"`)
    if (segment === '.' || segment === '..') fail(`${name} must not have "." or ".." segments`)
    if (segment.trim() !== segment) fail(`${name} segments must not start or end with spaces`)
  }
  return p
}

function exactKeys(value: unknown, name: string, keys: readonly string[], fail: Fail) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${name} must be an object`)
  }
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) {
    // The key's name is left out: in an opened record it is decrypted content.
    if (!keys.includes(k)) fail(`${name} has a field other than ${keys.join(', ')}`)
  }
  for (const k of keys) if (!Object.hasOwn(o, k)) fail(`${name}.${k} is missing`)
  return o
}

function validateSecretMeta(value: unknown, name: string, fail: Fail): SecretMeta {
  const o = exactKeys(value, name, ['name', 'description', 'tags', 'path'], fail)
  const L = RECORD_LIMITS
  const tags = o['tags']
  if (!Array.isArray(tags)) fail(`${name}.tags must be an array of strings`)
  const list = tags as unknown[]
  if (list.length > L.tagsMax) fail(`${name}.tags must hold at most ${L.tagsMax} tags`)
  const seen = new Set<string>()
  const checked = list.map((t, i) => {
    const tag = text(
      t,
      `${name}.tags[${i}]`,
      { min: 1, max: L.tagMaxChars, controls: 'none' },
      fail,
    )
    if (tag.trim() !== tag) fail(`${name}.tags[${i}] must not start or end with spaces`)
    if (seen.has(tag)) fail(`${name}.tags[${i}] repeats an earlier tag`)
    seen.add(tag)
    return tag
  })
  // Built in the canonical key order (SPEC.md §6.1).
  return {
    name: text(o['name'], `${name}.name`, { min: 1, max: L.nameMaxChars, controls: 'none' }, fail),
    description: text(
      o['description'],
      `${name}.description`,
      { min: 0, max: L.descriptionMaxChars, controls: 'lines' },
      fail,
    ),
    tags: checked,
    path: path(o['path'], `${name}.path`, fail),
  }
}

function validateSecretValue(value: unknown, name: string, fail: Fail): SecretValue {
  const o = exactKeys(value, name, ['value'], fail)
  const v = o['value']
  if (typeof v !== 'string') fail(`${name}.value must be a string`)
  if (LONE_SURROGATE.test(v as string)) fail(`${name}.value contains a lone UTF-16 surrogate`)
  return { value: v as string }
}

function validateFolderMeta(value: unknown, name: string, fail: Fail): FolderMeta {
  const o = exactKeys(value, name, ['name', 'path'], fail)
  return {
    name: text(
      o['name'],
      `${name}.name`,
      { min: 1, max: RECORD_LIMITS.nameMaxChars, controls: 'none' },
      fail,
    ),
    path: path(o['path'], `${name}.path`, fail),
  }
}

function validateTokenMeta(value: unknown, name: string, fail: Fail): TokenMeta {
  const o = exactKeys(value, name, ['path'], fail)
  return { path: path(o['path'], `${name}.path`, fail) }
}

type Validator<T> = (value: unknown, name: string, fail: Fail) => T

const badInput: Fail = failWith('bad_input')
const badRecord: Fail = failWith('bad_record')

/** Canonical form: JSON.stringify of the validated copy (fixed key order, no whitespace), UTF-8. */
function encode<T>(validate: Validator<T>, value: unknown, name: string): Uint8Array {
  return utf8Encode(JSON.stringify(validate(value, name, badInput)))
}

/**
 * Accepts exactly the canonical bytes of a valid record: fatal UTF-8, JSON, the record rules,
 * then a byte comparison with the re-encoded record, so no two byte strings mean the same record
 * (no BOM, whitespace, escapes or duplicate keys that two JSON parsers might read differently).
 */
function decode<T>(validate: Validator<T>, bytes: Uint8Array, name: string): T {
  let parsed: unknown
  try {
    parsed = JSON.parse(utf8DecodeStrict(bytes))
  } catch {
    badRecord(`${name} is not UTF-8 JSON`)
  }
  const record = validate(parsed, name, badRecord)
  const canonical = utf8Encode(JSON.stringify(record))
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) {
    badRecord(`${name} is not in canonical form`)
  }
  return record
}

export const encodeSecretMeta = (meta: SecretMeta): Uint8Array =>
  encode(validateSecretMeta, meta, 'meta')
export const decodeSecretMeta = (bytes: Uint8Array): SecretMeta =>
  decode(validateSecretMeta, bytes, 'meta')
export const encodeSecretValue = (value: SecretValue): Uint8Array =>
  encode(validateSecretValue, value, 'value')
export const decodeSecretValue = (bytes: Uint8Array): SecretValue =>
  decode(validateSecretValue, bytes, 'value')
export const encodeFolderMeta = (meta: FolderMeta): Uint8Array =>
  encode(validateFolderMeta, meta, 'meta')
export const decodeFolderMeta = (bytes: Uint8Array): FolderMeta =>
  decode(validateFolderMeta, bytes, 'meta')
export const encodeTokenMeta = (meta: TokenMeta): Uint8Array =>
  encode(validateTokenMeta, meta, 'meta')
export const decodeTokenMeta = (bytes: Uint8Array): TokenMeta =>
  decode(validateTokenMeta, bytes, 'meta')
