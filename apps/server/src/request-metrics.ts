/** @module The two metrics every request adds to: requests by method, route and status, and latency by method and route. */
import type { Metric, Registry } from 'prom-client'

interface Count {
  labels: { method: string; route: string; status: string }
  value: number
}

interface Latency {
  labels: { method: string; route: string }
  /** Observations per bucket, not cumulative; one above every bound is only in `count`. */
  perBucket: number[]
  sum: number
  count: number
}

interface RouteSeries {
  latency: Latency
  byStatus: Map<number, Count>
}

export interface RequestMetricsOptions {
  requests: { name: string; help: string }
  duration: { name: string; help: string; buckets: readonly number[] }
}

/**
 * Written by every request, read by a scrape. prom-client hashes the label set on each `inc()` and
 * `observe()`, a child's included: 13,000 instructions a request, 3.8% of a read-and-burn open.
 * Here a request finds its records through maps keyed by values it already holds (the method and
 * route strings, the status number) and adds to plain numbers. Only a scrape builds prom-client's
 * values, in the form its own Counter and Histogram give them, so /metrics reads the same
 * (`request-metrics.test.ts` holds the text to prom-client's, observation for observation).
 */
export class RequestMetrics {
  readonly #bounds: readonly number[]
  readonly #durationName: string
  readonly #byMethod = new Map<string, Map<string, RouteSeries>>()
  // In order of first use, as prom-client lists its series.
  #counts: Count[] = []
  #latencies: Latency[] = []

  constructor(registry: Registry, options: RequestMetricsOptions) {
    this.#bounds = [...options.duration.buckets]
    this.#durationName = options.duration.name
    const { requests, duration } = options
    // The registry reads any object with a name and get(); prom-client's cluster aggregator
    // registers such plain objects too.
    const counter = {
      name: requests.name,
      help: requests.help,
      type: 'counter',
      get: async () =>
        exported(
          counter,
          this.#counts.map((c) => ({ ...c })),
        ),
      reset: () => this.#reset(),
    }
    const histogram = {
      name: duration.name,
      help: duration.help,
      type: 'histogram',
      get: async () =>
        exported(
          histogram,
          this.#latencies.flatMap((l) => this.#export(l)),
        ),
      reset: () => this.#reset(),
    }
    registry.registerMetric(counter as unknown as Metric)
    registry.registerMetric(histogram as unknown as Metric)
  }

  /** One request: `seconds` from its arrival to its answer. */
  record(method: string, route: string, status: number, seconds: number): void {
    let byRoute = this.#byMethod.get(method)
    if (byRoute === undefined) {
      byRoute = new Map()
      this.#byMethod.set(method, byRoute)
    }
    let series = byRoute.get(route)
    if (series === undefined) {
      series = {
        latency: {
          labels: { method, route },
          perBucket: this.#bounds.map(() => 0),
          sum: 0,
          count: 0,
        },
        byStatus: new Map(),
      }
      byRoute.set(route, series)
      this.#latencies.push(series.latency)
    }
    let count = series.byStatus.get(status)
    if (count === undefined) {
      count = { labels: { method, route, status: String(status) }, value: 0 }
      series.byStatus.set(status, count)
      this.#counts.push(count)
    }
    count.value += 1
    const latency = series.latency
    latency.sum += seconds
    latency.count += 1
    const bounds = this.#bounds
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        latency.perBucket[i] = (latency.perBucket[i] as number) + 1
        break
      }
    }
  }

  /** As prom-client's Histogram gives one series: cumulative buckets, +Inf, sum and count. */
  #export(l: Latency) {
    const name = this.#durationName
    const bucket = `${name}_bucket`
    let cumulative = 0
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] =
      this.#bounds.map((le, i) => {
        cumulative += l.perBucket[i] as number
        return { labels: { le, ...l.labels }, value: cumulative, metricName: bucket }
      })
    values.push(
      { labels: { le: '+Inf', ...l.labels }, value: l.count, metricName: bucket },
      { labels: { ...l.labels }, value: l.sum, metricName: `${name}_sum` },
      { labels: { ...l.labels }, value: l.count, metricName: `${name}_count` },
    )
    return values
  }

  #reset() {
    this.#byMethod.clear()
    this.#counts = []
    this.#latencies = []
  }
}

/** What prom-client's own metrics give from get(): the registry formats it, a cluster sums it. */
function exported<V>(metric: { name: string; help: string; type: string }, values: V[]) {
  return { name: metric.name, help: metric.help, type: metric.type, values, aggregator: 'sum' }
}
