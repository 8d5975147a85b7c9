/** @module Wire types of the share and vault APIs, inferred from the schemas; `import type` from here costs the browser nothing. */
import type { z } from 'zod'
import type * as s from './schemas.ts'
import type * as v from './vault.ts'
import type * as k from './session-key.ts'
import type * as n from './notifications.ts'
import type * as a from './admin.ts'
import type * as t from './tokens.ts'

export type CreateShareRequest = z.infer<typeof s.createShareRequest>
export type ShareReceiptRequest = z.input<typeof s.shareReceiptRequest>
export type CreateShareResponse = z.infer<typeof s.createShareResponse>
export type OpenShareRequest = z.infer<typeof s.openShareRequest>
export type OpenShareResponse = z.infer<typeof s.openShareResponse>
export type ShareStatusResponse = z.infer<typeof s.shareStatusResponse>
export type ShareState = z.infer<typeof s.shareState>
export type ErrorCode = z.infer<typeof s.errorCode>
export type ErrorBody = z.infer<typeof s.errorBody>

export type KdfParams = z.infer<typeof v.kdfParams>
export type SessionKind = z.infer<typeof v.sessionKind>
export type PreloginRequest = z.input<typeof v.preloginRequest>
export type PreloginResponse = z.infer<typeof v.preloginResponse>
export type RegisterRequest = z.input<typeof v.registerRequest>
export type LoginRequest = z.input<typeof v.loginRequest>
export type Account = z.infer<typeof v.account>
export type LoginResponse = z.infer<typeof v.loginResponse>
export type AccountResponse = z.infer<typeof v.accountResponse>
export type PasswordChangeRequest = z.input<typeof v.passwordChangeRequest>
export type PasswordChangeResponse = z.infer<typeof v.passwordChangeResponse>
export type CreateFolderRequest = z.input<typeof v.createFolderRequest>
export type Folder = z.infer<typeof v.folder>
export type UpdateFolderRequest = z.input<typeof v.updateFolderRequest>
export type SecretKeysResponse = z.infer<typeof v.secretKeysResponse>
export type MoveSecretRequest = z.input<typeof v.moveSecretRequest>
export type FoldersResponse = z.infer<typeof v.foldersResponse>
export type SecretStage = z.infer<typeof v.secretStage>
export type SecretVersion = z.infer<typeof v.secretVersion>
export type SecretSummary = z.infer<typeof v.secretSummary>
export type SecretsResponse = z.infer<typeof v.secretsResponse>
export type CreateSecretRequest = z.input<typeof v.createSecretRequest>
export type SecretValue = z.infer<typeof v.secretValue>
export type SecretWithValue = z.infer<typeof v.secretWithValue>
export type UpdateSecretRequest = z.input<typeof v.updateSecretRequest>
export type DeleteSecretResponse = z.infer<typeof v.deleteSecretResponse>
export type VaultShareStatus = z.infer<typeof v.vaultShareStatus>
export type VaultShare = z.infer<typeof v.vaultShare>
export type VaultSharesResponse = z.infer<typeof v.vaultSharesResponse>
export type AuditEventName = z.infer<typeof v.auditEventName>
export type AuditResult = z.infer<typeof v.auditResult>
export type AuditActor = z.infer<typeof v.auditActor>
export type AuditEntry = z.infer<typeof v.auditEntry>
export type AuditResponse = z.infer<typeof v.auditResponse>
export type SessionKey = z.infer<typeof k.sessionKey>
export type WebhookSetRequest = z.input<typeof n.webhookSetRequest>
export type EmailSetRequest = z.input<typeof n.emailSetRequest>
export type ChannelStatus = z.infer<typeof n.channelStatus>
export type NotificationDelivery = z.infer<typeof n.notificationDelivery>
export type NotificationsResponse = z.infer<typeof n.notificationsResponse>
export type WebhookSetResponse = z.infer<typeof n.webhookSetResponse>
export type ChannelTestResponse = z.infer<typeof n.channelTestResponse>
export type RegistrationMode = z.infer<typeof a.registrationMode>
export type InstancePolicy = z.infer<typeof a.instancePolicy>
export type PublicPolicy = z.infer<typeof a.publicPolicy>
export type AdminPolicyResponse = z.infer<typeof a.adminPolicyResponse>
export type AdminUser = z.infer<typeof a.adminUser>
export type AdminUsersResponse = z.infer<typeof a.adminUsersResponse>
export type CreateInviteRequest = z.input<typeof a.createInviteRequest>
export type InviteStatus = z.infer<typeof a.inviteStatus>
export type Invite = z.infer<typeof a.invite>
export type CreateInviteResponse = z.infer<typeof a.createInviteResponse>
export type InvitesResponse = z.infer<typeof a.invitesResponse>
export type AdminAction = z.infer<typeof a.adminAuditEntry>['action']
export type AdminAuditEntry = z.infer<typeof a.adminAuditEntry>
export type AdminAuditResponse = z.infer<typeof a.adminAuditResponse>
export type TokenGrant = z.infer<typeof t.tokenGrant>
export type TokenStage = z.infer<typeof t.tokenStage>
export type CreateTokenRequest = z.input<typeof t.createTokenRequest>
export type TokenInfoResponse = z.infer<typeof t.tokenInfo>
export type TokensResponse = z.infer<typeof t.tokensResponse>
export type AddGrantsRequest = z.input<typeof t.addGrantsRequest>
export type UpdateTokenMetaRequest = z.input<typeof t.updateTokenMetaRequest>
export type TokenSelf = z.infer<typeof t.tokenSelf>
export type TokenFolder = z.infer<typeof t.tokenFolder>
export type TokenSelfResponse = z.infer<typeof t.tokenSelfResponse>
export type TokenValue = z.infer<typeof t.tokenValue>
export type TokenSecretMeta = z.infer<typeof t.tokenSecretMeta>
export type TokenSecretEntry = z.infer<typeof t.tokenSecret>
export type TokenSecretsResponse = z.infer<typeof t.tokenSecretsResponse>
export type TokenSecretWithValue = z.infer<typeof t.tokenSecretWithValue>
