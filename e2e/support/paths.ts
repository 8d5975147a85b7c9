/** @module Locations in the repository the black-box suites depend on. */
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
export const SERVER_MAIN = resolve(REPO_ROOT, 'apps/server/dist/main.js')
export const WEB_DIST_INDEX = resolve(REPO_ROOT, 'apps/web/dist/index.html')
export const ENVELOPE_DIR = resolve(REPO_ROOT, 'packages/envelope')
