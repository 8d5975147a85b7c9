/** @module What the packaged command carries beside its code: the web app (dist/web) and the web build's SHA-256 manifest. */
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Replaced by build.mjs with the manifest's JSON text; absent when running from source. */
declare const __SECRETSENTRY_WEB_MANIFEST__: string | undefined

export type WebManifest = Record<string, string>

/**
 * The manifest the command compares instances against. In the bundle it is the one the web build
 * wrote when this command was built, so a tampered instance cannot also supply the reference.
 * From source (development, tests) it is read from apps/web/dist.
 */
export function embeddedManifest(): WebManifest {
  const text =
    typeof __SECRETSENTRY_WEB_MANIFEST__ === 'string'
      ? __SECRETSENTRY_WEB_MANIFEST__
      : fs.readFileSync(
          fileURLToPath(new URL('../../web/dist/manifest.sha256.json', import.meta.url)),
          'utf8',
        )
  return JSON.parse(text) as WebManifest
}

/** The web app copied next to the bundle (dist/web), or undefined from source (the server's default applies). */
export function bundledWebDir(): string | undefined {
  const dir = fileURLToPath(new URL('./web', import.meta.url))
  return fs.existsSync(`${dir}/index.html`) ? dir : undefined
}
