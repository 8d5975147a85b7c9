/** @module The JSON-lines logger: levels, one object per line, batched writes, close flushes. */
import { describe, expect, it } from 'vitest'
import { createLogger, memorySink, type LogSink } from './logger.ts'

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
