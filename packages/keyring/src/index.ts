/** @module @secretsentry/keyring: vault keys v1 (packages/keyring/SPEC.md); runs unchanged in browsers and Node. */
export { KeyringError } from './errors.ts'
export type { KeyringErrorCode } from './errors.ts'
export {
  KDF_DEFAULTS,
  KDF_MAXIMUMS,
  KDF_MINIMUMS,
  assertKdfParams,
  compareKdfParams,
  deriveAccountKeys,
  newId,
  newKey,
  newSalt,
} from './kdf.ts'
export type { AccountKeys, DeriveOptions, KdfComparison, KdfParams } from './kdf.ts'
export {
  USER_KEY_CONTEXT,
  WRAPPED_KEY_BYTES,
  dataKeyContext,
  folderKeyContext,
  unwrapKey,
  wrapKey,
} from './wrap.ts'
export type { SealOptions } from './aead.ts'
export { openField, sealField } from './field.ts'
export type { FieldBinding, FieldName } from './field.ts'
export { RECORD_LIMITS } from './records.ts'
export type { FolderMeta, SecretMeta, SecretValue, TokenMeta } from './records.ts'
export {
  FIRST_FOLDER_NAME,
  changePassword,
  createAccount,
  createFolder,
  createSecret,
  createSecretVersion,
  openFolder,
  openFolderMeta,
  openSecretMeta,
  openSecretValue,
  openSecretVersion,
  sealFolderMeta,
  sealSecretMeta,
  sealSecretValue,
  unlockAccount,
  unwrapUserKey,
  wrapUserKey,
} from './vault.ts'
export type {
  AccountSecrets,
  CreateAccountOptions,
  NewAccount,
  NewFolder,
  NewSecret,
  OpenedFolder,
  PasswordChange,
  SealedVersion,
  UnlockedAccount,
} from './vault.ts'
export {
  GRANT_ROLES,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  TOKEN_SECRET_BYTES,
  createServiceToken,
  deriveTokenKeys,
  formatToken,
  grantFolder,
  openGrant,
  openTokenMeta,
  parseToken,
  pathIsWithin,
  sealTokenMeta,
  tokenGrantContext,
  tokenKeyContext,
  tokenVerifier,
  tokenVerifierMatches,
  unlockServiceToken,
  unwrapTokenKey,
} from './token.ts'
export type {
  GrantRole,
  NewServiceToken,
  OpenedGrant,
  ServiceToken,
  TokenGrant,
  TokenKeys,
  UnlockedToken,
} from './token.ts'
export { rewrapForMove } from './move.ts'
export type { SecretMove, SecretToMove, VersionKey } from './move.ts'
