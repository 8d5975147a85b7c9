/** @module The arithmetic of the side-by-side bench: medians over rounds, ratios, pool sizes, the table. */

/** The median; with an even count, the mean of the two middle values. NaN for no values. */
export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (finite.length === 0) return Number.NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1
    ? (finite[mid] as number)
    : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}

/** a / b, or NaN when either is not a positive finite number. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && a >= 0 && b > 0 ? a / b : Number.NaN
}

/** What one system did in one round of one kind of load. */
export interface RoundResult {
  reqPerSec: number
  p50: number
  p99: number
  /** Answers that were not a success: non-2xx, errors, timeouts, and refused bodies. */
  failed: number
  total: number
  /** Server CPU (all its processes) per request, microseconds. */
  cpuUs: number
  /** The load generator's own CPU per request, microseconds (it shares the machine). */
  loadCpuUs: number
  /** Cores of the machine busy on average during the phase, whatever ran (NaN off Linux). */
  busyCores: number
}

export interface Comparison {
  ss: Medians
  pb: Medians
  /** Median SecretSentry rate over median PrivateBin rate. */
  ratioOfMedians: number
  /** SecretSentry / PrivateBin in each round (the two ran back to back, so they shared the machine's state). */
  roundRatios: number[]
  /** Median of the round ratios: the figure least moved by a round the machine was busier. */
  medianRoundRatio: number
  /** PrivateBin's CPU per request over SecretSentry's. */
  cpuRatio: number
}

type Medians = Pick<RoundResult, 'reqPerSec' | 'p50' | 'p99' | 'cpuUs' | 'loadCpuUs' | 'busyCores'>

function medians(rounds: RoundResult[]): Medians {
  const of = (key: keyof Medians): number => median(rounds.map((r) => r[key]))
  return {
    reqPerSec: of('reqPerSec'),
    p50: of('p50'),
    p99: of('p99'),
    cpuUs: of('cpuUs'),
    loadCpuUs: of('loadCpuUs'),
    busyCores: of('busyCores'),
  }
}

/** Compares rounds pairwise (round i of one with round i of the other). */
export function compare(ss: RoundResult[], pb: RoundResult[]): Comparison {
  const s = medians(ss)
  const p = medians(pb)
  const roundRatios = ss.map((r, i) => ratio(r.reqPerSec, pb[i]?.reqPerSec ?? Number.NaN))
  return {
    ss: s,
    pb: p,
    ratioOfMedians: ratio(s.reqPerSec, p.reqPerSec),
    roundRatios,
    medianRoundRatio: median(roundRatios),
    cpuRatio: ratio(p.cpuUs, s.cpuUs),
  }
}

/**
 * How many read-and-burn shares (or pastes) to prepare for an open phase of `seconds` at an
 * expected `rate` (each is opened once), times `headroom`, within [min, max]: the phase opens
 * exactly that many, so a wrong guess changes its length, never what it measures.
 */
export function burnPoolSize(
  rate: number,
  seconds: number,
  options: { headroom?: number; min?: number; max?: number } = {},
): number {
  const { headroom = 2, min = 2000, max = 400_000 } = options
  const wanted = Number.isFinite(rate) ? Math.ceil(rate * seconds * headroom) : max
  return Math.min(max, Math.max(min, wanted))
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a'

/** "3.41×" or "n/a". */
export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${fmt(r, 2)}×` : 'n/a'
}

/** One Markdown row per kind: both medians with latencies, the ratio, each round's rates. */
export function comparisonRow(
  label: string,
  c: Comparison,
  ss: RoundResult[],
  pb: RoundResult[],
): string {
  const rounds = ss
    .map((r, i) => `${fmt(r.reqPerSec)} / ${fmt(pb[i]?.reqPerSec ?? Number.NaN)}`)
    .join('; ')
  return (
    `| ${label} | ${fmt(c.ss.reqPerSec)} (p50 ${fmt(c.ss.p50)} / p99 ${fmt(c.ss.p99)} ms) | ` +
    `${fmt(c.pb.reqPerSec)} (p50 ${fmt(c.pb.p50)} / p99 ${fmt(c.pb.p99)} ms) | ` +
    `${formatRatio(c.medianRoundRatio)} (of medians ${formatRatio(c.ratioOfMedians)}) | ${rounds} |`
  )
}
