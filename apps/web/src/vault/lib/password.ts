/** @module Master password rule shared by registration and password change. */

/** A long passphrase is the only thing between a stolen copy of the database and the vault. */
export const MIN_PASSWORD_LENGTH = 12
