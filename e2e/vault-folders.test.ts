/** @module Folders through the real UI and the built server (issue 11): create folders and the environments, move a secret, rename and move a folder, its secrets' values still open; axe finds nothing serious; folder names never reach the disk in clear. */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { listFiles, scanFiles } from './support/leak-scan.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { addSecretViaUi, registerViaUi, revealCurrent } from './support/vault-flow.ts'

/** Set to a directory to keep screenshots of the list with its tree (1280 and 390 px, light and dark). */
const SCREENS = process.env.E2E_SCREENSHOTS
const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

async function seriousViolations(page: Page): Promise<unknown[]> {
  await page.addScriptTag({ content: await AXE_SOURCE })
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            d: Document,
            o: object,
          ): Promise<{ violations: { id: string; impact: string | null }[]; passes: unknown[] }>
        }
      }
    ).axe
    return axe.run(document, { resultTypes: ['violations'] })
  })
  if (result.passes.length === 0) throw new Error('axe checked no rule')
  if (result.violations.length > 0) console.log('[axe]', JSON.stringify(result.violations))
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

describe.skipIf(browserSkipReason !== null)('vault folders in the browser', () => {
  // bypassCSP only for the injected axe script.
  const suite = useServerAndBrowsers(['owner'], { bypassCSP: true })
  const project = `proj-${randomUUID().slice(0, 8)}`
  const value = `VALUE-${randomUUID()}`
  const password = `master-${randomUUID()}`
  const renamed = {
    from: `old-${randomUUID().slice(0, 8)}`,
    to: `new-${randomUUID().slice(0, 8)}`,
    parent: `dest-${randomUUID().slice(0, 8)}`,
  }

  it('creates folders and the environments, moves a secret, and the value still opens', async () => {
    const page = await suite.owner.context.newPage()
    await registerViaUi(page, suite.server.origin, `fold-${randomUUID().slice(0, 8)}`, password)
    // A new account has no structure: the tree holds only the top level.
    await page.locator('nav[aria-label="Folders"]').waitFor()
    expect(await page.locator('nav[aria-label="Folders"] .node').count()).toBe(2)

    await page.getByRole('button', { name: 'New folder' }).click()
    await page.getByLabel('New folder in /').fill(project)
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText(`Created /${project}.`).waitFor()
    await page.getByRole('button', { name: 'Environments' }).click()
    await page.getByRole('button', { name: 'Create them' }).click()
    await page.getByText(`/${project} has development, staging and production.`).waitFor()
    await expect
      .poll(() => page.locator('nav[aria-label="Folders"] .node-name').allInnerTexts())
      .toEqual(['Top level', project, 'development', 'production', 'staging'])

    await addSecretViaUi(page, {
      name: 'DB_PASSWORD',
      description: '',
      tags: [],
      path: '',
      value,
    })
    await page.getByRole('button', { name: 'Move', exact: true }).click()
    await page
      .getByLabel('Folder', { exact: true })
      .selectOption({ label: `/${project}/production` })
    await page.locator('.confirm').getByRole('button', { name: 'Move', exact: true }).click()
    await page.getByText(`Moved to /${project}/production.`).waitFor()
    expect(await revealCurrent(page)).toBe(value)

    // A fresh load (folders and keys opened again): the secret is listed under its folder.
    await page.goto(`${suite.server.origin}/vault`)
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.locator('nav[aria-label="Folders"]').waitFor({ timeout: 60_000 })
    await page.locator('.node', { hasText: 'production' }).click()
    await page.getByRole('navigation', { name: 'Folder path' }).waitFor()
    expect(await page.locator('.item-title').allInnerTexts()).toEqual(['DB_PASSWORD'])
    expect(await page.locator('.item .path').innerText()).toBe(`/${project}/production`)
    expect(await seriousViolations(page)).toEqual([])

    if (SCREENS) {
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 })
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          await page.screenshot({
            path: join(SCREENS, `vault-folders-${width}-${colorScheme}.png`),
            fullPage: true,
          })
        }
      }
    }
    await page.close()
  }, 240_000)

  it('renames and moves a folder: the tree and the secrets under it follow, also after a reload', async () => {
    const page = await suite.owner.context.newPage()
    const pw = `master-${randomUUID()}`
    await registerViaUi(page, suite.server.origin, `fold2-${randomUUID().slice(0, 8)}`, pw)
    const tree = () => page.locator('nav[aria-label="Folders"] .node-name').allInnerTexts()
    const node = (name: string) =>
      page.locator('nav[aria-label="Folders"] .node', { hasText: new RegExp(`^\\W*${name}$`) })
    const mkdirIn = async (parentLabel: string, name: string) => {
      await page.getByRole('button', { name: 'New folder' }).click()
      await page.getByLabel(`New folder in ${parentLabel}`).fill(name)
      await page.getByRole('button', { name: 'Create', exact: true }).click()
    }
    await mkdirIn('/', renamed.from)
    await page.getByText(`Created /${renamed.from}.`).waitFor()
    await mkdirIn(`/${renamed.from}`, 'db')
    await page.getByText(`Created /${renamed.from}/db.`).waitFor()
    // A new folder is selected once made: back to the top for a sibling.
    await node('Top level').click()
    await mkdirIn('/', renamed.parent)
    await page.getByText(`Created /${renamed.parent}.`).waitFor()
    await addSecretViaUi(page, {
      name: 'NESTED',
      description: '',
      tags: [],
      path: `/${renamed.from}/db`,
      value,
    })
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()

    await node(renamed.from).click()
    await page.getByRole('button', { name: 'Rename' }).click()
    await page.getByLabel(`New name for /${renamed.from}`).fill(renamed.to)
    await page.getByRole('button', { name: 'Rename', exact: true }).last().click()
    await page.getByText(`Renamed to /${renamed.to}.`).waitFor()
    await page.getByRole('button', { name: 'Move', exact: true }).click()
    await page.getByLabel(`Move /${renamed.to} into`).selectOption({ label: `/${renamed.parent}` })
    await page.locator('.folder-form').getByRole('button', { name: 'Move', exact: true }).click()
    await page.getByText(`Moved to /${renamed.parent}/${renamed.to}.`).waitFor()
    await expect.poll(tree).toEqual(['Top level', renamed.parent, renamed.to, 'db'])

    await page.reload()
    await page.getByLabel('Master password').fill(pw)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.locator('nav[aria-label="Folders"]').waitFor({ timeout: 60_000 })
    expect(await tree()).toEqual(['Top level', renamed.parent, renamed.to, 'db'])
    await node('db').click()
    expect(await page.locator('.item .path').innerText()).toBe(
      `/${renamed.parent}/${renamed.to}/db`,
    )
    await page.getByRole('link', { name: 'NESTED' }).click()
    expect(await revealCurrent(page)).toBe(value)
    await page.close()
  }, 240_000)

  it('no file in DATA_DIR nor any log holds a folder name in clear', async () => {
    await suite.owner.close()
    expect(await suite.server.stop()).toBe(0)
    const files = [
      ...(await listFiles(suite.server.dataDir)),
      ...[suite.server.logFile, suite.server.outputFile].filter((f) => existsSync(f)),
    ]
    expect(files.length).toBeGreaterThan(0)
    expect(await scanFiles(files, { project, value, password, ...renamed })).toEqual([])
  })
})
