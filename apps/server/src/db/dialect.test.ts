/** @module Which database errors mean "unavailable, try again" (503) rather than a bug (500). */
import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from './dialect.ts'

describe('isDatabaseUnavailable', () => {
  it.each([
    Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    new Error('Connection terminated unexpectedly'),
    // A rollback on a client whose socket failed mid-transaction.
    new Error('Client has encountered a connection error and is not queryable'),
  ])('a dropped or refused connection: %s', (err) => {
    expect(isDatabaseUnavailable(err)).toBe(true)
  })

  it.each([
    Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
    new Error('Cannot read properties of undefined'),
    'not an error',
  ])('anything else: %s', (err) => {
    expect(isDatabaseUnavailable(err)).toBe(false)
  })
})
