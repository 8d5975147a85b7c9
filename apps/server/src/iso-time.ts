/** @module Milliseconds since the epoch as an ISO 8601 string, exactly as Date.prototype.toISOString writes them. */

const MS_PER_DAY = 86_400_000

/**
 * "YYYY-MM-DDT" by day number. A map, not the last day alone: an answer's expiry and its log
 * line's time fall on different days whenever a share outlives today, and a single entry would
 * then be replaced twice per request. Bounded; expiries span weeks, not years.
 */
const prefixes = new Map<number, string>()
const MAX_PREFIXES = 512

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`)
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

/**
 * `new Date(ms).toISOString()`, for every value. V8 formats each date through snprintf, about
 * 6,800 instructions, and every share create and open writes two (the expiry in its answer and
 * the request's log line): 3% of either request. Here only the date part comes from V8, once per
 * day seen; the time of day is arithmetic. Anything but a whole number of milliseconds in the range
 * Date accepts (fractions, NaN, ±Infinity, beyond ±8.64e15) takes V8's own path, so an invalid
 * time still throws its RangeError.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms > 8.64e15 || ms < -8.64e15) return new Date(ms).toISOString()
  const day = Math.floor(ms / MS_PER_DAY)
  let prefix = prefixes.get(day)
  if (prefix === undefined) {
    // "YYYY-MM-DDT00:00:00.000Z" less its 13-character time; years past 9999 or before 0 are
    // written with a sign and six digits, so the prefix's length varies.
    const midnight = new Date(day * MS_PER_DAY).toISOString()
    prefix = midnight.slice(0, midnight.length - 13)
    if (prefixes.size >= MAX_PREFIXES) prefixes.clear()
    prefixes.set(day, prefix)
  }
  let rest = ms - day * MS_PER_DAY
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${prefix}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`
}
