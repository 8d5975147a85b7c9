/** @module SPEC §6 canary for the vault: after the whole flow through the real UI, no name, tag, description, path, value or master password is in the database, its WAL/SHM or any log. */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { listFiles, scanFiles, type Finding } from './support/leak-scan.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { vaultFlow, type VaultFlowResult } from './support/vault-flow.ts'

describe.skipIf(browserSkipReason !== null)('vault canary', () => {
  const suite = useServerAndBrowsers(['owner', 'recipient'])
  const password = `CANARY-MASTER-${randomUUID()}`
  const secret = {
    name: `CANARY-NAME-${randomUUID()}`,
    description: `CANARY-DESCRIPTION-${randomUUID()}`,
    tags: [`CANARY-TAG-${randomUUID().slice(0, 13)}`, `CANARY-TAG2-${randomUUID().slice(0, 12)}`],
    path: `/canary/${randomUUID()}`,
    value: `CANARY-VALUE-${randomUUID()}`,
    newValue: `CANARY-VALUE2-${randomUUID()}`,
  }
  let flow: VaultFlowResult
  let sealedWhileRunning: Finding[] = []
  let files: string[] = []
  let exitCode: number | string | null = null

  beforeAll(async () => {
    flow = await vaultFlow({
      origin: suite.server.origin,
      owner: suite.owner,
      recipient: suite.recipient,
      password,
      secret,
    })
    await suite.owner.close()
    await suite.recipient.close()
    exitCode = await suite.server.stop()
    files = [
      ...(await listFiles(suite.server.dataDir)),
      ...[suite.server.logFile, suite.server.outputFile].filter((f) => existsSync(f)),
    ]
    // Positive control: the scan does see what the server stores (the sealed value of version 1).
    sealedWhileRunning = await scanFiles(files, {
      sealedValue: Buffer.from(flow.createBody.value.ciphertext, 'base64url'),
    })
  })

  it('the flow ran to the end and the server stopped cleanly', () => {
    expect(flow.revealed).toBe(secret.value)
    expect(exitCode).toBe(0)
    expect(files.some((f) => f.startsWith(suite.server.dataDir))).toBe(true)
  })

  it('the scan finds the stored ciphertext (it looks in the right files)', () => {
    expect(sealedWhileRunning.length).toBeGreaterThan(0)
  })

  it('no file in DATA_DIR (database, WAL, SHM) nor any log holds a name, tag, description, path, value or the master password', async () => {
    const findings = await scanFiles(files, {
      name: secret.name,
      description: secret.description,
      tag1: secret.tags[0]!,
      tag2: secret.tags[1]!,
      path: secret.path,
      value: secret.value,
      newValue: secret.newValue,
      masterPassword: password,
    })
    expect(findings).toEqual([])
  })
})
