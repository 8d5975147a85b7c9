/** @module The `secretsentry` executable: runs the command line and sets the exit code (a running server keeps the process alive). */
import { runArgv } from './dispatch.ts'
import { processIo } from './io.ts'

const result = await runArgv(process.argv.slice(2), processIo)
if (result !== 'running') process.exitCode = result
