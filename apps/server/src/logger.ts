/** @module JSON-lines logger: one object per line, buffered and written once per event-loop turn. */
import fs from 'node:fs'
import type { LogLevel } from './config.ts'
import { isoTime } from './iso-time.ts'

export type LogFields = Record<string, string | number | boolean | null | undefined>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  /** What `info('request', entry)` writes, built faster (see requestLine). */
  request(entry: RequestEntry): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean
  /** Write out buffered lines and release the file; later lines are dropped. */
  close(): Promise<void>
}

/** The access log's line for one answered request. */
export interface RequestEntry {
  reqId: string
  method: string
  /** The route's pattern, never the raw path: that could carry an id or, by mistake, a key. */
  route: string
  status: number
  ms: number
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

  const enqueue = (line: string) => {
    pending.push(line)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }

  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (closed || RANK[level] < threshold) return
    enqueue(JSON.stringify({ time: isoTime(clock()), level, msg, ...fields }) + '\n')
  }

  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    request: (entry) => {
      if (closed || RANK.info < threshold) return
      enqueue(requestLine(isoTime(clock()), entry))
    },
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

/**
 * Any character JSON might escape: a quote, a backslash, a control character, a surrogate (JSON
 * escapes only lone ones; a string with a pair just takes the slower way).
 */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/**
 * The JSON line of `info('request', entry)`, byte for byte, put together directly. Every request
 * writes one, and the spread and V8's serializer (an object walk, then every character checked
 * for escapes) made logging 3.7% of a read-and-burn open's instructions. Here the strings are
 * checked in one pass and the numbers written as JSON writes them; a string that needs escaping
 * takes JSON.stringify's way.
 */
export function requestLine(time: string, e: RequestEntry): string {
  const { reqId, method, route, status, ms } = e
  if (NEEDS_ESCAPE.test(time + reqId + method + route)) {
    return (
      JSON.stringify({ time, level: 'info', msg: 'request', reqId, method, route, status, ms }) +
      '\n'
    )
  }
  return `{"time":"${time}","level":"info","msg":"request","reqId":"${reqId}","method":"${method}","route":"${route}","status":${jsonNumber(status)},"ms":${jsonNumber(ms)}}\n`
}

const jsonNumber = (n: number) => (Number.isFinite(n) ? String(n) : 'null')
