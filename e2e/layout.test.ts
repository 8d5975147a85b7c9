/**
 * @module No page scrolls sideways: every page and state of the app, at 320, 390 and 1280 px, in
 * real Chromium. Set LAYOUT_SCREENS=<dir> to also save each state, light and dark, as PNG files
 * for a person to look at.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { createTextShare } from './support/api.ts'
import { browserSkipReason } from './support/browser.ts'
import { useServerAndBrowsers } from './support/suite.ts'
import { createViaUi, openLink, pressReveal } from './support/ui.ts'
import { addSecretViaUi, registerViaUi } from './support/vault-flow.ts'

const WIDTHS = [320, 390, 1280] as const
const HEIGHT = 800
const SCREENS = process.env['LAYOUT_SCREENS'] ?? ''
if (SCREENS) mkdirSync(SCREENS, { recursive: true })
/** Waits out Argon2id on a busy 2-core machine. */
const SLOW = { timeout: 60_000 }

/** Runs in the page: what sticks out of the viewport, or out of the card it sits in. */
function overflowsInPage(): string[] {
  const width = window.innerWidth
  const problems: string[] = []
  const root = document.documentElement
  if (root.scrollWidth > width)
    problems.push(`page scrolls sideways: ${root.scrollWidth} > ${width}`)
  const name = (el: Element): string => {
    const cls =
      typeof el.className === 'string' && el.className
        ? `.${el.className.trim().split(/\s+/).join('.')}`
        : ''
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40)
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls} "${text}"`
  }
  /** An ancestor that clips or scrolls its content: the element cannot widen the page past it. */
  const clipper = (el: Element): Element | null => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return p
    }
    return null
  }
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect()
    if (box.width === 0 || box.height === 0) continue
    if (getComputedStyle(el).visibility === 'hidden' || clipper(el)) continue
    if (box.left < -0.5 || box.right > width + 0.5) {
      problems.push(
        `${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)} of ${width}`,
      )
      continue
    }
    const card = el.parentElement?.closest('.card')
    if (!card) continue
    const outer = card.getBoundingClientRect()
    if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5) {
      problems.push(
        `${name(el)} spills out of its card: ${Math.round(box.left)}..${Math.round(box.right)} in ${Math.round(outer.left)}..${Math.round(outer.right)}`,
      )
    }
  }
  return problems
}

/** Lays the page out at each width (and, with LAYOUT_SCREENS, saves it light and dark); returns what overflows. */
async function check(page: Page, state: string): Promise<string[]> {
  const problems: string[] = []
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: HEIGHT })
    for (const colorScheme of SCREENS ? (['light', 'dark'] as const) : (['light'] as const)) {
      await page.emulateMedia({ colorScheme })
      await page.evaluate(
        () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
      )
      if (colorScheme === 'light') {
        for (const p of await page.evaluate(overflowsInPage))
          problems.push(`${state} @${width}: ${p}`)
      }
      if (SCREENS) {
        await page.screenshot({
          path: join(SCREENS, `${state}-${width}-${colorScheme}.png`),
          fullPage: true,
        })
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: HEIGHT })
  return problems
}

/** The box of the first element matching `selector`, at 1280 px. */
async function box(
  page: Page,
  selector: string,
): Promise<{ left: number; right: number; width: number }> {
  await page.setViewportSize({ width: 1280, height: HEIGHT })
  const b = await page.locator(selector).first().boundingBox()
  if (!b) throw new Error(`${selector} is not visible`)
  return { left: b.x, right: b.x + b.width, width: b.width }
}

const LONG_WORD = 'x'.repeat(24) + '-' + 'a1b2c3d4'.repeat(8)

describe.skipIf(browserSkipReason !== null)('layout at 320, 390 and 1280 px', () => {
  const suite = useServerAndBrowsers(['creator', 'recipient'])

  it('the create page, the result card and My links never scroll sideways', async () => {
    const { origin } = suite.server
    const page = await suite.creator.context.newPage()
    const problems: string[] = []
    await page.goto(`${origin}/`)
    problems.push(...(await check(page, 'create-empty')))
    // Sharing stays one narrow column on a desktop.
    expect((await box(page, 'main')).width).toBeLessThanOrEqual(704)
    await page
      .getByRole('textbox', { name: 'Secret', exact: true })
      .fill(`DATABASE_URL=postgres://user:${LONG_WORD}@db.example.internal:5432/app\nline two`)
    problems.push(...(await check(page, 'create-text')))
    await page.getByLabel(/^Passphrase/).fill(`a rather long passphrase ${LONG_WORD}`)
    await page.getByRole('button', { name: 'Show' }).click()
    await page.getByLabel('Label').fill(`Staging database for Alex ${LONG_WORD}`)
    problems.push(...(await check(page, 'create-passphrase-shown')))
    await page.getByRole('textbox', { name: 'Secret', exact: true }).fill('')
    await page.locator('#file').setInputFiles({
      name: `${LONG_WORD}-production-certificate.pem`,
      mimeType: 'application/x-pem-file',
      buffer: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'),
    })
    problems.push(...(await check(page, 'create-file')))

    await page.getByRole('button', { name: 'Create secret link' }).click()
    await page.getByRole('textbox', { name: 'Secret link', exact: true }).waitFor()
    problems.push(...(await check(page, 'result')))
    await page.getByRole('button', { name: 'Delete now' }).click()
    problems.push(...(await check(page, 'result-confirm-delete')))
    await page.getByRole('button', { name: 'Cancel' }).click()

    await createViaUi(page, origin, { text: `plain ${randomUUID()}`, maxViews: 3 })
    problems.push(...(await check(page, 'result-no-passphrase')))
    await page.goto(`${origin}/links`)
    await page.getByRole('heading', { level: 1 }).waitFor()
    await page.waitForLoadState('networkidle')
    problems.push(...(await check(page, 'links')))
    expect(problems).toEqual([])
  })

  it('the reveal page never scrolls sideways, before and after Reveal and in every ending', async () => {
    const { origin } = suite.server
    const problems: string[] = []
    const text = `line one ${LONG_WORD}\nline two\n${'longer line of words '.repeat(6)}`
    const plain = await createTextShare(origin, text, { maxViews: 2 })
    const guarded = await createTextShare(origin, text, { passphrase: 'right one', maxViews: 1 })

    const creator = await suite.creator.context.newPage()
    await creator.goto(`${origin}/`)
    await creator.locator('#file').setInputFiles({
      name: `${LONG_WORD}-key.pem`,
      mimeType: 'application/x-pem-file',
      buffer: Buffer.from('key material'),
    })
    await creator.getByRole('button', { name: 'Create secret link' }).click()
    const fileLink = await creator
      .getByRole('textbox', { name: 'Secret link', exact: true })
      .inputValue()

    const page = await suite.recipient.context.newPage()
    await openLink(page, plain.link)
    problems.push(...(await check(page, 'reveal-ready')))
    await pressReveal(page)
    problems.push(...(await check(page, 'reveal-text')))
    await page.getByRole('button', { name: 'Done, hide it' }).click()
    problems.push(...(await check(page, 'reveal-hidden')))

    await openLink(page, guarded.link)
    problems.push(...(await check(page, 'reveal-passphrase')))
    await page.getByLabel('Passphrase').fill('wrong one')
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    await page.getByRole('alert').waitFor()
    problems.push(...(await check(page, 'reveal-wrong-passphrase')))
    await pressReveal(page, 'right one')
    problems.push(...(await check(page, 'reveal-last-view')))

    await openLink(page, fileLink)
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    await page.getByRole('button', { name: 'Download' }).waitFor()
    problems.push(...(await check(page, 'reveal-file')))

    await openLink(page, guarded.link)
    await page.getByLabel('Passphrase').fill('right one')
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    await page.getByRole('heading', { name: 'Secret not available' }).waitFor()
    problems.push(...(await check(page, 'reveal-gone')))
    await page.goto(`${origin}/s`)
    await page.getByRole('heading', { name: 'No secret in this link' }).waitFor()
    problems.push(...(await check(page, 'reveal-no-link')))
    expect(problems).toEqual([])
  })

  it('the vault never scrolls sideways: log in, register, list, a secret, Deleted, Activity, Account, Unlock', async () => {
    const { origin } = suite.server
    const problems: string[] = []
    const page = await suite.creator.context.newPage()
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
    await page.goto(`${origin}/vault/login`)
    await page.getByRole('heading', { level: 1 }).waitFor()
    problems.push(...(await check(page, 'vault-login')))
    await page.goto(`${origin}/vault/register`)
    await page.getByRole('heading', { level: 1 }).waitFor()
    problems.push(...(await check(page, 'vault-register')))

    const password = 'correct horse battery staple'
    await registerViaUi(page, origin, `layout-${randomUUID()}-${LONG_WORD}`.slice(0, 60), password)
    problems.push(...(await check(page, 'vault-empty')))

    const secrets = [
      {
        name: 'Production database',
        description: 'Primary PostgreSQL, read-write. Rotate every 90 days.',
        tags: ['prod', 'database', 'postgres'],
        path: '/app/production/database/credentials',
        value: `postgres://app:${LONG_WORD}@db.internal:5432/app`,
      },
      {
        name: `A very long secret name that keeps going ${LONG_WORD}`,
        description: `${'A long description that should wrap onto a second line. '.repeat(4)}${LONG_WORD}`,
        tags: [
          'staging',
          'a-very-long-tag-without-any-spaces-0123456789abcd',
          'ci',
          'deploy',
          'payments',
          'eu-west-1',
        ],
        path: `/app/staging/${LONG_WORD}/${LONG_WORD}/token`,
        value: `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(6)}\n-----END PRIVATE KEY-----`,
      },
      { name: 'Stripe API key', description: '', tags: [], path: '', value: 'sk_live_123' },
      {
        name: 'Wi-Fi (office)',
        description: 'Guest network',
        tags: ['office'],
        path: '/office/wifi',
        value: 'hunter2',
      },
    ]
    for (const s of secrets) {
      await addSecretViaUi(page, s)
      await page.getByRole('link', { name: '← All secrets' }).click()
      await page.getByRole('heading', { name: 'Your secrets' }).waitFor()
    }
    await page.getByRole('link', { name: 'New secret' }).click()
    await page.getByLabel('Name').waitFor()
    problems.push(...(await check(page, 'vault-new')))
    await page.getByRole('link', { name: 'Secrets', exact: true }).click()
    await page.getByRole('list', { name: 'Secrets' }).waitFor()
    problems.push(...(await check(page, 'vault-list')))
    // A desktop gets a password manager's width: the filters in a column beside the list.
    expect((await box(page, 'main')).width).toBeGreaterThanOrEqual(1100)
    const search = await box(page, '#vault-search')
    const list = await box(page, 'ul[aria-label="Secrets"]')
    expect(search.right).toBeLessThan(list.left)
    expect(list.width).toBeGreaterThanOrEqual(800)

    await page.getByRole('link', { name: secrets[1]!.name }).click()
    await page.getByRole('heading', { level: 1, name: secrets[1]!.name }).waitFor()
    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    problems.push(...(await check(page, 'vault-secret-edit')))
    await page.getByLabel(/^New value/).fill(`new value ${LONG_WORD}`)
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved. The new value is the current version.').waitFor()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('button', { name: 'Create secret link' }).click()
    await page.getByRole('textbox', { name: 'Secret link', exact: true }).waitFor()
    problems.push(...(await check(page, 'vault-secret-share-result')))
    await page.getByRole('button', { name: 'Done' }).click()
    await page.getByRole('region', { name: 'Shared links' }).getByText('Active').waitFor()
    await page.getByRole('button', { name: 'Reveal value' }).click()
    await page.getByRole('textbox', { name: 'Secret value' }).waitFor()
    problems.push(...(await check(page, 'vault-secret')))
    // …and a secret's value beside its versions and shared links.
    const value = await box(page, 'section[aria-labelledby="value-title"]')
    const versions = await box(page, 'section[aria-labelledby="versions-title"]')
    expect(value.right).toBeLessThan(versions.left)
    expect(value.width).toBeGreaterThanOrEqual(560)

    await page.getByRole('button', { name: 'Delete', exact: true }).click()
    await page.getByRole('button', { name: 'Yes, delete it' }).click()
    await page.getByRole('heading', { name: 'Your secrets' }).waitFor()
    await page.getByRole('link', { name: 'Deleted', exact: true }).click()
    await page.getByRole('list', { name: 'Deleted secrets' }).waitFor()
    problems.push(...(await check(page, 'vault-deleted')))
    await page.getByRole('link', { name: 'Activity', exact: true }).click()
    await page.getByRole('list', { name: 'Activity, newest first' }).waitFor()
    problems.push(...(await check(page, 'vault-activity')))
    await page.getByRole('link', { name: 'Account', exact: true }).click()
    await page.getByRole('heading', { name: 'Account' }).waitFor()
    problems.push(...(await check(page, 'vault-account')))
    await page.getByRole('button', { name: 'Lock' }).click()
    await page.getByRole('button', { name: 'Unlock' }).waitFor(SLOW)
    problems.push(...(await check(page, 'vault-unlock')))
    expect(problems).toEqual([])
  })
})
