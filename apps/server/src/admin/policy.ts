/**
 * @module The instance policy (issue 12): one row shared by every instance on the database, read
 * through a short per-instance cache. Enforced where shares are created and accounts registered.
 */
import { SHARE_LIMITS } from '@secretsentry/contract/limits'
import type { InstancePolicy } from '@secretsentry/contract/types'
import type { Db } from '../db/database.ts'

/**
 * How long an instance trusts its copy of the policy. A change saved on one instance is in force
 * there at once and on every other instance within this long (documented in the README).
 */
export const POLICY_CACHE_MS = 5_000

export interface PolicyState {
  policy: InstancePolicy
  /** null: never saved, the defaults apply. */
  updatedAt: number | null
}

/** What an instance does before an administrator saves anything: today's behaviour. */
export function defaultPolicy(maxSecretBytes: number): InstancePolicy {
  return {
    registration: 'open',
    anonymousShares: true,
    maxShareBytes: maxSecretBytes,
    maxExpirySeconds: SHARE_LIMITS.ttlMaxSeconds,
    receiptEmailDomains: [],
  }
}

export async function readPolicy(db: Db, maxSecretBytes: number): Promise<PolicyState> {
  const row = await db
    .selectFrom('instance_policy')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirst()
  if (!row) return { policy: defaultPolicy(maxSecretBytes), updatedAt: null }
  return {
    policy: {
      registration: row.registration,
      anonymousShares: Number(row.anonymous_shares) === 1,
      maxShareBytes: Number(row.max_share_bytes),
      maxExpirySeconds: Number(row.max_expiry_seconds),
      receiptEmailDomains: JSON.parse(row.receipt_email_domains) as string[],
    },
    updatedAt: Number(row.updated_at),
  }
}

export async function writePolicy(db: Db, policy: InstancePolicy, now: number): Promise<void> {
  const values = {
    registration: policy.registration,
    anonymous_shares: policy.anonymousShares ? 1 : 0,
    max_share_bytes: policy.maxShareBytes,
    max_expiry_seconds: policy.maxExpirySeconds,
    receipt_email_domains: JSON.stringify(policy.receiptEmailDomains),
    updated_at: now,
  }
  await db
    .insertInto('instance_policy')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute()
}

export interface PolicyStore {
  /**
   * The policy in force on this instance: the stored one, with maxShareBytes no larger than this
   * server's MAX_SECRET_BYTES (instances may be configured differently).
   */
  current(): Promise<InstancePolicy>
  /** The stored policy, read fresh (the admin page). */
  stored(): Promise<PolicyState>
  /** Forget the cached copy (after this instance saved a new policy). */
  invalidate(): void
}

export function createPolicyStore(o: {
  db: Db
  clock: () => number
  maxSecretBytes: number
}): PolicyStore {
  let cached: { policy: InstancePolicy; at: number } | undefined
  // One read in flight at a time: a burst of creates after expiry costs one query, not hundreds.
  let loading: Promise<InstancePolicy> | undefined
  const load = async () => {
    const { policy } = await readPolicy(o.db, o.maxSecretBytes)
    const effective = { ...policy, maxShareBytes: Math.min(policy.maxShareBytes, o.maxSecretBytes) }
    cached = { policy: effective, at: o.clock() }
    return effective
  }
  return {
    current() {
      if (cached && o.clock() - cached.at < POLICY_CACHE_MS) return Promise.resolve(cached.policy)
      loading ??= load().finally(() => {
        loading = undefined
      })
      return loading
    },
    stored: () => readPolicy(o.db, o.maxSecretBytes),
    invalidate() {
      cached = undefined
    },
  }
}
