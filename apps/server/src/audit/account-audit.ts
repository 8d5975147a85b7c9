/** @module The account audit trail (issue 3): who did what to an account's objects, never secret material; alerts on repeated failures. */
import type { AuditActor, AuditEventName, AuditResult } from '@secretsentry/contract/types'
import { lockAccount } from '../account/account.queries.ts'
import type { Db } from '../db/database.ts'
import * as q from './account-audit.queries.ts'

export type Agent = 'browser' | 'cli' | 'other'
export type Actor = AuditActor

/** Who called, as far as the audit may know: a keyed hash of the address and a user-agent class. */
export interface ClientInfo {
  hash: string
  agent: Agent
}

export interface AccountEvent {
  userId: Buffer
  event: AuditEventName
  result: AuditResult
  actor: Actor
  client: ClientInfo | null
  at: number
  secretId?: Buffer | null
  shareId?: Buffer | null
  /** Plain facts such as "version=3"; never names, values, keys or tokens. */
  detail?: string | null
  /** The service token that acted or was refused; the trail shows its (clear-text) name. */
  tokenId?: Buffer | null
}

export const ALERT_WINDOW_MS = 15 * 60_000
/** Refused token accesses count like refused accesses of another account: both are probes. */
const ALERTING: AuditEventName[] = ['login.failed', 'access.denied', 'token.denied']
/** The words after the count in the failed-access alert's detail. */
const FAILED_ACCESS_DETAIL = 'failed logins or denied accesses'

const BROWSER = /\bMozilla\/\d/
const CLI =
  /^(curl|wget|httpie|python-requests|python-urllib|aiohttp|go-http-client|node|undici|axios|okhttp|powershell|secretsentry)\b/i

/** Only the class is kept, never the User-Agent string: it fingerprints people. */
export function agentOf(userAgent: string | undefined): Agent {
  if (!userAgent) return 'other'
  if (CLI.test(userAgent.trim())) return 'cli'
  if (BROWSER.test(userAgent)) return 'browser'
  return 'other'
}

export interface AccountAudit {
  /** Writes one event inside the caller's transaction; may add an `alert` after it. */
  record(trx: Db, event: AccountEvent): Promise<void>
}

/**
 * Failed logins and denied accesses on one account: when they reach `alertThreshold` within
 * 15 minutes, one `alert` event is written, and no second one in the same window.
 */
export function createAccountAudit(options: {
  alertThreshold: number
  /** After the alert row, in the same transaction: notify the account's channels (issue 12). */
  onAlert?: (
    trx: Db,
    userId: Buffer,
    failures: number,
    windowMinutes: number,
    at: number,
  ) => Promise<void>
}): AccountAudit {
  return {
    async record(trx, e) {
      await q.insertAccountAudit(trx, {
        at: e.at,
        event: e.event,
        result: e.result,
        actor: e.actor,
        user_id: e.userId,
        secret_id: e.secretId ?? null,
        share_id: e.shareId ?? null,
        client_hash: e.client?.hash ?? null,
        agent: e.client?.agent ?? null,
        detail: e.detail ?? null,
        token_id: e.tokenId ?? null,
      })
      if (!ALERTING.includes(e.event)) return
      // Instances on one PostgreSQL database count one after another, so a burst spread over
      // them still raises one alert per window.
      await lockAccount(trx, e.userId)
      const since = e.at - ALERT_WINDOW_MS
      const failures = await q.countRecent(trx, e.userId, ALERTING, since)
      if (failures < options.alertThreshold) return
      // Other alerts (a failing webhook) do not silence this one.
      if ((await q.countRecent(trx, e.userId, ['alert'], since, FAILED_ACCESS_DETAIL)) > 0) return
      await q.insertAccountAudit(trx, {
        at: e.at,
        event: 'alert',
        result: 'ok',
        actor: 'system',
        user_id: e.userId,
        detail: `${failures} ${FAILED_ACCESS_DETAIL} within 15 minutes`,
      })
      await options.onAlert?.(trx, e.userId, failures, ALERT_WINDOW_MS / 60_000, e.at)
    },
  }
}
