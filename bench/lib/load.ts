/** @module Runs one autocannon load phase and reduces its result to the figures the README reports. */
import autocannon from 'autocannon'

export interface LoadSettings {
  origin: string
  connections: number
  seconds: number
}

export interface LoadFigures {
  name: string
  /** Mean of the per-second request counts, as autocannon reports it. */
  reqPerSec: number
  /** 2xx responses divided by the run's duration. */
  okPerSec: number
  total: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number }
}

/**
 * POSTs `nextBody()` to `nextPath()` on every request. The bodies are precomputed by the caller: the
 * functions only pick the next one, so the load generator stays cheap.
 */
export async function runPost(
  name: string,
  settings: LoadSettings,
  nextPath: () => string,
  nextBody: () => Buffer,
): Promise<LoadFigures> {
  const result = await autocannon({
    url: settings.origin,
    connections: settings.connections,
    duration: settings.seconds,
    // Let HTTP status codes count as answers, and the summary computes non-2xx separately.
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, path: nextPath(), body: nextBody() }),
      },
    ],
  })
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stat.count ?? 0
  }
  return {
    name,
    reqPerSec: result.requests.average,
    okPerSec: result['2xx'] / result.duration,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
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
