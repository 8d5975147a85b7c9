/** @module A secret's metadata (keyring SecretMeta): limits, checks naming the field, and the trimmed record that gets sealed. */
import type { SecretMeta } from '@secretsentry/keyring'

export type { SecretMeta } from '@secretsentry/keyring'

export const META_LIMITS = {
  nameMax: 200,
  descriptionMax: 2000,
  tagsMax: 20,
  tagMax: 50,
  pathMax: 200,
} as const

/** '' or slash-separated segments of letters, digits and . _ - (like /app/production/db). */
export const PATH_PATTERN = /^(\/[A-Za-z0-9._-]+)+$/

export type MetaErrors = Partial<Record<keyof SecretMeta, string>>

/** Length in characters as a person counts them (code points). */
const length = (s: string): number => Array.from(s).length

/** One sentence per field that breaks a rule; empty when the record is fine. */
export function validateMeta(meta: SecretMeta): MetaErrors {
  const errors: MetaErrors = {}
  const name = meta.name.trim()
  if (name === '') errors.name = 'Give the secret a name.'
  else if (length(name) > META_LIMITS.nameMax)
    errors.name = `Use at most ${META_LIMITS.nameMax} characters.`
  if (length(meta.description) > META_LIMITS.descriptionMax)
    errors.description = `Use at most ${META_LIMITS.descriptionMax} characters.`
  if (meta.tags.length > META_LIMITS.tagsMax)
    errors.tags = `Use at most ${META_LIMITS.tagsMax} tags.`
  else if (meta.tags.some((t) => length(t) > META_LIMITS.tagMax))
    errors.tags = `Each tag can have at most ${META_LIMITS.tagMax} characters.`
  if (
    meta.path !== '' &&
    (!PATH_PATTERN.test(meta.path) || length(meta.path) > META_LIMITS.pathMax)
  )
    errors.path = 'Start with / and use letters, digits, . _ - between slashes, like /app/prod/db.'
  return errors
}

/** The trimmed record that gets sealed (empty tags dropped). */
export function cleanMeta(meta: SecretMeta): SecretMeta {
  return {
    name: meta.name.trim(),
    description: meta.description.trim(),
    tags: meta.tags.map((t) => t.trim()).filter((t) => t !== ''),
    path: meta.path.trim(),
  }
}
