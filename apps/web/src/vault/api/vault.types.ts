/**
 * @module Wire shapes of the account and vault API (vault design §2), from the contract package
 * (`import type` only: no zod reaches the browser), under the names the web app uses.
 */
import type {
  AccountResponse as ContractAccountResponse,
  AuditEntry,
  AuditEventName,
  AuditResponse,
  AuditResult as ContractAuditResult,
  LoginResponse,
  PasswordChangeRequest,
  SecretStage,
  SecretValue,
  SecretVersion,
  VaultShareStatus,
} from '@secretsentry/contract/types'

export type {
  Account,
  CreateSecretRequest,
  Folder,
  KdfParams,
  PreloginResponse,
  RegisterRequest,
  SecretSummary,
  SecretWithValue,
  UpdateSecretRequest,
  VaultShare,
} from '@secretsentry/contract/types'

export type AccountResponse = ContractAccountResponse
/** Answer of register and login (cookie sessions carry no token in the body). */
export type SessionResponse = LoginResponse
export type ChangePasswordRequest = PasswordChangeRequest
export type Stage = SecretStage
export type VersionInfo = SecretVersion
export type SealedValue = SecretValue
export type ShareStatus = VaultShareStatus
export type AuditResult = ContractAuditResult
export type AuditEvent = AuditEntry
export type AuditPage = AuditResponse
export type { AuditEventName }

export interface AuditQuery {
  limit?: number
  before?: string
  event?: AuditEventName
  secretId?: string
  result?: AuditResult
}
