/** @module The JSON-lines logger: levels, one object per line, batched writes, close flushes. */
import { describe, expect, it } from 'vitest'
import { createLogger, memorySink, requestLine, type LogSink, type RequestEntry } from './logger.ts'

describe('createLogger', () => {
  it('writes one JSON object per line at or above its level', async () => {
    const sink = memorySink()
    const logger = createLogger({ level: 'info', sink, clock: () => Date.UTC(2026, 0, 1) })
    logger.debug('hidden')
    logger.info('shown', { a: 1 })
    logger.error('bad', { b: 'x' })
    await logger.close()
    expect(sink.lines()).toEqual([
      { time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'shown', a: 1 },
      { time: '2026-01-01T00:00:00.000Z', level: 'error', msg: 'bad', b: 'x' },
    ])
    expect(logger.isEnabled('debug')).toBe(false)
    expect(logger.isEnabled('warn')).toBe(true)
  })

  it('batches the lines of one event-loop turn into one write', async () => {
    const writes: string[] = []
    const sink: LogSink = { write: (c) => void writes.push(c), close: async () => {} }
    const logger = createLogger({ level: 'debug', sink })
    for (let i = 0; i < 100; i++) logger.info('line', { i })
    expect(writes).toHaveLength(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).toHaveLength(1)
    expect(writes[0]?.split('\n').filter(Boolean)).toHaveLength(100)
  })

  it('silent logs nothing; lines after close are dropped', async () => {
    const sink = memorySink()
    const silent = createLogger({ level: 'silent', sink })
    silent.error('nothing')
    await silent.close()
    const closed = createLogger({ level: 'info', sink })
    await closed.close()
    closed.info('late')
    await new Promise((resolve) => setImmediate(resolve))
    expect(sink.text()).toBe('')
  })
})

describe('requestLine', () => {
  /** What the generic path writes for the same entry. */
  const generic = async (time: number, entry: RequestEntry) => {
    const sink = memorySink()
    const logger = createLogger({ level: 'info', sink, clock: () => time })
    logger.info('request', { ...entry })
    await logger.close()
    return sink.text()
  }
  const viaRequest = async (time: number, entry: RequestEntry) => {
    const sink = memorySink()
    const logger = createLogger({ level: 'info', sink, clock: () => time })
    logger.request(entry)
    await logger.close()
    return sink.text()
  }

  it("writes exactly what info('request', entry) writes", async () => {
    const plain = ['c0ffee12-1', 'POST', '/api/share/:id/open', 'unmatched', 'M-SEARCH', '', 'é']
    const awkward = [
      'a"b',
      'a\\b',
      'line\nbreak',
      '\u0000',
      '\u001f',
      '\ud800',
      '\udc00x',
      '😀',
      '\u2028',
    ]
    const numbers = [0, -0, 200, 1.25, 0.01, 123456.78, 1e21, 1e-7, NaN, Infinity, -Infinity]
    const base = { reqId: 'c0ffee12-1', method: 'POST', route: '/api/share', status: 201, ms: 0.5 }
    const entries: RequestEntry[] = []
    // Every string, plain or not, in every string field; every number in both number fields.
    for (const text of [...plain, ...awkward]) {
      entries.push({ ...base, reqId: text }, { ...base, method: text }, { ...base, route: text })
    }
    for (const status of numbers) for (const ms of numbers) entries.push({ ...base, status, ms })
    for (const time of [0, Date.UTC(2026, 11, 7, 19, 30, 1, 5), -1, 8.64e15]) {
      for (const entry of entries) {
        expect(await viaRequest(time, entry)).toBe(await generic(time, entry))
      }
    }
  })

  it('takes the direct way for ordinary requests and keeps the field order', () => {
    const line = requestLine('2026-12-07T19:30:01.005Z', {
      reqId: 'c0ffee12-1z',
      method: 'POST',
      route: '/api/share/:id/open',
      status: 200,
      ms: 1.25,
    })
    expect(line).toBe(
      '{"time":"2026-12-07T19:30:01.005Z","level":"info","msg":"request","reqId":"c0ffee12-1z","method":"POST","route":"/api/share/:id/open","status":200,"ms":1.25}\n',
    )
  })

  it('follows the level and is dropped after close', async () => {
    const sink = memorySink()
    const quiet = createLogger({ level: 'warn', sink })
    quiet.request({ reqId: 'r', method: 'GET', route: '/', status: 200, ms: 1 })
    await quiet.close()
    const closed = createLogger({ level: 'info', sink })
    await closed.close()
    closed.request({ reqId: 'r', method: 'GET', route: '/', status: 200, ms: 1 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(sink.text()).toBe('')
  })
})
