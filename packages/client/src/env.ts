/**
 * @module A folder's secrets as environment variables, the one rule `secretsentry run`, `export`
 * and the SDK's `loadSecrets` share: each secret's name is its variable's name, as it is. A name
 * that is not a portable variable name, or two secrets (a folder and its subfolder, say) that
 * would give the same variable, is an error naming every path involved, before anything is
 * started or written: which of two values an application gets must never depend on listing order.
 *
 * Security promise: error messages name paths, never values.
 */
import { ClientError } from './errors.ts'

/** POSIX's portable variable name (letters, digits and `_`, not starting with a digit). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/

/** What the rule needs of a secret: its full path (for messages), its name and its value. */
export interface NamedValue {
  path: string
  name: string
  value: string
}

export interface EnvOptions {
  /**
   * Refuse values an environment variable cannot hold (a NUL character ends a C string, so the
   * kernel would cut the value short): `run` and the dotenv and shell exports set this; an object
   * in memory (JSON, the SDK) can hold any string.
   */
  forProcessEnv?: boolean
}

/** JSON.stringify of a path: quotes, and control characters shown escaped. */
const quote = (path: string): string => JSON.stringify(path)

/**
 * The variables for `secrets`, as a plain object whose keys are in the secrets' path order.
 * Throws ClientError `env_name` naming the offending paths: names that are not variable names,
 * names given by more than one secret, and (forProcessEnv) values holding NUL.
 */
export function secretsToEnv(
  secrets: readonly NamedValue[],
  options: EnvOptions = {},
): Record<string, string> {
  const sorted = [...secrets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const problems: string[] = []
  const byName = new Map<string, string[]>()
  for (const s of sorted) {
    if (!ENV_NAME_PATTERN.test(s.name)) {
      problems.push(
        `${quote(s.path)}: its name is not an environment variable name (letters, digits and _, not starting with a digit)`,
      )
      continue
    }
    if (options.forProcessEnv && s.value.includes('\0')) {
      problems.push(
        `${quote(s.path)}: its value contains a NUL character, which an environment variable cannot hold`,
      )
    }
    byName.set(s.name, [...(byName.get(s.name) ?? []), s.path])
  }
  for (const [name, paths] of byName) {
    if (paths.length > 1) {
      problems.push(
        `${paths.map(quote).join(' and ')} would both be ${name}: rename one, or read a narrower path`,
      )
    }
  }
  if (problems.length > 0) {
    throw new ClientError(
      0,
      'env_name',
      `Cannot turn these secrets into environment variables: ${problems.join('; ')}.`,
      { candidates: problems },
    )
  }
  // Object.fromEntries defines own properties, so a secret named __proto__ is a plain key too.
  return Object.fromEntries(sorted.map((s) => [s.name, s.value]))
}
