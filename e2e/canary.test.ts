/** @module SPEC §6 canary: a secret planted through the real UI never reaches the server's database, WAL or logs, and its ciphertext is deleted after the last view. */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { recordedFlow, type FlowResult } from './support/flow.ts'
import { listFiles, scanFiles, type Finding } from './support/leak-scan.ts'
import { useServerAndBrowsers } from './support/suite.ts'

describe.skipIf(browserSkipReason !== null)('canary secret', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])
  let flow: FlowResult
  let ciphertextWhileStored: Finding[] = []
  let filesAfterStop: string[] = []
  let exitCode: number | string | null = null
  const text = `CANARY-TEXT-${randomUUID()}`
  const passphrase = `CANARY-PASS-${randomUUID()}`
  const wrongPassphrase = `CANARY-WRONG-${randomUUID()}`

  beforeAll(async () => {
    flow = await recordedFlow({
      origin: suite.server.origin,
      creator: suite.creator,
      recipient: suite.recipient,
      text,
      passphrase,
      wrongPassphrase,
      // Positive control: while the share is stored, the scan does find its ciphertext on disk.
      beforeReveal: async (f) => {
        ciphertextWhileStored = await scanFiles(await listFiles(suite.server.dataDir), {
          ciphertext: Buffer.from(f.created.ciphertext, 'base64url'),
        })
      },
    })
    await suite.creator.close()
    await suite.recipient.close()
    exitCode = await suite.server.stop()
    filesAfterStop = [
      ...(await listFiles(suite.server.dataDir)),
      ...[suite.server.logFile, suite.server.outputFile].filter((f) => existsSync(f)),
    ]
  })

  it('the flow revealed the canary and the scan can see stored ciphertext', () => {
    expect(flow.revealed).toBe(text)
    expect(ciphertextWhileStored.length).toBeGreaterThan(0)
    expect(filesAfterStop.some((f) => f.startsWith(suite.server.dataDir))).toBe(true)
  })

  it('the server shut down cleanly on SIGTERM', () => {
    expect(exitCode).toBe(0)
  })

  it('no file in DATA_DIR nor any log holds the plaintext, passphrases, fragment, seed, keys or access', async () => {
    const findings = await scanFiles(filesAfterStop, {
      plaintext: text,
      passphrase,
      wrongPassphrase,
      fragment: flow.fragment,
      seed: flow.seed,
      encKey: flow.encKey,
      access: flow.access,
    })
    expect(findings).toEqual([])
  })

  it('the ciphertext is gone from every file after the last view', async () => {
    const findings = await scanFiles(filesAfterStop, {
      ciphertext: Buffer.from(flow.created.ciphertext, 'base64url'),
    })
    expect(findings).toEqual([])
  })
})
