/**
 * @module The account password's rule, one source for every client (the web form, the CLI, the
 * SDK). The server never sees the password, so only a client can hold it to a rule.
 *
 * Security promise: a long passphrase is the only thing between a stolen copy of the database
 * (wrapped keys, salt, Argon2id settings) and the vault, so a new password (registration or a
 * change) shorter than MIN_PASSWORD_LENGTH characters is refused before anything is derived.
 */

/** Characters, counted as code points: an emoji is one character, as a person counts it. */
export const MIN_PASSWORD_LENGTH = 12

/** Why `password` cannot be a new account password, or null when it can. */
export function newPasswordProblem(password: string): string | null {
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters; a few random words work well.`
  }
  return null
}
