/** @module JSON-lines logger: one object per line, buffered and written once per event-loop turn. */
import fs from 'node:fs'
import type { LogLevel } from './config.ts'
import { isoTime } from './iso-time.ts'

export type LogFields = Record<string, string | number | boolean | null | undefined>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean
  /** Write out buffered lines and release the file; later lines are dropped. */
  close(): Promise<void>
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface LoggerOptions {
  level: LogLevel
  /** Where whole lines go; default stdout. */
  sink?: LogSink
  clock?: () => number
}

export interface LogSink {
  write(chunk: string): void
  close(): Promise<void>
}

export function stdoutSink(): LogSink {
  return {
    write: (chunk) => void process.stdout.write(chunk),
    close: () => new Promise((resolve) => process.stdout.write('', () => resolve())),
  }
}

export function fileSink(file: string): LogSink {
  const stream = fs.createWriteStream(file, { flags: 'a', mode: 0o600 })
  return {
    write: (chunk) => void stream.write(chunk),
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  }
}

/** Collects lines in memory; for tests. */
export function memorySink(): LogSink & { lines(): Record<string, unknown>[]; text(): string } {
  let buffer = ''
  return {
    write: (chunk) => void (buffer += chunk),
    close: async () => {},
    text: () => buffer,
    lines: () =>
      buffer
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? stdoutSink()
  const clock = options.clock ?? Date.now
  const threshold = RANK[options.level]
  let pending: string[] = []
  let scheduled = false
  let closed = false

  // At thousands of requests a second one write per line costs more than the request; batch them.
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const chunk = pending.join('')
    pending = []
    sink.write(chunk)
  }

  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (closed || RANK[level] < threshold) return
    pending.push(JSON.stringify({ time: isoTime(clock()), level, msg, ...fields }) + '\n')
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }

  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    isEnabled: (level) => RANK[level] >= threshold,
    close: async () => {
      if (closed) return
      flush()
      closed = true
      await sink.close()
    },
  }
}
