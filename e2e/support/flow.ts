/** @module The full recorded flow several suites inspect: create with a passphrase, a wrong try, the right one, reveal. */
import { deriveShareKeys, parseFragment } from '@secretsentry/envelope'
import type { CreateShareRequest } from '@secretsentry/contract/types'
import { TrafficRecorder, type TestBrowser } from './browser.ts'
import { createViaUi, manageTokenFor, openLink, pressReveal, shareIdOfLink } from './ui.ts'

export interface FlowInput {
  origin: string
  creator: TestBrowser
  recipient: TestBrowser
  text: string
  passphrase: string
  wrongPassphrase: string
  /** Runs after the recipient's page is ready and before anything is pressed there. */
  beforeReveal?: (flow: Omit<FlowResult, 'revealed'>) => Promise<void>
}

export interface FlowResult {
  link: string
  /** The fragment without '#': the key material. */
  fragment: string
  seed: Uint8Array
  encKey: Uint8Array
  access: Uint8Array
  id: string
  manageToken: string
  /** The body the creator's browser POSTed to /api/share. */
  created: CreateShareRequest
  recorder: TrafficRecorder
  /** Recorder position just before the recipient pressed Reveal for the first time. */
  revealMark: number
  revealed: string
}

export async function recordedFlow(input: FlowInput): Promise<FlowResult> {
  const recorder = new TrafficRecorder()
  recorder.attach(input.creator.context, 'creator')
  recorder.attach(input.recipient.context, 'recipient')

  const createPage = await input.creator.context.newPage()
  const link = await createViaUi(createPage, input.origin, {
    text: input.text,
    passphrase: input.passphrase,
  })
  const fragment = new URL(link).hash.slice(1)
  const { seed } = parseFragment(fragment)
  const keys = await deriveShareKeys(seed, input.passphrase)
  const id = shareIdOfLink(link)
  const manageToken = await manageTokenFor(createPage, id)
  // The creator looks at "My links" too: those status requests are part of the flow.
  await createPage.getByRole('link', { name: 'My links' }).click()
  await createPage.waitForLoadState('networkidle')

  await recorder.settle()
  const post = recorder.requests.find(
    (r) => r.method === 'POST' && new URL(r.url).pathname === '/api/share',
  )
  if (!post?.body) throw new Error('the creator never POSTed /api/share')
  const created = JSON.parse(post.body.toString('utf8')) as CreateShareRequest

  const page = await input.recipient.context.newPage()
  await openLink(page, link)
  await page.waitForLoadState('networkidle')
  await recorder.settle()
  const partial = {
    link,
    fragment,
    seed,
    encKey: keys.encKey,
    access: keys.access,
    id,
    manageToken,
    created,
    recorder,
    revealMark: recorder.mark(),
  }
  await input.beforeReveal?.(partial)

  await page.getByLabel('Passphrase').fill(input.wrongPassphrase)
  await page.getByRole('button', { name: 'Reveal secret' }).click()
  await page.getByRole('alert').waitFor()
  const revealed = await pressReveal(page, input.passphrase)
  await page.getByRole('button', { name: 'Done, hide it' }).click()
  await page.waitForLoadState('networkidle')
  await recorder.settle()
  return { ...partial, revealed }
}
