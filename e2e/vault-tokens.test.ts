/**
 * @module Service tokens through the real UI and the built server (issue 11): a token made for a
 * folder from the folder's own action is shown once (a reload lists it, never shows it), Copy puts
 * exactly it on the clipboard, it authenticates until Revoke, and then the server answers 401
 * token_revoked; the Activity page names it; axe finds nothing serious on the page in light and
 * dark, at desktop and phone width; the token and the folder's name never reach the disk in clear.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { unlockServiceToken } from '@secretsentry/keyring'
import { describe, expect, it } from 'vitest'
import { browserSkipReason } from './support/browser.ts'
import { listFiles, scanFiles } from './support/leak-scan.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { addSecretViaUi, registerViaUi } from './support/vault-flow.ts'

/** Set to a directory to keep screenshots of the page and the shown-once state (1280 and 390 px, light and dark). */
const SCREENS = process.env.E2E_SCREENSHOTS
const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const SLOW = { timeout: 60_000 }

async function seriousViolations(page: Page, label: string): Promise<unknown[]> {
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
  if (result.passes.length === 0) throw new Error(`axe checked no rule on ${label}`)
  if (result.violations.length > 0) console.log(`[axe] ${label}`, JSON.stringify(result.violations))
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** axe in light and dark, at desktop and phone width; screenshots of each when asked. */
async function checkEverywhere(page: Page, name: string): Promise<unknown[]> {
  const found: unknown[] = []
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 })
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      found.push(...(await seriousViolations(page, `${name} ${width} ${colorScheme}`)))
      if (SCREENS) {
        await page.screenshot({
          path: join(SCREENS, `${name}-${width}-${colorScheme}.png`),
          fullPage: true,
        })
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.emulateMedia({ colorScheme: 'light' })
  return found
}

/** A GET as the token's holder makes it: the id and authKey, never the token text. */
async function tokenCall(
  origin: string,
  text: string,
  path = '/api/token',
): Promise<{ status: number; body: unknown }> {
  const { id, authKey } = unlockServiceToken(text)
  const res = await fetch(`${origin}${path}`, {
    headers: { authorization: `Token ${id}.${authKey}`, 'user-agent': 'secretsentry-e2e' },
  })
  return { status: res.status, body: await res.json() }
}

describe.skipIf(browserSkipReason !== null)('service tokens in the browser', () => {
  // bypassCSP only for the injected axe script.
  const suite = useServerAndBrowsers(['owner'], { bypassCSP: true })
  const project = `tok-${randomUUID().slice(0, 8)}`
  const tokenName = `ci-${randomUUID().slice(0, 8)}`
  const value = `VALUE-${randomUUID()}`
  const password = `master-${randomUUID()}`
  let tokenText = ''

  it('makes a token for a folder, shows it once, copies it, and revokes it', async () => {
    const origin = suite.server.origin
    await suite.owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
    const page = await suite.owner.context.newPage()
    await registerViaUi(page, origin, `tok-${randomUUID().slice(0, 8)}`, password)

    await page.getByRole('button', { name: 'New folder' }).click()
    await page.getByLabel('New folder in /').fill(project)
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText(`Created /${project}.`).waitFor()
    await page.getByRole('button', { name: 'Environments' }).click()
    await page.getByRole('button', { name: 'Create them' }).click()
    await page.getByText(`/${project} has development, staging and production.`).waitFor()
    await addSecretViaUi(page, {
      name: 'DB_PASSWORD',
      description: '',
      tags: [],
      path: `/${project}/production`,
      value,
    })

    // No token yet: the page says so.
    await page.getByRole('link', { name: 'Access tokens', exact: true }).click()
    await page.getByRole('heading', { name: 'No tokens yet' }).waitFor()
    expect(await checkEverywhere(page, 'tokens-empty')).toEqual([])

    // From the folder's own action: the form opens on that folder.
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await page.locator('nav[aria-label="Folders"] .node', { hasText: 'production' }).click()
    const action = page.getByRole('link', { name: 'Create token for this folder' })
    await action.waitFor()
    if (SCREENS) {
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 })
        await page.screenshot({ path: join(SCREENS, `folder-actions-${width}.png`) })
      }
      await page.setViewportSize({ width: 1280, height: 900 })
    }
    await action.click()
    const folder = page.getByLabel('Folder', { exact: true })
    await folder.waitFor()
    expect(await folder.locator('option:checked').innerText()).toBe(`/${project}/production`)
    await page.getByLabel(/^Name/).fill(tokenName)
    await page.getByLabel('Allow writing').check()
    await page.getByText('A read-write token can add and change secrets').waitFor()
    expect(await checkEverywhere(page, 'tokens-form')).toEqual([])
    await page.getByLabel('Allow writing').uncheck()
    await page.getByRole('button', { name: 'Create token' }).click()

    // Shown once, in a read-only field, with Copy.
    const field = page.getByRole('textbox', { name: 'Access token' })
    await field.waitFor(SLOW)
    tokenText = await field.inputValue()
    expect(tokenText).toMatch(/^sst_[A-Za-z0-9_-]{66}$/)
    expect(await field.getAttribute('readonly')).not.toBeNull()
    await page.getByText('You will not see it again.').waitFor()
    await page.getByRole('button', { name: 'Copy', exact: true }).click()
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor()
    await page.getByText('Token copied to the clipboard.').waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(tokenText)
    expect(await page.locator('pre').innerText()).toContain(
      `secretsentry run --path /${project}/production -- node app.js`,
    )
    expect(await checkEverywhere(page, 'tokens-created')).toEqual([])

    // It authenticates, and reads its folder's one secret (a token.read on the trail).
    expect((await tokenCall(origin, tokenText)).status).toBe(200)
    const read = await tokenCall(origin, tokenText, '/api/token/secrets')
    expect(read.status).toBe(200)
    expect((read.body as { secrets: unknown[] }).secrets).toHaveLength(1)

    // A reload: the keys are gone and so is the token; the list names it, never shows it.
    await page.reload()
    await page.getByLabel('Master password').fill(password)
    await page.getByRole('button', { name: 'Unlock' }).click()
    const item = page.getByRole('listitem', { name: tokenName })
    await item.waitFor(SLOW)
    expect(await page.getByRole('textbox', { name: 'Access token' }).count()).toBe(0)
    expect(await page.content()).not.toContain(tokenText)
    expect(await item.locator('.badge').innerText()).toBe('Active')
    expect(await item.locator('.path').innerText()).toBe(`/${project}/production`)
    expect(await item.innerText()).toContain('Read-only')
    expect(await item.innerText()).toMatch(/Last used\s+\S.* from client [0-9a-f]{8}/)
    expect(await checkEverywhere(page, 'tokens-list')).toEqual([])

    // Revoke, after a confirmation.
    await item.getByRole('button', { name: `Revoke ${tokenName}` }).click()
    await item.getByRole('button', { name: 'Yes, revoke it' }).click()
    await page.getByText(`Revoked ${tokenName}.`).waitFor()
    await expect.poll(() => item.locator('.badge').innerText()).toBe('Revoked')
    const refused = await tokenCall(origin, tokenText)
    expect(refused.status).toBe(401)
    expect((refused.body as { error: { code: string } }).error.code).toBe('token_revoked')
    expect(await checkEverywhere(page, 'tokens-revoked')).toEqual([])

    // The trail names the token for its creation, its use, its revocation and the refusal.
    await page.getByRole('link', { name: 'Activity', exact: true }).click()
    const trail = page.getByRole('list', { name: 'Activity, newest first' })
    await trail.waitFor()
    const text = await trail.innerText()
    for (const line of [
      `Created access token “${tokenName}”`,
      'Read 1 secret of its folders',
      `by access token “${tokenName}”`,
      `Revoked access token “${tokenName}”`,
      `Access token “${tokenName}” was refused · the token is revoked`,
    ])
      expect(text).toContain(line)
    expect(await seriousViolations(page, 'activity with token events')).toEqual([])
    await page.close()
  }, 300_000)

  it('no file in DATA_DIR nor any log holds the token or the folder name in clear', async () => {
    expect(tokenText).not.toBe('')
    await suite.owner.close()
    expect(await suite.server.stop()).toBe(0)
    const files = [
      ...(await listFiles(suite.server.dataDir)),
      ...[suite.server.logFile, suite.server.outputFile].filter((f) => existsSync(f)),
    ]
    expect(files.length).toBeGreaterThan(0)
    // The token's 256-bit secret (characters 27–69), and the authKey every request presents: the
    // server keeps only a verifier (keyring SPEC §11.2), and logs name no credential.
    const secret = Buffer.from(tokenText.slice(27), 'base64url')
    const { authKey } = unlockServiceToken(tokenText)
    expect(
      await scanFiles(files, { project, value, password, tokenText, secret, authKey }),
    ).toEqual([])
  })
})
