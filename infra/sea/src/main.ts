/** @module Entry point of the single executable (dist/secretsentry): the `secretsentry` command with its web app and SQLite addon read from the embedded blob. */
import './clean-env.ts'
import { getRawAsset, isSea } from 'node:sea'
// The CLI's sources by path, not through the `secretsentry` package: depending on that package
// would have pnpm link its bin, dist/secretsentry.mjs, which does not exist before a build (a
// warning on every fresh install).
import { runArgv } from '../../../apps/cli/src/dispatch.ts'
import { processIo } from '../../../apps/cli/src/io.ts'
import { embeddedRuntime } from './embedded.ts'

async function main(): Promise<number | 'running'> {
  if (!isSea()) {
    process.stderr.write(
      'This bundle runs only inside the single executable (pnpm build:binary).\n',
    )
    return 1
  }
  const embedded = embeddedRuntime((key) => getRawAsset(key) as ArrayBuffer, process.env)
  return runArgv(process.argv.slice(2), { ...processIo, embedded })
}

main().then(
  (result) => {
    if (result !== 'running') process.exitCode = result
  },
  (err: unknown) => {
    process.stderr.write(`secretsentry: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
