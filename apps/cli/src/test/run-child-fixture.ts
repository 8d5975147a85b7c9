/** @module A process that runs runChild (run-child.test.ts sends it signals, which a test runner must not get). Argv: a JSON ChildOptions without onStarted. */
import { CommandNotStarted, runChild, type ChildOptions } from '../run-child.ts'

const options = JSON.parse(process.argv[2] as string) as Omit<ChildOptions, 'onStarted'>
try {
  process.exitCode = await runChild({
    ...options,
    onStarted: (pid) => process.stderr.write(`started ${pid}\n`),
  })
} catch (e) {
  if (!(e instanceof CommandNotStarted)) throw e
  process.stderr.write(`${e.message}\n`)
  process.exitCode = e.exitCode
}
