/** @module Drives the real web app the way a person does, through accessible names only. */
import { parseFragment, shareIdFromSeed, toB64url } from '@secretsentry/envelope'
import type { Page } from 'playwright-core'

export interface UiShareOptions {
  text: string
  passphrase?: string
  maxViews?: number
}

/** Fills the create form, presses Create, copies the link with the Copy button and returns what the clipboard got. */
export async function createViaUi(
  page: Page,
  origin: string,
  options: UiShareOptions,
): Promise<string> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  await page.goto(`${origin}/`)
  await page.getByRole('textbox', { name: 'Secret', exact: true }).fill(options.text)
  if (options.maxViews !== undefined) {
    await page.getByLabel('Views allowed').fill(String(options.maxViews))
  }
  if (options.passphrase !== undefined) {
    await page.getByLabel(/^Passphrase/).fill(options.passphrase)
  }
  await page.getByRole('button', { name: 'Create secret link' }).click()
  const linkField = page.getByRole('textbox', { name: 'Secret link', exact: true })
  await linkField.waitFor()
  await page.getByRole('button', { name: 'Copy' }).click()
  await page.getByRole('button', { name: 'Copied' }).waitFor()
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  const shown = await linkField.inputValue()
  if (copied !== shown) throw new Error(`clipboard has ${copied}, the page shows ${shown}`)
  return copied
}

/** The share id of a link, computed from its seed the way the client does (no network). */
export function shareIdOfLink(link: string): string {
  const fragment = new URL(link).hash
  return toB64url(shareIdFromSeed(parseFragment(fragment).seed))
}

/** The manage token "My links" kept in the creator's browser for this share. */
export async function manageTokenFor(page: Page, id: string): Promise<string> {
  const raw = await page.evaluate(() => localStorage.getItem('secretsentry.links.v1'))
  const links = JSON.parse(raw ?? '[]') as { id: string; manageToken: string }[]
  const token = links.find((l) => l.id === id)?.manageToken
  if (!token) throw new Error(`no manage token for ${id} in the creator's localStorage: ${raw}`)
  return token
}

/** Opens the link and waits until the page offers Reveal (nothing pressed). */
export async function openLink(page: Page, link: string): Promise<void> {
  await page.goto(link)
  await page.getByRole('button', { name: 'Reveal secret' }).waitFor()
}

/** Types the passphrase (if any), presses Reveal and returns the revealed text. */
export async function pressReveal(page: Page, passphrase?: string): Promise<string> {
  if (passphrase !== undefined) await page.getByLabel('Passphrase').fill(passphrase)
  await page.getByRole('button', { name: 'Reveal secret' }).click()
  const secret = page.getByRole('textbox', { name: 'Secret text' })
  await secret.waitFor()
  return secret.inputValue()
}
