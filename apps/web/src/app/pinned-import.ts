/**
 * @module Lazy chunks under Subresource Integrity: a dynamic import() carries no integrity of its
 * own, so before importing, the browser is made to fetch and check each file of the chunk against
 * a hash baked into this module at build time (build/sri.plugin.ts). This module sits in the main
 * entry's static graph, which index.html already pins, so the chain of hashes is unbroken.
 */

export interface LazyPin {
  /** Absolute path, as the dynamic import resolves it (e.g. /assets/vault-x.js). */
  url: string
  /** The sha384 SRI value of the file. */
  integrity: string
}

/** Per lazy module (its path from the app root, e.g. src/vault/index.ts): its JS, dependencies first, and its CSS. */
export type LazyPins = Record<string, { js: LazyPin[]; css: LazyPin[] }>

/** The build replaces this string literal with the JSON of a LazyPins (see PINS_PLACEHOLDER). */
const PINS_JSON = '__SECRETSENTRY_LAZY_PINS__'

/** A lazy chunk that failed its integrity check, or could not be fetched: it was not run. */
export class IntegrityError extends Error {
  readonly code = 'integrity_failed'
  constructor(message: string) {
    super(message)
    this.name = 'IntegrityError'
  }
}

function pinsFor(key: string): LazyPins[string] {
  let pins: LazyPins
  try {
    pins = JSON.parse(PINS_JSON) as LazyPins
  } catch {
    throw new IntegrityError('This build has no integrity pins for its lazy code.')
  }
  const entry = pins[key]
  if (!entry) throw new IntegrityError(`No integrity pin for ${key}.`)
  return entry
}

/** Resolves once the browser fetched the file and it matched `integrity`; rejects otherwise. */
function fetchChecked(rel: 'modulepreload' | 'stylesheet', pin: LazyPin): Promise<void> {
  return new Promise((resolve, reject) => {
    const link = document.createElement('link')
    link.rel = rel
    // SRI needs a CORS-mode fetch; same-origin, so credentials still go as for a module script.
    link.crossOrigin = ''
    link.integrity = pin.integrity
    link.href = pin.url
    link.addEventListener('load', () => resolve(), { once: true })
    link.addEventListener(
      'error',
      () => {
        link.remove()
        reject(new IntegrityError(`${pin.url} could not be loaded or did not match its hash.`))
      },
      { once: true },
    )
    document.head.append(link)
  })
}

const loaded = new Map<string, Promise<unknown>>()

/**
 * Security promise: in a built app, `load` (the dynamic import) runs only after every JS file of
 * the chunk has passed a `<link rel=modulepreload integrity>` check, dependencies first. The
 * browser keeps the module it checked in its module map, and import() takes that module instead
 * of fetching the URL again, so the code that runs is the code that was checked (e2e/integrity
 * .test.ts proves both in Chromium). A failed check rejects with IntegrityError and nothing runs.
 */
export function pinnedImport<T>(key: string, load: () => Promise<T>): Promise<T> {
  // The dev server and unit tests serve untransformed, changing modules: nothing to pin. A
  // build with DEV set would drop the pins; build/sri.plugin.ts then fails the build.
  if (import.meta.env.DEV) return load()
  const known = loaded.get(key) as Promise<T> | undefined
  if (known) return known
  const started = (async () => {
    const pins = pinsFor(key)
    await Promise.all(pins.css.map((p) => fetchChecked('stylesheet', p)))
    for (const p of pins.js) await fetchChecked('modulepreload', p)
    return load()
  })()
  loaded.set(key, started)
  started.catch(() => loaded.delete(key))
  return started
}
