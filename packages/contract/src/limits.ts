/** @module Share policy limits shared by the server's validation and the web app's form (no zod, so the browser bundle stays small). */

export const SHARE_LIMITS = {
  /** SPEC §1.1: 5 minutes .. 30 days, default 3 days. */
  ttlMinSeconds: 300,
  ttlMaxSeconds: 30 * 24 * 3600,
  ttlDefaultSeconds: 3 * 24 * 3600,
  /** SPEC §1.1: 1 .. 100 views, default 1. */
  viewsMin: 1,
  viewsMax: 100,
  viewsDefault: 1,
  /** SPEC §4/§6: wrong `access` values before a share is destroyed. */
  maxFailedAttempts: 5,
  /**
   * How long the receipt of a share that expired stays after its expiry, so its creator can
   * still see "Expired unread" (receipts of shares that ended otherwise go at the original expiry).
   */
  expiredReceiptSeconds: 7 * 24 * 3600,
  /** Byte lengths of the binary values on the wire (base64url, no padding). */
  idBytes: 16,
  accessBytes: 32,
  verifierBytes: 32,
  manageTokenBytes: 32,
} as const

/** The expiry choices the create form offers, shortest first. */
export const TTL_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 300, label: '5 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '1 day' },
  { seconds: 3 * 86400, label: '3 days' },
  { seconds: 7 * 86400, label: '7 days' },
  { seconds: 30 * 86400, label: '30 days' },
]

/** Length of the base64url (unpadded) text of `n` bytes. */
export function b64urlLength(n: number): number {
  return Math.ceil((n * 4) / 3)
}

/**
 * Accounts and the vault (SPEC §5). The KDF bounds are the client's too (packages/keyring):
 * the server refuses to store weaker parameters, and the client refuses to use them.
 */
export const VAULT_LIMITS = {
  /** Ids of folders and secrets: 16 random bytes drawn by the client, so AD can bind them. */
  idBytes: 16,
  saltBytes: 16,
  authKeyBytes: 32,
  /** 0x01 || nonce (12) || key (32) || tag (16). */
  wrappedKeyBytes: 61,
  sessionTokenBytes: 32,
  /** 0x01 || nonce (12) || tag (16): a sealed field can be no shorter. */
  sealedMinBytes: 29,
  /** Sealed metadata (secret or folder); values are bounded by MAX_SECRET_BYTES instead. */
  metaMaxBytes: 16 * 1024,
  usernameMinLength: 3,
  usernameMaxLength: 64,
  kdfDefaults: { algorithm: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1 },
  kdfMinimums: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
  kdfMaximums: { memoryKiB: 1048576, iterations: 10, parallelism: 4 },
  /** Versions one move request may re-wrap (a secret with more cannot be moved). */
  moveMaxVersions: 10_000,
  auditPageDefault: 50,
  auditPageMax: 200,
} as const

/**
 * Rotation of vault secrets (issue 11): an interval in whole days, set per secret. It is stored in
 * clear, so the server can send the daily digest of secrets due for rotation; a secret without
 * one is due once its current value is `defaultMaxAgeDays` old.
 */
export const ROTATION_LIMITS = {
  minDays: 1,
  maxDays: 3650,
  defaultMaxAgeDays: 90,
} as const

/** After trimming, NFC and lower-casing. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]*$/

export const SECRET_STAGES = ['current', 'pending', 'previous'] as const

export const AUDIT_EVENTS = [
  'login.ok',
  'login.failed',
  'logout',
  'password.changed',
  'secret.created',
  'secret.read',
  'secret.updated',
  'secret.version_restored',
  'secret.deleted',
  'secret.restored',
  'secret.purged',
  'secret.shared',
  'share.opened',
  'share.revoked',
  'folder.created',
  'folder.updated',
  'folder.deleted',
  'secret.moved',
  'access.denied',
  'alert',
  // Service tokens (issue 11): made, revoked, granted a folder created later, values read by
  // the token, and every refused token access (counted toward the alert like access.denied).
  'token.created',
  'token.revoked',
  'token.granted',
  'token.read',
  'token.denied',
] as const

export const AUDIT_RESULTS = ['ok', 'failed', 'denied'] as const

/**
 * Who caused an event on an account's trail: the account holder (`user`), another signed-in
 * account (`other_account`, never named: the holder learns that someone probed, not who), a
 * caller without a session such as a share link's recipient (`anonymous`), the server, or one
 * of the holder's service tokens (`token`: the entry names it).
 */
export const AUDIT_ACTORS = ['user', 'other_account', 'anonymous', 'system', 'token'] as const

/** Instance policy (issue 12): what an administrator may set, and the invite token's size. */
export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const
export const INVITE_TOKEN_BYTES = 32
export const POLICY_LIMITS = {
  /** The smallest share size cap an administrator can set; the largest is MAX_SECRET_BYTES. */
  minShareBytes: 1024,
  maxEmailDomains: 100,
  /** Invites live from 5 minutes to 30 days; 7 days unless the administrator picks otherwise. */
  inviteMinSeconds: 300,
  inviteMaxSeconds: 30 * 24 * 3600,
  inviteDefaultSeconds: 7 * 24 * 3600,
  adminAuditPageMax: 200,
} as const

/** Service tokens (issue 11, keyring SPEC §11): sizes on the wire and the owner's choices. */
export const SERVICE_TOKEN_LIMITS = {
  tokenIdBytes: 16,
  /** SHA-256(prefix || authKey). */
  verifierBytes: 32,
  /** HKDF(secret, "secretsentry/v1/token/auth\0" || id): what a token holder presents. */
  authKeyBytes: 32,
  /** One root grant and at most this many minus one subfolder grants per token. */
  maxGrants: 500,
  /** A token's name: clear text the server stores and shows, like a username. */
  nameMaxChars: 64,
  /** Expiry: a minute to ten years, or none. */
  expiresMinSeconds: 60,
  expiresMaxSeconds: 3650 * 86_400,
  /** TokenMeta sealed: a 200-character path (at most 4 bytes each) and the record's braces. */
  metaMaxBytes: 1024,
} as const

/** `current`: the token reads current versions only; `any`: pending, previous and any version too. */
export const TOKEN_STAGES = ['current', 'any'] as const

/** Receipts a share's creator may ask for (issue 12). */
export const RECEIPT_LIMITS = {
  /** The label sent with a receipt: the create form's label, which has the same maxlength. */
  labelMax: 80,
  emailMax: 254,
} as const

/** The same address check as an account's alert email. */
export const RECEIPT_EMAIL_PATTERN = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/

/**
 * Whether the instance policy lets a receipt be mailed to `address`: its domain (after the last
 * "@", lower-cased) is one of `domains` exactly (a subdomain is another domain), or `domains` is
 * empty. The server enforces it; the create form uses it to offer only what will be accepted.
 */
export function receiptEmailAllowed(address: string, domains: readonly string[]): boolean {
  if (domains.length === 0) return true
  const domain = address
    .slice(address.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase()
  return domains.includes(domain)
}

/**
 * A label that can go into a receipt: no control characters (they could forge lines of a mail),
 * nothing that starts a URL (a receipt never carries a link, see the server's email.ts), and no
 * angle brackets. Returns why not, or null.
 */
export function receiptLabelProblem(label: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(label))
    return 'must not contain control characters'
  if (/:\/\/|www\.|[<>]/i.test(label)) return 'must not contain a link or angle brackets'
  return null
}
