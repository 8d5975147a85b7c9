// @vitest-environment node
/** @module Unit tests of the build plugins' pure parts: integrity tags, inline-code and eval detection, page weight. */
import { describe, expect, it } from 'vitest'
import { measurePage } from './budget.plugin.ts'
import type { BundleItem } from './budget.plugin.ts'
import { findEval, findInlineCode, findInlineWorker } from './csp-check.plugin.ts'
import { addIntegrity, sriHash } from './sri.plugin.ts'

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
