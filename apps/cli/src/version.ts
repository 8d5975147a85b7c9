/** @module The command's version, and `secretsentry --version`: no other module, so printing it loads nothing else. */
import pkg from '../package.json' with { type: 'json' }
import { EXIT_OK, type Io } from './io.ts'

export const VERSION: string = pkg.version

export const isVersionFlag = (arg: string | undefined): boolean =>
  arg === '-v' || arg === '--version'

export function printVersion(io: Io): number {
  io.out(`secretsentry ${VERSION}\n`)
  return EXIT_OK
}
