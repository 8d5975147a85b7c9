/** @module One real server and fresh browsers for a describe block: started in beforeAll, closed (browsers first) in afterAll. */
import { afterAll, beforeAll } from 'vitest'
import { launchBrowser, type LaunchOptions, type TestBrowser } from './browser.ts'
import { startServer, type RunningServer } from './server.ts'

/** The server and one browser per name; filled in by beforeAll, so read it only inside hooks and tests. */
export type ServerAndBrowsers<Name extends string> = { server: RunningServer } & Record<
  Name,
  TestBrowser
>

/** Registers the hooks that start the built server, then one browser per name, and tear them down. */
export function useServerAndBrowsers<const Name extends string>(
  names: readonly Name[],
  options: LaunchOptions = {},
): ServerAndBrowsers<Name> {
  let server: RunningServer | undefined
  const browsers = new Map<Name, TestBrowser>()
  const suite = {} as ServerAndBrowsers<Name>

  beforeAll(async () => {
    server = await startServer()
    suite.server = server
    for (const name of names) {
      const browser = await launchBrowser(options)
      browsers.set(name, browser)
      Object.assign(suite, { [name]: browser })
    }
  })

  afterAll(async () => {
    for (const name of names) await browsers.get(name)?.close()
    await server?.cleanup()
  })

  return suite
}
