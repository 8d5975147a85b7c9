/** @module `secretsentry check-config`: validates the settings the server would start with and prints them. */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '@secretsentry/server/config'
import { resolveConfig, SETTING_FLAGS, type ParsedArgs } from '../args.ts'
import { bundledWebDir } from '../bundled.ts'
import { EXIT_OK } from '../io.ts'
import type { Command } from './command.ts'

/** The setting's name as the user gave it: the flag when it came from one. */
function settingName(args: ParsedArgs, env: string): string {
  return args.settings.has(env) ? (SETTING_FLAGS.find((f) => f.env === env)?.flag ?? env) : env
}

/**
 * Can the server create files in `dir`? A real write, not access(): read-only mounts, and root
 * (whom file modes do not stop), are what a server meets in practice. The server creates DATA_DIR
 * with its parents at start, so a missing one is created for the probe and removed again.
 */
export function writableDirProblem(dir: string): string | null {
  const missing: string[] = []
  for (let d = dir; !fs.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) {
    missing.unshift(d)
  }
  const firstMissing = missing[0]
  const existing = firstMissing ? path.dirname(firstMissing) : dir
  const stat = fs.statSync(existing, { throwIfNoEntry: false })
  if (stat && !stat.isDirectory()) return `${existing} is not a directory`
  const probe = path.join(dir, `.check-config-${process.pid}`)
  const created: string[] = []
  try {
    // One level at a time: Node's recursive mkdir spins forever where mkdir says ENOENT (/proc).
    for (const d of missing) {
      fs.mkdirSync(d, { mode: 0o700 })
      created.push(d)
    }
    fs.writeFileSync(probe, '', { flag: 'wx', mode: 0o600 })
    fs.rmSync(probe)
    return null
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    return firstMissing ? `${dir} cannot be created (${code})` : `${dir} is not writable (${code})`
  } finally {
    // Only what this check made.
    if (created[0]) fs.rmSync(created[0], { recursive: true, force: true })
  }
}

export const checkConfig: Command = {
  name: 'check-config',
  summary: 'validate the settings (environment and flags) and print them',
  usage: 'secretsentry check-config [settings flags]',
  spec: { settings: true },
  examples: ['secretsentry check-config --data-dir /var/lib/secretsentry'],
  description: [
    'Reads the settings exactly as `serve` would, checks that DATA_DIR can be written, that',
    'STATIC_DIR holds a built web app and that LOG_FILE can be appended to, and prints the',
    'effective value of every setting with where it came from. Exit code 1 names a bad setting.',
  ],
  async run(args, io) {
    const web = bundledWebDir()
    const { config, sources } = resolveConfig(args.settings, io.env, web ? { STATIC_DIR: web } : {})
    const dataProblem = writableDirProblem(config.dataDir)
    if (dataProblem) throw new ConfigError(settingName(args, 'DATA_DIR'), dataProblem)
    // The single executable serves the web app it carries unless STATIC_DIR names a directory.
    const fromMemory = io.embedded !== undefined && sources.staticDir === 'default'
    if (!fromMemory && !fs.existsSync(path.join(config.staticDir, 'index.html'))) {
      throw new ConfigError(
        settingName(args, 'STATIC_DIR'),
        `${config.staticDir} holds no built web app (index.html is missing)`,
      )
    }
    if (config.logFile) {
      const logProblem = fs.existsSync(config.logFile)
        ? accessProblem(config.logFile)
        : writableDirProblem(path.dirname(config.logFile))
      if (logProblem) throw new ConfigError(settingName(args, 'LOG_FILE'), logProblem)
    }

    const rows = SETTING_FLAGS.map((f) => {
      const value = fromMemory && f.key === 'staticDir' ? '(the embedded web app)' : config[f.key]
      return [f.env, value === null ? '(none)' : String(value), sources[f.key]] as const
    })
    const width = Math.max(...rows.map(([name]) => name.length))
    const valueWidth = Math.max(...rows.map(([, value]) => value.length))
    io.out('Effective settings:\n')
    for (const [name, value, source] of rows) {
      io.out(`  ${name.padEnd(width)}  ${value.padEnd(valueWidth)}  (${source})\n`)
    }
    io.out('Configuration OK\n')
    return EXIT_OK
  },
}

function accessProblem(file: string): string | null {
  try {
    fs.accessSync(file, fs.constants.W_OK)
    return null
  } catch {
    return `${file} is not writable`
  }
}
