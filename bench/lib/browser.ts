/** @module Browser-side figures in headless Chromium: the recipient page's JavaScript weight and time to Reveal-ready, and the envelope's speed in a page. */
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM_LAUNCH } from '../../e2e/support/chromium.ts'
import { REPO_ROOT } from './server.ts'
import { summarize, type Summary } from './stats.ts'

export { chromiumAvailable } from '../../e2e/support/chromium.ts'

export interface RevealPageFigures {
  /** Every script the page loaded: decoded bytes and gzip -9 bytes. */
  scripts: { url: string; bytes: number; gzipBytes: number }[]
  jsBytes: number
  jsGzipBytes: number
  /** From navigation start (performance.timeOrigin) to the Reveal button being present and enabled; cold profile each time. */
  revealReadyMs: Summary
}

export interface PageCryptoFigures {
  backend: 'webcrypto' | 'noble'
  sealMs: Summary
  openMs: Summary
}

/**
 * Records, from the page's own clock, when a button named "Reveal" first exists and is enabled.
 * Runs as an init script (DevTools protocol), so the page's CSP does not apply to it and nothing is
 * added to the page's network traffic.
 */
const REVEAL_PROBE = `(() => {
  const w = window
  const check = () => {
    if (w.__revealReadyAt !== undefined) return
    for (const b of document.querySelectorAll('button')) {
      if (/reveal/i.test(b.textContent || '') && !b.disabled) {
        w.__revealReadyAt = performance.now()
        observer.disconnect()
        return
      }
    }
  }
  const observer = new MutationObserver(check)
  observer.observe(document, { childList: true, subtree: true, attributes: true })
})()`

async function launch(): Promise<Browser> {
  return chromium.launch(CHROMIUM_LAUNCH)
}

/** Loads `/s#<fragment>` `samples` times, each in a fresh context (cold cache, as a recipient's first visit). */
export async function measureRevealPage(
  origin: string,
  newFragment: () => Promise<string>,
  samples: number,
): Promise<RevealPageFigures> {
  const browser = await launch()
  try {
    const ready: number[] = []
    let scripts: RevealPageFigures['scripts'] = []
    for (let i = 0; i < samples; i++) {
      const context = await browser.newContext()
      await context.addInitScript(REVEAL_PROBE)
      const page = await context.newPage()
      const loaded: Promise<RevealPageFigures['scripts'][number]>[] = []
      page.on('response', (res) => {
        if (res.request().resourceType() !== 'script') return
        loaded.push(
          res.body().then((body) => ({
            url: res.url(),
            bytes: body.length,
            gzipBytes: gzipSync(body, { level: 9 }).length,
          })),
        )
      })
      const fragment = await newFragment()
      await page.goto(`${origin}/s#${fragment}`)
      await page.waitForFunction(
        () => (window as unknown as { __revealReadyAt?: number }).__revealReadyAt !== undefined,
        undefined,
        { timeout: 15_000 },
      )
      ready.push(
        await page.evaluate(
          () => (window as unknown as { __revealReadyAt: number }).__revealReadyAt,
        ),
      )
      if (i === 0) scripts = await Promise.all(loaded)
      await context.close()
    }
    return {
      scripts,
      jsBytes: scripts.reduce((n, s) => n + s.bytes, 0),
      jsGzipBytes: scripts.reduce((n, s) => n + s.gzipBytes, 0),
      revealReadyMs: summarize(ready),
    }
  } finally {
    await browser.close()
  }
}

interface PageTimings {
  seal: number[]
  open: number[]
}

/** Bundles the in-page timing entry (envelope included) for the browser. */
async function pageBundle(): Promise<string> {
  const out = await build({
    entryPoints: [resolve(REPO_ROOT, 'bench/lib/page-crypto.entry.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'SecretSentryBench',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return out.outputFiles[0]?.text ?? ''
}

/** Seal and open of a text share inside a page served by our origin (a secure context), per backend. */
export async function measurePageCrypto(
  origin: string,
  text: string,
  iterations: number,
): Promise<PageCryptoFigures[]> {
  const bundle = await pageBundle()
  const browser = await launch()
  try {
    // bypassCSP only here: the page's strict CSP rightly refuses injected code.
    const context = await browser.newContext({ bypassCSP: true })
    const page = await context.newPage()
    await page.goto(`${origin}/`)
    await page.addScriptTag({ content: bundle })
    const figures: PageCryptoFigures[] = []
    for (const backend of ['webcrypto', 'noble'] as const) {
      const t = await page.evaluate(
        ([b, s, n]) =>
          (
            window as unknown as {
              SecretSentryBench: {
                timeTextShares(b: string, s: string, n: number): Promise<PageTimings>
              }
            }
          ).SecretSentryBench.timeTextShares(b, s, n),
        [backend, text, iterations] as const,
      )
      figures.push({ backend, sealMs: summarize(t.seal), openMs: summarize(t.open) })
    }
    await context.close()
    return figures
  } finally {
    await browser.close()
  }
}

export interface VaultLoginFigures {
  /** From pressing "Log in" to the list's first card on screen (prelogin, Argon2id in the worker, login, folders, list, every name decrypted). */
  loginToListMs: Summary
  /** How many cards the list shows at that moment ("Show more" pages the rest). */
  cardsShown: number
}

/** The vault as a user meets it: the login form in a fresh context, timed from the click until the list renders. */
export async function measureVaultLogin(
  origin: string,
  account: { username: string; password: string },
  samples: number,
): Promise<VaultLoginFigures> {
  const browser = await launch()
  try {
    const times: number[] = []
    let cardsShown = 0
    for (let i = 0; i < samples; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`${origin}/vault/login`)
      await page.getByLabel('Username').fill(account.username)
      await page.getByLabel('Master password').fill(account.password)
      const began = performance.now()
      await page.getByRole('button', { name: 'Log in' }).click()
      const cards = page.getByRole('list', { name: 'Secrets' }).locator(':scope > li')
      await cards.first().waitFor({ timeout: 60_000 })
      times.push(performance.now() - began)
      cardsShown = await cards.count()
      await context.close()
    }
    return { loginToListMs: summarize(times), cardsShown }
  } finally {
    await browser.close()
  }
}
