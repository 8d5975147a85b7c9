/** @module Human-readable times, counts and sizes, in the reader's own locale. */

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]

/** One formatter for all calls: building one costs more than formatting (a 1,000-item vault list). */
let rtfCache: Intl.RelativeTimeFormat | undefined

/** "in 3 days", "in 5 minutes", "2 hours ago": the largest unit that fits, rounded. */
export function formatRelative(date: Date, now: Date = new Date()): string {
  const seconds = (date.getTime() - now.getTime()) / 1000
  const abs = Math.abs(seconds)
  const rtf = (rtfCache ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }))
  for (const [unit, size] of UNITS) {
    // Up to 90 minutes reads better as minutes, up to 48 hours as hours.
    const threshold = unit === 'day' ? 2 * 86400 : unit === 'hour' ? 5400 : size
    if (abs >= threshold || unit === 'second') return rtf.format(Math.round(seconds / size), unit)
  }
  return rtf.format(0, 'second')
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
})

export function formatAbsolute(date: Date): string {
  return absoluteFormat.format(date)
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

export function formatBytes(n: number): string {
  if (n < 1024) return plural(n, 'byte', 'bytes')
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}
