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
