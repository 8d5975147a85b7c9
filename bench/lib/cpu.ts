/** @module The server's CPU time per request, read from /proc: on a shared, noisy machine a steadier figure than req/s. */
import { readFileSync } from 'node:fs'

/** CPU milliseconds (user + system) of the whole process and of its main thread (the event loop). */
export interface CpuSample {
  processMs: number
  mainThreadMs: number
}

/** Linux reports these times in clock ticks; 100 per second on every Linux this runs on. */
const TICKS_PER_SECOND = 100

function ticksMs(statFile: string): number {
  // The command name (field 2) may hold spaces and parentheses; after the last ')' fields are fixed.
  const stat = readFileSync(statFile, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / TICKS_PER_SECOND
}

/** The CPU used so far by `pid`; undefined where /proc is missing (not Linux). */
export function cpuSample(pid: number): CpuSample | undefined {
  try {
    return {
      processMs: ticksMs(`/proc/${pid}/stat`),
      // The main thread's id is the process id.
      mainThreadMs: ticksMs(`/proc/${pid}/task/${pid}/stat`),
    }
  } catch {
    return undefined
  }
}

/** CPU microseconds per request between two samples; the main thread is what bounds one instance. */
export interface CpuPerRequest {
  processUs: number
  mainThreadUs: number
}

export function cpuPerRequest(
  before: CpuSample | undefined,
  after: CpuSample | undefined,
  requests: number,
): CpuPerRequest | undefined {
  if (!before || !after || requests <= 0) return undefined
  return {
    processUs: ((after.processMs - before.processMs) * 1000) / requests,
    mainThreadUs: ((after.mainThreadMs - before.mainThreadMs) * 1000) / requests,
  }
}

/** "123 µs (main thread 110 µs)" or "n/a". */
export function formatCpu(cpu: CpuPerRequest | undefined): string {
  if (!cpu) return 'n/a'
  return `${Math.round(cpu.processUs)} µs (main thread ${Math.round(cpu.mainThreadUs)} µs)`
}

/** CPU milliseconds used so far by all of `pids` together (a server of several processes); NaN off Linux. */
export function processesCpuMs(pids: number[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      total += ticksMs(`/proc/${pid}/stat`)
    } catch {
      return Number.NaN
    }
  }
  return total
}

/** The machine's CPU time so far, from the first line of /proc/stat: busy and total, in ticks. */
export interface MachineSample {
  busy: number
  total: number
}

/** Parses /proc/stat's `cpu` line; iowait and idle count as not busy. */
export function parseMachineStat(stat: string): MachineSample | undefined {
  const line = stat.split('\n', 1)[0] ?? ''
  if (!line.startsWith('cpu ')) return undefined
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const ticks = line.slice(4).trim().split(/\s+/).slice(0, 8).map(Number)
  if (ticks.length < 8 || ticks.some((n) => !Number.isFinite(n))) return undefined
  const at = (i: number): number => ticks[i] ?? 0
  const idle = at(3) + at(4)
  const busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7)
  return { busy, total: busy + idle }
}

export function machineSample(): MachineSample | undefined {
  try {
    return parseMachineStat(readFileSync('/proc/stat', 'utf8'))
  } catch {
    return undefined
  }
}

/** How many of the machine's cores were busy on average between two samples (0..cores); NaN without both. */
export function busyCores(
  before: MachineSample | undefined,
  after: MachineSample | undefined,
  cores: number,
): number {
  if (!before || !after || after.total <= before.total) return Number.NaN
  return ((after.busy - before.busy) / (after.total - before.total)) * cores
}
