/** @module The vault sweeper on its timer: purges deleted secrets past their window and dead sessions, then stops. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAccountAudit } from '../audit/account-audit.ts'
import { makeTestApp, type TestApp } from '../test/test-app.ts'
import { as, createSecret, registerUser } from '../test/vault-fixtures.ts'
import { createVaultSweeper } from './vault.sweeper.ts'

let t: TestApp
beforeEach(async () => {
  t = await makeTestApp({ config: { vaultRecoveryDays: 0 } })
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const count = async (table: string) =>
  ((await t.rows(`select count(*) as n from ${table}`))[0] as { n: number }).n

describe('vault sweeper', () => {
  it('runs on its timer once started: VAULT_RECOVERY_DAYS=0 purges at the next sweep; it stops', async () => {
    const alice = await registerUser(t, 'alice')
    const { body } = await createSecret(t, alice)
    await createSecret(t, alice)
    const del = await t.call(`/api/secrets/${body.id}`, as(alice, 'DELETE'))
    expect(((await del.json()) as { purgeAt: string }).purgeAt).toBe(
      new Date(t.clock.now).toISOString(),
    )
    const sweeper = createVaultSweeper({
      deps: {
        db: t.db,
        queue: t.queue,
        clock: () => t.clock.now,
        audit: createAccountAudit({ alertThreshold: 5 }),
        recoveryMs: 0,
        quotaBytes: 0,
      },
      intervalSeconds: 0.01,
      sessionIdleMs: 3_600_000,
    })
    sweeper.start()
    await expect.poll(() => count('secrets'), { timeout: 2000 }).toBe(1)
    expect(await count('secret_versions')).toBe(1)
    t.clock.advance(2 * 3_600_000)
    await expect.poll(() => count('sessions'), { timeout: 2000 }).toBe(0)
    sweeper.stop()
  })
})
