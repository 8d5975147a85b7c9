/** @module scripts/lib/workspace — shared by start.mjs and test.mjs; node builtins only, so a bare Node 20 + npm machine can run them */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { delimiter, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

const isWindows = process.platform === 'win32'

let pnpmDir

/**
 * The environment every child gets. npm_config_nodedir points node-gyp at the headers that ship
 * with this Node (e.g. /usr/include/node/node.h), so better-sqlite3 builds without downloading them.
 */
export function toolEnv(extra = {}) {
  const env = { ...process.env, ...extra }
  if (!env.npm_config_nodedir) {
    const prefix = resolve(dirname(process.execPath), '..')
    if (existsSync(join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix
  }
  if (pnpmDir) env.PATH = [pnpmDir, env.PATH].filter(Boolean).join(delimiter)
  return env
}

function onPath(command) {
  const names = isWindows ? [`${command}.cmd`, `${command}.exe`] : [command]
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir && names.some((name) => existsSync(join(dir, name))))
}

let pnpm
/**
 * `pnpm` when installed. Otherwise npm (which ships with Node) fetches the pinned major into its
 * cache once; we run that binary directly and put its folder on the children's PATH, so package
 * scripts and test helpers that call `pnpm` work too.
 */
export function pnpmCommand() {
  if (pnpm) return pnpm
  if (onPath('pnpm')) return (pnpm = ['pnpm'])
  console.log('pnpm is not installed; fetching pnpm 10 through npx…')
  const found = spawnSync(
    'npx',
    [
      '--yes',
      '--no-update-notifier',
      '--package=pnpm@10',
      '-c',
      isWindows ? 'where pnpm.cmd' : 'command -v pnpm',
    ],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], shell: isWindows },
  )
  const path = found.status === 0 ? found.stdout.trim().split(/\r?\n/)[0] : undefined
  if (path && existsSync(path)) {
    pnpmDir = dirname(path)
    return (pnpm = [path])
  }
  return (pnpm = ['npx', '--yes', 'pnpm@10'])
}

/** Runs a command with inherited stdio; resolves with its exit code (128+n for a signal). */
export function run(command, args, options = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: toolEnv(),
      shell: isWindows,
      ...options,
    })
    current = child
    child.on('error', (error) => {
      console.error(`Could not run ${command}: ${error.message}`)
      resolvePromise(127)
    })
    child.on('exit', (code, signal) => {
      if (current === child) current = undefined
      resolvePromise(code ?? 128 + (signal === 'SIGINT' ? 2 : 15))
    })
  })
}

/** Runs `pnpm <args>` from the repository root. */
export function runPnpm(args, options) {
  const [command, ...prefix] = pnpmCommand()
  return run(command, [...prefix, ...args], options)
}

let current
/** The child started by run() that is still running, if any (test.mjs stops it on Ctrl-C). */
export function currentChild() {
  return current && current.exitCode === null && current.signalCode === null ? current : undefined
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/** Installs dependencies when node_modules is missing or older than the lockfile. */
export async function ensureDeps() {
  pnpmCommand()
  const marker = join(ROOT, 'node_modules', '.modules.yaml')
  const lock = join(ROOT, 'pnpm-lock.yaml')
  if (existsSync(marker) && mtime(lock) <= mtime(marker)) return
  // Measured (README): 3 minutes from an empty pnpm store on 2 busy cores, mostly compiling
  // better-sqlite3; 14 s when the store already holds the packages.
  console.log('Installing dependencies (the first time takes a few minutes: SQLite is compiled)…')
  // --frozen-lockfile: install exactly the reviewed versions in pnpm-lock.yaml, never resolve new
  // ones (and never rewrite the lockfile) because a range in a package.json would allow them.
  // confirmModulesPurge=false: never stop at an interactive question in CI or a fresh clone.
  const code = await runPnpm(['install', '--frozen-lockfile', '--config.confirmModulesPurge=false'])
  if (code !== 0) {
    console.error(
      `Dependency install failed (exit ${code}). If pnpm-lock.yaml no longer matches a ` +
        'package.json, run `pnpm install` and commit the updated lockfile.',
    )
    process.exit(code)
  }
  // pnpm may leave the marker untouched when nothing changed; mark this lockfile as installed.
  if (existsSync(marker)) {
    const now = new Date()
    utimesSync(marker, now, now)
  }
}

// Not sources: dependencies, build output, caches, local data.
const NOT_SOURCES = new Set(['node_modules', 'dist', 'coverage', 'data'])

/** Newest mtime below `path`, skipping what is not a source and tests (which do not ship). */
function newestSource(path) {
  let stat
  try {
    stat = statSync(path)
  } catch {
    return 0
  }
  if (!stat.isDirectory()) return /\.test\.[cm]?[jt]s$/.test(path) ? 0 : stat.mtimeMs
  let newest = 0
  for (const name of readdirSync(path)) {
    if (NOT_SOURCES.has(name) || name.startsWith('.')) continue
    newest = Math.max(newest, newestSource(join(path, name)))
  }
  return newest
}

// Both apps bundle the envelope and the contract; a dependency change can change either bundle.
const SHARED_SOURCES = ['packages/envelope/src', 'packages/contract/src', 'pnpm-lock.yaml']

/** What each built app is built from, and the file whose age says when it was last built. */
export const BUILDS = [
  {
    name: '@secretsentry/web',
    output: 'apps/web/dist/index.html',
    sources: ['apps/web', ...SHARED_SOURCES],
  },
  {
    name: '@secretsentry/server',
    output: 'apps/server/dist/main.js',
    sources: ['apps/server', ...SHARED_SOURCES],
  },
]

/**
 * The `secretsentry` command (apps/cli), which `npm run secretsentry` runs from a clone. Not in
 * BUILDS: `npm start` does not need it. It bundles the server and copies the built web app.
 */
export const CLI_BUILD = {
  name: 'secretsentry',
  output: 'apps/cli/dist/secretsentry.mjs',
  sources: ['apps/cli', 'apps/server', 'apps/web/dist/index.html', ...SHARED_SOURCES],
}

/** Builds that are missing or older than any of their sources. */
export function staleBuilds(builds = BUILDS) {
  return builds.filter((build) => {
    const built = mtime(join(ROOT, build.output))
    return built === 0 || build.sources.some((source) => newestSource(join(ROOT, source)) > built)
  })
}

/** Builds the given apps through their own `build` scripts; resolves with the first failing code. */
export async function buildApps(builds) {
  for (const build of builds) {
    console.log(`Building ${build.name}…`)
    const code = await runPnpm(['--filter', build.name, 'run', 'build'])
    if (code !== 0) return code
  }
  return 0
}

/** Workspace package directories from pnpm-workspace.yaml (simple `- dir` / `- dir/*` entries). */
export function workspacePackages() {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')
  const block = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? ''
  const dirs = []
  for (const match of block.matchAll(/^\s*-\s*['"]?([^'"\s#]+)['"]?/gm)) {
    const pattern = match[1]
    if (pattern.endsWith('/*')) {
      const parent = join(ROOT, pattern.slice(0, -2))
      if (!existsSync(parent)) continue
      for (const name of readdirSync(parent).sort()) dirs.push(join(parent, name))
    } else {
      dirs.push(join(ROOT, pattern))
    }
  }
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({
      dir,
      path: relative(ROOT, dir).split('\\').join('/'),
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
    }))
}

/**
 * Runs `node script ...args` as the foreground program and exits with its code. It gets its own
 * process group: a terminal Ctrl-C then reaches it once, through us, instead of twice (a second
 * SIGINT during a graceful shutdown would cut it short).
 */
export function runNodeForeground(script, args, options = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: toolEnv(),
    stdio: ['inherit', 'inherit', 'inherit'],
    detached: !isWindows,
    ...options,
  })
  const forwarded = new Set()
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (forwarded.has(signal) || child.exitCode !== null) return
      forwarded.add(signal)
      child.kill(signal)
    })
  }
  // If this script dies of an error, take the child with it.
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  })
  child.on('error', (error) => {
    console.error(`Could not start ${script}: ${error.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal && !forwarded.has(signal)) console.error(`Stopped by ${signal}.`)
    process.exit(code ?? (forwarded.size > 0 ? 0 : 1))
  })
  return child
}
