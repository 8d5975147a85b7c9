/** @module What the single executable carries in its blob: the manifest of its assets, the web app and better-sqlite3's addon. */
import { memoryAssetSource, type AssetSource } from '@secretsentry/server/static/asset-source'
import { addonCacheDirs, loadEmbeddedAddon } from './addon.ts'

/** The asset keys build.mjs gives the blob; Node 20 has no sea.getAssetKeys, so the manifest lists them. */
export const MANIFEST_KEY = 'manifest'
export const webKey = (rel: string) => `web/${rel}`
export const addonKey = (name: string) => `addon/${name}`
export const SQLITE_ADDON = 'better_sqlite3'

export interface SeaManifest {
  format: 1
  /** Relative path in the web build → SHA-256 (hex) of its bytes. */
  web: Record<string, string>
  /** Addon name → SHA-256 (hex) of its `.node` file. */
  addons: Record<string, string>
}

/** Reads one embedded asset; node:sea's getRawAsset in the executable, a map in tests. */
export type AssetReader = (key: string) => ArrayBuffer

export interface Embedded {
  manifest: SeaManifest
  /** The web app, served from the blob. */
  assets: AssetSource
  /** better-sqlite3's addon, cached beside `dataDir` when no user cache directory is known. */
  sqliteAddon(dataDir?: string): Record<string, unknown>
}

export function parseManifest(text: string): SeaManifest {
  const value = JSON.parse(text) as Partial<SeaManifest>
  if (value.format !== 1 || typeof value.web !== 'object' || typeof value.addons !== 'object') {
    throw new Error('the embedded asset manifest is not in a format this build understands')
  }
  return value as SeaManifest
}

/**
 * The embedded runtime. `read` views the blob in place (getRawAsset: no copy, so the web app adds
 * nothing to the heap until a compressed copy is made); the bytes are read-only and never written.
 */
export function embeddedRuntime(
  read: AssetReader,
  env: Readonly<Record<string, string | undefined>>,
): Embedded {
  const manifest = parseManifest(Buffer.from(read(MANIFEST_KEY)).toString('utf8'))
  const assets = memoryAssetSource(
    Object.keys(manifest.web),
    (rel) => new Uint8Array(read(webKey(rel))),
  )
  const loaded = new Map<string, Record<string, unknown>>()
  return {
    manifest,
    assets,
    sqliteAddon(dataDir) {
      const sha256 = manifest.addons[SQLITE_ADDON]
      if (!sha256) throw new Error(`the executable carries no ${SQLITE_ADDON} addon`)
      // One load per process: dlopen of the same file again would only return the same module.
      let exports = loaded.get(SQLITE_ADDON)
      if (!exports) {
        exports = loadEmbeddedAddon(
          {
            name: SQLITE_ADDON,
            sha256,
            read: () => new Uint8Array(read(addonKey(SQLITE_ADDON))),
          },
          addonCacheDirs(env, dataDir),
        ).exports
        loaded.set(SQLITE_ADDON, exports)
      }
      return exports
    },
  }
}
