/** @module Runs one autocannon load phase and reduces its result to the figures the README reports. */
import autocannon from 'autocannon'

export interface LoadSettings {
  /** Several origins: connection i goes to origin i mod n, as autocannon spreads them (two instances). */
  origin: string | string[]
  connections: number
  /** Run for this long... */
  seconds?: number
  /** ...or until this many requests have been answered. */
  amount?: number
}

export interface LoadFigures {
  name: string
  seconds: number
  /** Mean of the per-second request counts, as autocannon reports it; an `amount` run: total / seconds. */
  reqPerSec: number
  /** 2xx responses divided by the run's duration. */
  okPerSec: number
  total: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  /** Answers the plan's `verifyBody` refused (PrivateBin reports errors with HTTP 200). */
  mismatches: number
  statusCodes: Record<string, number>
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number }
}

/**
 * What each request is: a fixed GET, a GET whose path the caller picks each time, or a POST whose
 * path and body the caller picks each time; optionally extra headers, a check of each answer's body
 * (refusals are counted as `mismatches`) and a callback that sees each answer (seeding collects ids).
 */
export type RequestPlan = (
  | { method: 'GET'; path: string }
  | { method: 'GET'; nextPath: () => string }
  | { method: 'POST'; nextPath: () => string; nextBody: () => Buffer }
) & {
  headers?: Record<string, string>
  verifyBody?: (body: string) => boolean
  onResponse?: (status: number, body: string) => void
}

/** autocannon hands the body as the string it collected (its types also allow a Buffer or nothing). */
function verifyWith(check: (body: string) => boolean) {
  return (body: string | Buffer | undefined): boolean =>
    check(typeof body === 'string' ? body : (body?.toString('utf8') ?? ''))
}

/**
 * Runs one phase. POST bodies are precomputed by the caller: `nextPath`/`nextBody` only pick the
 * next one, so the load generator stays cheap.
 */
export async function runLoad(
  name: string,
  settings: LoadSettings,
  plan: RequestPlan,
): Promise<LoadFigures> {
  const request: autocannon.Request =
    plan.method === 'POST'
      ? {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...plan.headers },
          setupRequest: (req) => ({ ...req, path: plan.nextPath(), body: plan.nextBody() }),
        }
      : 'path' in plan
        ? { method: 'GET', path: plan.path, ...(plan.headers ? { headers: plan.headers } : {}) }
        : {
            method: 'GET',
            ...(plan.headers ? { headers: plan.headers } : {}),
            setupRequest: (req) => ({ ...req, path: plan.nextPath() }),
          }
  // autocannon ends an `amount` run at its next sample tick (once a second), so its duration is
  // rounded up to a whole second: 10% off in a 10 s phase. Such a run is timed to its last answer.
  const seen = plan.onResponse
  let lastAnswerAt = 0
  if (seen || settings.amount) {
    request.onResponse = (status, body) => {
      lastAnswerAt = performance.now()
      seen?.(status, body)
    }
  }
  const startedAt = performance.now()
  const result = await autocannon({
    ...(plan.verifyBody ? { verifyBody: verifyWith(plan.verifyBody) } : {}),
    // autocannon takes an array of URLs (its README); @types/autocannon only knows the string.
    url: settings.origin as string,
    connections: settings.connections,
    ...(settings.amount ? { amount: settings.amount } : { duration: settings.seconds ?? 10 }),
    requests: [request],
  })
  const seconds =
    settings.amount && lastAnswerAt > startedAt
      ? (lastAnswerAt - startedAt) / 1000
      : result.duration
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stat.count ?? 0
  }
  return {
    name,
    seconds,
    reqPerSec: settings.amount ? result.requests.total / seconds : result.requests.average,
    okPerSec: result['2xx'] / seconds,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches ?? 0,
    statusCodes,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
  }
}
