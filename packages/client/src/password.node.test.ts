/** The password rule has one source: no client defines its own copy. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(p)
    return /\.(ts|vue)$/.test(e.name) ? [p] : []
  })
}

describe('the password rule', () => {
  it('is defined only in @secretsentry/client/password, which the web app and the CLI import', () => {
    const definers = ['apps/web/src', 'apps/cli/src', 'packages']
      .flatMap((d) => sources(path.join(ROOT, d)))
      .filter((f) => /MIN_PASSWORD_LENGTH\s*=/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f))
    expect(definers).toEqual(['packages/client/src/password.ts'])
    for (const user of [
      'apps/web/src/vault/views/VaultRegisterView.vue',
      'apps/web/src/vault/views/VaultAccountView.vue',
      'apps/cli/src/commands/account.ts',
    ]) {
      expect(fs.readFileSync(path.join(ROOT, user), 'utf8')).toContain(
        "from '@secretsentry/client/password'",
      )
    }
  })
})
