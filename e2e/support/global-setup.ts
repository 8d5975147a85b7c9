/** @module Vitest global setup: make sure there is a built server and web app to test. */
import { ensureBuilt } from './build.ts'

export default function setup(): void {
  ensureBuilt()
}
