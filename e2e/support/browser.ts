/** @module Launches the system Chromium through playwright-core; never downloads a browser. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Request, type Response } from 'playwright-core'
import { CHROMIUM_LAUNCH, CHROMIUM_PATH, chromiumAvailable } from './chromium.ts'

/** Why browser suites are skipped, or null when Chromium is there. */
export const browserSkipReason: string | null = chromiumAvailable()
  ? null
  : `${CHROMIUM_PATH} not found: browser suites skipped (install the Debian chromium package)`
if (browserSkipReason) console.warn(`[e2e] ${browserSkipReason}`)

export interface TestBrowser {
  context: BrowserContext
  close(): Promise<void>
}

export interface LaunchOptions {
  /** Only for injecting test code (axe, vectors) into pages whose CSP would rightly refuse it. */
  bypassCSP?: boolean
}

/** One Chromium with its own fresh profile: two of these are two different browsers (no shared storage). */
export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'secretsentry-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    ...CHROMIUM_LAUNCH,
    bypassCSP: options.bypassCSP ?? false,
  })
  return {
    context,
    close: async () => {
      await context.close()
      await rm(userDataDir, { recursive: true, force: true })
    },
  }
}

export interface RecordedRequest {
  /** Which browser made it ('creator', 'recipient', ...). */
  browser: string
  url: string
  method: string
  headers: Record<string, string>
  body: Buffer | null
  /** Order in which the browser issued it, across all attached contexts. */
  seq: number
}

export interface RecordedResponse {
  browser: string
  url: string
  status: number
  headers: Record<string, string>
}

/** Records every request (with all headers and the body) and every response a context sees. */
export class TrafficRecorder {
  readonly requests: RecordedRequest[] = []
  readonly responses: RecordedResponse[] = []
  private pending: Promise<unknown>[] = []
  private counter = 0

  attach(context: BrowserContext, browser: string): void {
    context.on('request', (req: Request) => {
      const seq = this.counter++
      this.pending.push(
        req.allHeaders().then((headers) => {
          this.requests.push({
            browser,
            url: req.url(),
            method: req.method(),
            headers,
            body: req.postDataBuffer(),
            seq,
          })
        }),
      )
    })
    context.on('response', (res: Response) => {
      this.pending.push(
        res.allHeaders().then((headers) => {
          this.responses.push({ browser, url: res.url(), status: res.status(), headers })
        }),
      )
    })
  }

  /** Waits until the header look-ups of everything seen so far have finished. */
  async settle(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending
      this.pending = []
      await Promise.allSettled(batch)
    }
  }

  /** A marker in the request sequence, e.g. just before a button is pressed. */
  mark(): number {
    return this.counter
  }
}
