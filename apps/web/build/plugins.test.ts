// @vitest-environment node
/** @module Unit tests of the build plugins' pure parts: integrity tags, inline-code and eval detection, page weight. */
import { describe, expect, it } from 'vitest'
import { measurePage } from './budget.plugin.ts'
import type { BundleItem } from './budget.plugin.ts'
import { findEval, findInlineCode, findInlineWorker } from './csp-check.plugin.ts'
import { addIntegrity, pinLazyChunks, PINS_PLACEHOLDER, sriHash } from './sri.plugin.ts'
import type { PinItem } from './sri.plugin.ts'

describe('addIntegrity', () => {
  const hashes = new Map([
    ['/assets/a.js', 'sha384-AAA'],
    ['/assets/b.js', 'sha384-BBB'],
    ['/assets/c.css', 'sha384-CCC'],
  ])

  it('adds integrity to scripts, modulepreloads and stylesheets, keeping crossorigin', () => {
    const html = [
      '<script type="module" crossorigin src="/assets/a.js"></script>',
      '<link rel="modulepreload" crossorigin href="/assets/b.js">',
      '<link rel="stylesheet" href="/assets/c.css" />',
    ].join('\n')
    expect(addIntegrity(html, hashes)).toBe(
      [
        '<script type="module" crossorigin src="/assets/a.js" integrity="sha384-AAA"></script>',
        '<link rel="modulepreload" crossorigin href="/assets/b.js" integrity="sha384-BBB">',
        '<link rel="stylesheet" href="/assets/c.css" crossorigin integrity="sha384-CCC" />',
      ].join('\n'),
    )
  })

  it('leaves other links and unknown files alone', () => {
    const html =
      '<link rel="icon" href="/assets/a.js"><script src="/other.js"></script><a href="/assets/a.js">'
    expect(addIntegrity(html, hashes)).toBe(html)
  })

  it('computes the sha384 the browser checks', () => {
    // echo -n abc | openssl dgst -sha384 -binary | base64
    expect(sriHash('abc')).toBe(
      'sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn',
    )
  })
})

describe('findInlineCode', () => {
  it('accepts external scripts and stylesheets only', () => {
    expect(
      findInlineCode(
        '<script type="module" src="/a.js"></script><link rel="stylesheet" href="/a.css">',
      ),
    ).toEqual([])
  })

  it('flags inline scripts, styles, style attributes and handlers', () => {
    expect(findInlineCode('<script>alert(1)</script>')).toEqual(['inline <script>'])
    expect(findInlineCode('<style>p{}</style>')).toEqual(['inline <style>'])
    expect(findInlineCode('<div style="color:red">')).toEqual(['style="" attribute'])
    expect(findInlineCode('<img onerror="x()">')).toEqual(['inline event handler'])
  })
})

describe('findEval', () => {
  it('flags eval and new Function but not methods named eval', () => {
    expect(findEval('const f = new Function("return 1")')).toEqual(['new Function()'])
    expect(findEval('eval("1")')).toEqual(['eval()'])
    expect(findEval('x.eval(1); evaluate(2)')).toEqual([])
  })
})

describe('findInlineWorker', () => {
  it('flags workers from blob: or data: URLs, not module workers from a file', () => {
    expect(findInlineWorker('new Worker(URL.createObjectURL(blob))')).toEqual([
      'inline (blob:/data:) worker',
    ])
    expect(findInlineWorker('new Worker("data:text/javascript;base64,AAAA")')).toHaveLength(1)
    expect(findInlineWorker("new SharedWorker('blob:https://x/1')")).toHaveLength(1)
    expect(
      findInlineWorker(
        'new Worker(new URL("/assets/kdf.worker-abc.js", import.meta.url), { type: "module" })',
      ),
    ).toEqual([])
  })
})

describe('measurePage', () => {
  it('counts the entry and its static imports once each', () => {
    const bundle: Record<string, BundleItem> = {
      'assets/entry.js': {
        type: 'chunk',
        fileName: 'assets/entry.js',
        code: 'a'.repeat(1000),
        imports: ['assets/shared.js'],
      },
      'assets/shared.js': {
        type: 'chunk',
        fileName: 'assets/shared.js',
        code: 'b'.repeat(1000),
        imports: [],
      },
      'assets/other.js': { type: 'chunk', fileName: 'assets/other.js', code: 'c', imports: [] },
    }
    const w = measurePage(
      'x.html',
      '<script type="module" src="/assets/entry.js"></script>',
      bundle,
    )
    expect(w.files).toEqual(['assets/entry.js', 'assets/shared.js'])
    expect(w.jsGzipBytes).toBeGreaterThan(0)
  })
})

describe('pinLazyChunks', () => {
  const chunk = (
    fileName: string,
    code: string,
    imports: string[] = [],
    lazy: string | null = null,
  ): PinItem => ({
    type: 'chunk',
    fileName,
    code,
    imports,
    isDynamicEntry: lazy !== null,
    facadeModuleId: lazy,
    viteMetadata: { importedCss: new Set(lazy ? [`${fileName.slice(0, -3)}.css`] : []) },
  })
  const bundle = (): Record<string, PinItem> => {
    const items = [
      chunk('assets/main.js', `const p = "${PINS_PLACEHOLDER}"; import("./lazy.js")`, [
        'assets/shared.js',
      ]),
      chunk('assets/shared.js', 'shared'),
      chunk('assets/only-lazy.js', 'only the lazy chunk uses this'),
      chunk(
        'assets/lazy.js',
        'lazy',
        ['assets/shared.js', 'assets/only-lazy.js'],
        '/r/src/lazy.ts',
      ),
      { type: 'asset', fileName: 'assets/lazy.css', source: 'p{}' } as PinItem,
    ]
    return Object.fromEntries(items.map((i) => [i.fileName, i]))
  }

  it('writes the hashes of the lazy chunk, what only it needs (first) and its CSS into the entry', () => {
    const b = bundle()
    const pins = pinLazyChunks(b, '/r')
    expect(pins).toEqual({
      'src/lazy.ts': {
        js: [
          { url: '/assets/only-lazy.js', integrity: sriHash('only the lazy chunk uses this') },
          { url: '/assets/lazy.js', integrity: sriHash('lazy') },
        ],
        css: [{ url: '/assets/lazy.css', integrity: sriHash('p{}') }],
      },
    })
    const main = b['assets/main.js'] as Extract<PinItem, { type: 'chunk' }>
    expect(main.code).not.toContain(PINS_PLACEHOLDER)
    const literal = /const p = (".*"); import/.exec(main.code)![1]!
    expect(JSON.parse(JSON.parse(literal) as string)).toEqual(pins)
  })

  it('refuses a bundle without the placeholder', () => {
    const missing = bundle()
    ;(missing['assets/main.js'] as { code: string }).code = 'import("./lazy.js")'
    expect(() => pinLazyChunks(missing, '/r')).toThrow(/found 0/)
  })
})
