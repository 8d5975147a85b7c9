/** @module axe-core finds no serious or critical accessibility violation on the create page, its result, the reveal page before and after Reveal, and every vault page. */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { createViaUi, openLink, pressReveal } from './support/ui.ts'
import { addSecretViaUi, registerViaUi } from './support/vault-flow.ts'

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown[]; failureSummary?: string }[]
}

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Injects axe and returns the violations that are serious or critical (all of them are printed). */
async function seriousViolations(page: Page, label: string): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: await AXE_SOURCE })
  const { violations, passed } = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: object,
          ): Promise<{ violations: AxeViolation[]; passes: unknown[] }>
        }
      }
    ).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return {
      passed: result.passes.length,
      violations: result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })),
    }
  })
  // A run that checked nothing would also report no violations.
  if (passed === 0) throw new Error(`axe checked no rule on ${label}`)
  if (violations.length > 0) {
    console.log(`[axe] ${label}:\n${JSON.stringify(violations, null, 2)}`)
  }
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

describe.skipIf(browserSkipReason !== null)('accessibility (axe-core)', () => {
  // bypassCSP only here: the strict CSP rightly refuses the injected axe script.
  const suite = useServerAndBrowsers(['browser'], { bypassCSP: true })

  it('create page: the form and the result view', async () => {
    const page = await suite.browser.context.newPage()
    await page.goto(`${suite.server.origin}/`)
    await page.getByRole('button', { name: 'Create secret link' }).waitFor()
    expect(await seriousViolations(page, 'create form')).toEqual([])

    await createViaUi(page, suite.server.origin, { text: 'axe check', passphrase: 'axe pass' })
    expect(await seriousViolations(page, 'create result')).toEqual([])
  })

  it('My links page', async () => {
    const page = await suite.browser.context.newPage()
    await page.goto(`${suite.server.origin}/links`)
    await page.waitForLoadState('networkidle')
    expect(await seriousViolations(page, 'my links')).toEqual([])
  })

  it('reveal page before and after Reveal', async () => {
    const creator = await suite.browser.context.newPage()
    const link = await createViaUi(creator, suite.server.origin, { text: 'axe reveal check' })
    const page = await suite.browser.context.newPage()
    await openLink(page, link)
    expect(await seriousViolations(page, 'reveal, before')).toEqual([])
    expect(await pressReveal(page)).toBe('axe reveal check')
    expect(await seriousViolations(page, 'reveal, after')).toEqual([])
  })

  it('reveal page asking for a passphrase, and the gone message', async () => {
    const creator = await suite.browser.context.newPage()
    const link = await createViaUi(creator, suite.server.origin, { text: 'x', passphrase: 'p' })
    const page = await suite.browser.context.newPage()
    await openLink(page, link)
    await page.getByLabel('Passphrase').waitFor()
    expect(await seriousViolations(page, 'reveal with passphrase')).toEqual([])

    await openLink(page, `${suite.server.origin}/s#1.${'A'.repeat(43)}`)
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    await page.getByRole('heading', { name: 'Secret not available' }).waitFor()
    expect(await seriousViolations(page, 'reveal, gone')).toEqual([])
  })

  it('vault: login, register, empty and full list, a secret with its value, edit and share, activity, account, deleted, unlock', async () => {
    const o = suite.server.origin
    const page = await suite.browser.context.newPage()
    await page.goto(`${o}/vault`)
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor()
    expect(await seriousViolations(page, 'vault login')).toEqual([])
    await page.goto(`${o}/vault/register`)
    await page.getByRole('heading', { name: 'Create your vault' }).waitFor()
    expect(await seriousViolations(page, 'vault register')).toEqual([])

    const password = 'axe master password'
    await registerViaUi(page, o, `axe-${Date.now()}`, password)
    expect(await seriousViolations(page, 'vault empty')).toEqual([])
    await page.getByRole('link', { name: 'Add your first secret' }).click()
    await page.getByLabel('Name').waitFor()
    expect(await seriousViolations(page, 'vault new secret')).toEqual([])
    await page.goto(`${o}/vault`)
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('heading', { name: 'Your vault is empty' }).waitFor({ timeout: 60_000 })
    await addSecretViaUi(page, {
      name: 'Axe key',
      description: 'for the checker',
      tags: ['prod', 'axe'],
      path: '/axe/prod',
      value: 'axe value',
    })
    await page.getByRole('button', { name: 'Reveal value' }).click()
    await page.getByRole('textbox', { name: 'Secret value' }).waitFor()
    expect(await seriousViolations(page, 'vault secret, value shown')).toEqual([])
    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    await page.getByLabel(/^New value/).fill('axe value 2')
    expect(await seriousViolations(page, 'vault secret, edit')).toEqual([])
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved.', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('button', { name: 'Create secret link' }).waitFor()
    expect(await seriousViolations(page, 'vault share form')).toEqual([])
    await page.getByRole('button', { name: 'Create secret link' }).click()
    await page.getByRole('textbox', { name: 'Secret link' }).waitFor()
    expect(await seriousViolations(page, 'vault share result')).toEqual([])
    await page.getByRole('button', { name: 'Done' }).click()

    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await page.getByRole('list', { name: 'Secrets' }).waitFor()
    expect(await seriousViolations(page, 'vault list')).toEqual([])
    await page.getByRole('link', { name: 'Activity', exact: true }).click()
    await page.getByRole('list', { name: 'Activity, newest first' }).waitFor()
    expect(await seriousViolations(page, 'vault activity')).toEqual([])
    await page.getByRole('link', { name: 'Account', exact: true }).click()
    await page.getByRole('heading', { name: 'Change the master password' }).waitFor()
    expect(await seriousViolations(page, 'vault account')).toEqual([])

    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await page.getByRole('link', { name: 'Axe key' }).click()
    await page.getByRole('button', { name: 'Delete', exact: true }).click()
    await page.getByRole('button', { name: 'Yes, delete it' }).click()
    await page.getByText(/moved to Deleted/).waitFor()
    await page.getByRole('link', { name: 'Deleted', exact: true }).click()
    await page.getByRole('list', { name: 'Deleted secrets' }).waitFor()
    expect(await seriousViolations(page, 'vault deleted')).toEqual([])

    await page.getByRole('button', { name: 'Lock', exact: true }).click()
    await page.getByRole('heading', { name: 'Unlock your vault' }).waitFor()
    expect(await seriousViolations(page, 'vault unlock')).toEqual([])
  })
})
