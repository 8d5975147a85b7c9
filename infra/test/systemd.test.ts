/** @module infra/systemd: `systemd-analyze verify` accepts the units, `systemd-analyze security` rates the service as hardened, and the promised directives are there. */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  read,
  removeTempDirs,
  requireTool,
  run,
  seconds,
  shutdownGraceSeconds,
  tempDir,
} from './tools.ts'

const analyze = requireTool('systemd-analyze', 'systemd')
const UNITS = ['secretsentry.service', 'secretsentry-backup.service', 'secretsentry-backup.timer']
const EXECUTABLE = '/usr/local/bin/secretsentry'

afterAll(removeTempDirs)

/** Copies of the units whose executable is one that exists here (verify checks ExecStart=). */
function localCopies(edit: (name: string, text: string) => string = (_n, t) => t): string {
  const dir = tempDir()
  for (const name of UNITS) {
    const text = read(`systemd/${name}`).replaceAll(EXECUTABLE, process.execPath)
    fs.writeFileSync(path.join(dir, name), edit(name, text))
  }
  return dir
}

const verify = (dir: string) =>
  run(analyze!, ['verify', ...UNITS.map((name) => path.join(dir, name))], { cwd: dir })

/** The directives of a unit as [key, value] pairs, in order (a key may repeat). */
function directives(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('['))
    .map((line) => {
      const at = line.indexOf('=')
      return [line.slice(0, at), line.slice(at + 1)] as [string, string]
    })
}

describe('systemd units', () => {
  const service = directives(read('systemd/secretsentry.service'))
  const value = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v)

  it.skipIf(!analyze)('pass `systemd-analyze verify` without a single warning', () => {
    const result = verify(localCopies())
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it.skipIf(!analyze)('the check has teeth: a misspelled key and a bad value are reported', () => {
    const result = verify(
      localCopies((name, text) =>
        name === 'secretsentry.service'
          ? text
              .replace('ProtectSystem=strict', 'ProtectSystem=sometimes')
              .replace('PrivateTmp=', 'PrivateTemp=')
          : text,
      ),
    )
    expect(result.stderr).toContain('sometimes')
    expect(result.stderr).toContain("Unknown key 'PrivateTemp'")
  })

  it.skipIf(!analyze)(
    '`systemd-analyze security` rates the service exposure at most 2.0 of 10',
    () => {
      const dir = localCopies()
      const unit = path.join(dir, 'secretsentry.service')
      const result = run(analyze!, ['security', '--offline=yes', '--threshold=20', unit], {
        cwd: dir,
      })
      const overall = /Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout)
      expect(overall, result.stdout + result.stderr).not.toBeNull()
      expect(Number(overall![1])).toBeLessThanOrEqual(2)
      expect(result.status).toBe(0)
      // The same rating on a bare unit is far worse: the threshold is not trivially met.
      fs.writeFileSync(path.join(dir, 'bare.service'), `[Service]\nExecStart=${process.execPath}\n`)
      const bare = run(
        analyze!,
        ['security', '--offline=yes', '--threshold=20', path.join(dir, 'bare.service')],
        { cwd: dir },
      )
      expect(bare.status).not.toBe(0)
    },
  )

  it('runs the single executable as a dedicated, unprivileged user with a state directory', () => {
    expect(value('ExecStart')).toEqual([`${EXECUTABLE} serve`])
    expect(value('DynamicUser')).toEqual(['yes'])
    expect(value('User')).toEqual(['secretsentry'])
    expect(value('StateDirectory')).toEqual(['secretsentry'])
    expect(value('Environment')).toContain('DATA_DIR=%S/secretsentry')
    // The executable's addon cache (CACHE_DIRECTORY) is the only other writable place.
    expect(value('CacheDirectory')).toEqual(['secretsentry'])
    expect(value('CapabilityBoundingSet')).toEqual([''])
    expect(value('Restart')).toEqual(['on-failure'])
  })

  it('clears NODE_OPTIONS twice: removed from the environment and set empty', () => {
    expect(value('UnsetEnvironment')).toContain('NODE_OPTIONS')
    expect(value('Environment')).toContain('NODE_OPTIONS=')
  })

  it('has the hardening the README promises', () => {
    for (const [key, expected] of [
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
      ['SystemCallFilter', '@system-service'],
    ] as const) {
      expect(value(key), key).toContain(expected)
    }
    // V8's JIT needs writable+executable memory: the unit must not set it, and says why.
    expect(value('MemoryDenyWriteExecute')).toEqual([])
    expect(read('systemd/secretsentry.service')).toMatch(
      /MemoryDenyWriteExecute.*NOT possible.*JIT/s,
    )
  })

  it("gives the app's graceful stop more time than its grace period before SIGKILL", () => {
    const [timeout] = value('TimeoutStopSec')
    expect(timeout).toBeDefined()
    expect(seconds(timeout!)).toBeGreaterThan(shutdownGraceSeconds())
  })

  it('the backup unit runs `secretsentry backup` as the same user on the same data', () => {
    const backup = directives(read('systemd/secretsentry-backup.service'))
    const get = (key: string) => backup.filter(([k]) => k === key).map(([, v]) => v)
    expect(get('ExecStart').join('\n')).toContain(`${EXECUTABLE} backup `)
    expect(get('User')).toEqual(value('User'))
    expect(get('Environment')).toContain('DATA_DIR=%S/secretsentry')
    expect(get('UnsetEnvironment')).toContain('NODE_OPTIONS')
    const timer = directives(read('systemd/secretsentry-backup.timer'))
    expect(timer.find(([k]) => k === 'OnCalendar')).toBeDefined()
  })
})
