/**
 * @module The keyring calls that run Argon2id (64 MiB, about a second), as one request type:
 * derive (login), create (register), unlock (after a reload) and change (password).
 */
import {
  changePassword,
  createAccount,
  deriveAccountKeys,
  unlockAccount,
} from '@secretsentry/keyring'
import type {
  AccountKeys,
  AccountSecrets,
  KdfParams,
  NewAccount,
  PasswordChange,
  UnlockedAccount,
} from '@secretsentry/keyring'

export type KdfRequest =
  | { op: 'derive'; password: string; salt: Uint8Array; kdf: KdfParams }
  | { op: 'create'; password: string; kdf: KdfParams }
  | { op: 'unlock'; password: string; account: AccountSecrets }
  | { op: 'change'; current: string; account: AccountSecrets; next: string; newKdf: KdfParams }

export interface KdfResults {
  derive: AccountKeys
  create: NewAccount
  unlock: UnlockedAccount
  change: PasswordChange
}

/** Runs one request. */
export function runKdf(
  req: KdfRequest,
  onProgress: (fraction: number) => void,
): Promise<KdfResults[keyof KdfResults]> {
  const opts = { onProgress }
  switch (req.op) {
    case 'derive':
      return deriveAccountKeys(req.password, req.salt, req.kdf, opts)
    case 'create':
      return createAccount(req.password, req.kdf, opts)
    case 'unlock':
      return unlockAccount(req.password, req.account, opts)
    case 'change':
      return changePassword(req.current, req.account, req.next, req.newKdf, opts)
  }
}
