/** @module scripts/lib/workspace tests — `npm start` installs exactly the lockfile's versions */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'workspace-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * A copy of workspace.mjs in a throwaway repository (its ROOT is two folders up) with a lockfile
 * and no node_modules, and a `pnpm` on PATH that records its arguments and exits with `exit`.
 */
function ensureDepsIn(name, exit) {
  const root = join(dir, name)
  mkdirSync(join(root, 'scripts', 'lib'), { recursive: true })
  mkdirSync(join(root, 'bin'))
  copyFileSync(
    join(import.meta.dirname, 'workspace.mjs'),
    join(root, 'scripts', 'lib', 'workspace.mjs'),
  )
  writeFileSync(join(root, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n")
  const fake = join(root, 'bin', 'pnpm')
  writeFileSync(
    fake,
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(root, 'args')}"\nmkdir -p node_modules && touch node_modules/.modules.yaml\nexit ${exit}\n`,
  )
  chmodSync(fake, 0o755)
  const run = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import('./scripts/lib/workspace.mjs').then((m) => m.ensureDeps())",
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: [join(root, 'bin'), process.env.PATH].join(delimiter) },
    },
  )
  return { run, args: readFileSync(join(root, 'args'), 'utf8').trim().split('\n') }
}

describe.skipIf(process.platform === 'win32')('ensureDeps', () => {
  test('installs with --frozen-lockfile: the lockfile decides the versions, and is never rewritten', () => {
    const { run, args } = ensureDepsIn('fresh', 0)
    expect(run.status).toBe(0)
    expect(args[0]).toBe('install')
    expect(args).toContain('--frozen-lockfile')
  })

  test('a lockfile pnpm refuses stops the start with its exit code and what to do', () => {
    const { run } = ensureDepsIn('stale', 1)
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('pnpm-lock.yaml')
  })
})
