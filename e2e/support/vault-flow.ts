/** @module The vault flow several suites inspect, driven through the real UI: register → add → edit → restore → share → open elsewhere → read the activity. */
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { TrafficRecorder, type TestBrowser } from './browser.ts'
import { openLink, pressReveal } from './ui.ts'

export interface VaultSecretInput {
  name: string
  description: string
  tags: string[]
  path: string
  value: string
  /** The value saved by the edit (version 2); the flow then restores version 1. */
  newValue: string
}

export interface VaultFlowInput {
  origin: string
  owner: TestBrowser
  recipient: TestBrowser
  password: string
  secret: VaultSecretInput
}

export interface VaultFlowResult {
  username: string
  link: string
  /** What the recipient's browser revealed from the link. */
  revealed: string
  /** What the owner's page showed as the current value after the restore. */
  currentAfterRestore: string
  /** The activity list's text as the owner read it at the end. */
  activity: string
  /** The shares panel's text after the recipient opened the link. */
  sharesAfterOpen: string
  /** Bodies the owner's browser sent to create and update the secret (sealed, as the server stores them). */
  createBody: { meta: { ciphertext: string }; value: { ciphertext: string } }
  recorder: TrafficRecorder
  page: Page
}

/** Waits out Argon2id (64 MiB) on a busy 2-core machine. */
const SLOW = { timeout: 60_000 }

export async function registerViaUi(
  page: Page,
  origin: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${origin}/vault/register`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Master password', { exact: true }).fill(password)
  await page.getByLabel('Repeat the master password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Your vault is empty' }).waitFor(SLOW)
}

export async function addSecretViaUi(page: Page, s: Omit<VaultSecretInput, 'newValue'>) {
  await page
    .getByRole('link', { name: /^(New secret|Add your first secret)$/ })
    .first()
    .click()
  await page.getByLabel('Name').fill(s.name)
  await page.getByLabel(/^Description/).fill(s.description)
  await page.getByLabel(/^Tags/).fill(s.tags.join(', '))
  await page.getByLabel(/^Path/).fill(s.path)
  await page.getByLabel('Value', { exact: true }).fill(s.value)
  await page.getByRole('button', { name: 'Save secret' }).click()
  await page.getByRole('heading', { level: 1, name: s.name }).waitFor()
}

/** Reveals the current value on a secret's page and returns it (then hides it again). */
export async function revealCurrent(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Reveal value' }).click()
  const box = page.getByRole('textbox', { name: 'Secret value' })
  await box.waitFor()
  const value = await box.inputValue()
  await page.getByRole('button', { name: 'Hide' }).click()
  return value
}

export async function vaultFlow(input: VaultFlowInput): Promise<VaultFlowResult> {
  const { origin, secret, password } = input
  const recorder = new TrafficRecorder()
  recorder.attach(input.owner.context, 'owner')
  recorder.attach(input.recipient.context, 'recipient')
  await input.owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })

  const username = `e2e-${randomUUID().slice(0, 8)}`
  const page = await input.owner.context.newPage()
  await registerViaUi(page, origin, username, password)

  await addSecretViaUi(page, secret)

  // Edit: a new value (version 2, current) and a longer description.
  await page.getByRole('button', { name: 'Edit', exact: true }).click()
  await page.getByLabel(/^Description/).fill(`${secret.description} (rotated)`)
  await page.getByLabel(/^New value/).fill(secret.newValue)
  await page.getByRole('button', { name: 'Save changes' }).click()
  await page.getByText('Saved. The new value is the current version.').waitFor()
  if ((await revealCurrent(page)) !== secret.newValue) throw new Error('the edit did not save')

  // Restore version 1 as version 3.
  await page.getByRole('button', { name: 'Restore this version (1)' }).click()
  await page.getByText('Version 1 restored as version 3.').waitFor()
  const currentAfterRestore = await revealCurrent(page)

  // Share the current value as a one-time link.
  await page.getByRole('button', { name: 'Share', exact: true }).click()
  await page.getByRole('button', { name: 'Create secret link' }).click()
  const linkField = page.getByRole('textbox', { name: 'Secret link', exact: true })
  await linkField.waitFor()
  await page.getByRole('button', { name: 'Copy' }).click()
  await page.getByRole('button', { name: 'Copied' }).waitFor()
  const link = await page.evaluate(() => navigator.clipboard.readText())
  if (link !== (await linkField.inputValue())) throw new Error('clipboard and page disagree')
  await page.getByRole('button', { name: 'Done' }).click()

  // Another browser (no session, no storage) opens it.
  const other = await input.recipient.context.newPage()
  await openLink(other, link)
  const revealed = await pressReveal(other)

  // The owner sees the link used up, then reads the activity.
  await page.reload()
  await page.getByLabel('Master password').fill(password)
  await page.getByRole('button', { name: 'Unlock' }).click()
  const shares = page.getByRole('region', { name: 'Shared links' })
  await shares.getByText('Read', { exact: true }).waitFor(SLOW)
  const sharesAfterOpen = await shares.innerText()

  await page.getByRole('link', { name: 'Activity', exact: true }).click()
  const list = page.getByRole('list', { name: 'Activity, newest first' })
  await list
    .getByText(/^A share link of .+ was opened$/)
    .first()
    .waitFor()
  const activity = await list.innerText()

  await recorder.settle()
  const post = recorder.requests.find(
    (r) => r.method === 'POST' && new URL(r.url).pathname === '/api/secrets',
  )
  if (!post?.body) throw new Error('the owner never POSTed /api/secrets')
  return {
    username,
    link,
    revealed,
    currentAfterRestore,
    activity,
    sharesAfterOpen,
    createBody: JSON.parse(post.body.toString('utf8')) as VaultFlowResult['createBody'],
    recorder,
    page,
  }
}
