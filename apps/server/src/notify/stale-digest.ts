/**
 * @module The daily digest of secrets due for rotation (issues 11 and 12): once a day at most,
 * an account whose vault holds stale secrets gets one `alert.stale_secrets` notification with
 * counts only, an `alert` on its Activity page, and one more in `secretsentry_alerts_total`.
 *
 * A secret is stale when its current version is at least its rotation interval old, or
 * ROTATION_LIMITS.defaultMaxAgeDays old when it has none; the same rule as the clients'
 * (packages/client rotation.ts). The server sees only ids, times and the interval: the digest
 * cannot name a secret, and never tries.
 */
import { sql, type Expression, type SqlBool } from 'kysely'
import { ROTATION_LIMITS } from '@secretsentry/contract/limits'
import { insertAccountAudit } from '../audit/account-audit.queries.ts'
import { createBatchScheduler } from '../db/batch-sweeper.ts'
import type { Database, Db } from '../db/database.ts'
import type { WriteQueue } from '../db/write-queue.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import { makeEvent } from './events.ts'
import type { Outbox } from './outbox.ts'

export const DAY_MS = 86_400_000
/**
 * No second digest to one account within this long. A little under a day, so that a scan every
 * hour sends one each day at about the same hour instead of an hour later every day.
 */
export const DIGEST_GAP_MS = 23 * 3_600_000
/** How often the background scan looks at the vault (runOnce, for tests, always looks). */
export const DIGEST_SCAN_MS = 3_600_000
/** The start of the `alert` row's detail; the Activity page reads the counts after it. */
export const STALE_SECRETS_DETAIL = 'secrets due for rotation'

export interface StaleCounts {
  /** Secrets with an interval whose current version is at least that old. */
  pastInterval: number
  /** Secrets without an interval whose current version is at least 90 days old. */
  olderThan90Days: number
  /** Age in whole days of the oldest current version among them. */
  oldestDays: number
}

/**
 * The stale condition in SQL, over `secrets as s` joined with its current version `v`. Constants
 * are literals: PostgreSQL then types the arithmetic from the bigint columns.
 */
function stale(now: number): Expression<SqlBool> {
  return sql<SqlBool>`v.created_at <= ${now} - coalesce(s.rotation_days, ${sql.lit(ROTATION_LIMITS.defaultMaxAgeDays)}) * ${sql.lit(DAY_MS)}`
}

function liveSecretsWithCurrent(db: Db) {
  return db
    .selectFrom('secrets as s')
    .innerJoin('secret_versions as v', (j) =>
      j.onRef('v.secret_id', '=', 's.id').onRef('v.version', '=', 's.current_version'),
    )
    .where('s.deleted_at', 'is', null)
}

/** The counts of one account's stale secrets (all zero when none is). */
export async function staleCounts(db: Db, userId: Buffer, now: number): Promise<StaleCounts> {
  const row = await liveSecretsWithCurrent(db)
    .select([
      sql<number>`sum(case when s.rotation_days is null then 0 else 1 end)`.as('past_interval'),
      sql<number>`sum(case when s.rotation_days is null then 1 else 0 end)`.as('past_default'),
      sql<number | null>`min(v.created_at)`.as('oldest'),
    ])
    .where('s.user_id', '=', userId)
    .where(stale(now))
    .executeTakeFirst()
  const oldest = row?.oldest == null ? null : Number(row.oldest)
  return {
    pastInterval: Number(row?.past_interval ?? 0),
    olderThan90Days: Number(row?.past_default ?? 0),
    oldestDays: oldest === null ? 0 : Math.floor((now - oldest) / DAY_MS),
  }
}

/** Accounts (not disabled) with a stale secret and no digest within DIGEST_GAP_MS. */
async function dueAccounts(db: Db, now: number, limit: number): Promise<Buffer[]> {
  const rows = await liveSecretsWithCurrent(db)
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('rotation_digests as d', 'd.user_id', 's.user_id')
    .select('s.user_id')
    .distinct()
    .where('u.disabled_at', 'is', null)
    .where(stale(now))
    .where((eb) => eb.or([eb('d.sent_at', 'is', null), eb('d.sent_at', '<=', now - DIGEST_GAP_MS)]))
    .limit(limit)
    .execute()
  return rows.map((r) => r.user_id)
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** "secrets due for rotation: 2 past their interval, 1 older than 90 days, oldest 120 days". */
export function staleDetail(c: StaleCounts): string {
  return `${STALE_SECRETS_DETAIL}: ${c.pastInterval} past their interval, ${c.olderThan90Days} older than ${ROTATION_LIMITS.defaultMaxAgeDays} days, oldest ${plural(c.oldestDays, 'day', 'days')}`
}

export interface StaleDigestOptions {
  db: Db
  queue: WriteQueue<Database>
  clock: () => number
  outbox: Outbox
  metrics: Metrics
  logger?: Logger
  /** Seconds between ticks of the background timer; the vault is scanned once an hour of them. */
  intervalSeconds: number
  /** Accounts looked at per batch. */
  batchSize?: number
}

export interface StaleDigest {
  start(): void
  stop(): void
  /** One batch now, whatever the hour: resolves with how many digests were sent. */
  runOnce(): Promise<number>
}

export function createStaleDigest(o: StaleDigestOptions): StaleDigest {
  const batchSize = o.batchSize ?? 100

  /** One account in one transaction: counts, the claim, the alert and its outbox rows. */
  const digest = (userId: Buffer, now: number) =>
    o.queue.run(async (trx) => {
      const counts = await staleCounts(trx, userId, now)
      if (counts.pastInterval + counts.olderThan90Days === 0) return false
      // Security promise (one digest a day, whatever the number of instances): the claim is a
      // conditional upsert, so of two instances that both found the account due, the second
      // (on PostgreSQL it waits for the first's commit, then re-checks) updates nothing and
      // writes nothing. Its row lives in the database, so a restart does not reset it.
      const claimed = await trx
        .insertInto('rotation_digests')
        .values({ user_id: userId, sent_at: now })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({ sent_at: now })
            .where('rotation_digests.sent_at', '<=', now - DIGEST_GAP_MS),
        )
        .returning('user_id')
        .executeTakeFirst()
      if (!claimed) return false
      await insertAccountAudit(trx, {
        at: now,
        event: 'alert',
        result: 'ok',
        actor: 'system',
        user_id: userId,
        detail: staleDetail(counts),
      })
      const user = await trx
        .selectFrom('users')
        .select('username')
        .where('id', '=', userId)
        .executeTakeFirst()
      // Counts only: the server could not name a secret if it wanted to (names are sealed).
      await o.outbox.enqueue(
        trx,
        userId,
        makeEvent('alert.stale_secrets', now, { username: user?.username ?? 'unknown', ...counts }),
      )
      return true
    })

  let lastFull = false
  const runBatch = async (): Promise<{ sent: number; full: boolean }> => {
    const now = o.clock()
    const due = await dueAccounts(o.db, now, batchSize)
    let sent = 0
    for (const userId of due) {
      // Counted after the commit: a write op may run twice (a batch that rolled back).
      if (await digest(userId, now)) {
        sent++
        o.metrics.alerts.inc({ kind: 'stale_secrets' })
      }
    }
    if (sent > 0) o.logger?.info('stale secrets digests sent', { accounts: sent })
    return { sent, full: due.length >= batchSize }
  }

  let lastScan = -Infinity
  const scheduler = createBatchScheduler({
    intervalSeconds: o.intervalSeconds,
    runBatch: async () => {
      const now = o.clock()
      // A backlog goes on at once; otherwise one look an hour is plenty for a daily digest.
      if (!lastFull && now - lastScan < DIGEST_SCAN_MS) return false
      lastScan = now
      lastFull = (await runBatch()).full
      return lastFull
    },
    onError: (err) =>
      o.logger?.error('stale secrets digest failed', {
        error: err instanceof Error ? err.name : 'unknown',
      }),
  })

  return {
    start: scheduler.start,
    stop: scheduler.stop,
    runOnce: async () => (await runBatch()).sent,
  }
}
