/** @module RequestMetrics against prom-client's own Counter and Histogram: the same observations, the same /metrics text. */
import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { RequestMetrics } from './request-metrics.ts'

const requests = { name: 'test_http_requests_total', help: 'Requests by route and status' }
const duration = {
  name: 'test_http_request_duration_seconds',
  help: 'Latency by route',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
}

/** The same metrics as prom-client builds them. */
function reference() {
  const registry = new Registry()
  const registers = [registry]
  const count = new Counter({ ...requests, labelNames: ['method', 'route', 'status'], registers })
  const latency = new Histogram({ ...duration, labelNames: ['method', 'route'], registers })
  return {
    registry,
    record(method: string, route: string, status: number, seconds: number) {
      count.labels({ method, route, status: String(status) }).inc()
      latency.labels({ method, route }).observe(seconds)
    },
  }
}

function ours() {
  const registry = new Registry()
  const metrics = new RequestMetrics(registry, { requests, duration })
  return { registry, record: metrics.record.bind(metrics) }
}

describe('RequestMetrics', () => {
  it('exposes exactly what prom-client exposes for the same requests', async () => {
    const a = reference()
    const b = ours()
    const methods = ['GET', 'POST', 'DELETE']
    const routes = ['/api/share', '/api/share/:id/open', '/healthz', 'unmatched', 'a"b\\c\nd']
    const statuses = [200, 201, 404, 429, 500]
    // Every bucket edge, values between and beyond them, and the same value many times.
    const seconds = [0, 0.001, 0.0010001, 0.002, 0.0049, 0.05, 0.3, 1, 2.5, 2.5000001, 7, 1e-9]
    let seed = 11
    const pick = <T>(list: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return list[seed % list.length] as T
    }
    for (let i = 0; i < 5000; i++) {
      const args = [
        pick(methods),
        pick(routes),
        pick(statuses),
        pick(seconds) * (1 + i / 1e6),
      ] as const
      a.record(...args)
      b.record(...args)
    }
    const text = await b.registry.metrics()
    expect(text).toBe(await a.registry.metrics())
    expect(text).toContain('test_http_request_duration_seconds_bucket{le="+Inf",method="GET"')
    expect(text).toContain('test_http_requests_total{method="POST",route="/healthz",status="429"}')
  })

  it('lists series in the order they were first seen, and shows nothing before any request', async () => {
    const b = ours()
    expect(await b.registry.metrics()).toBe(await reference().registry.metrics())
    b.record('POST', '/b', 201, 0.003)
    b.record('GET', '/a', 200, 0.004)
    b.record('POST', '/b', 201, 0.02)
    const lines = (await b.registry.metrics()).split('\n')
    expect(lines.filter((l) => l.startsWith('test_http_requests_total'))).toEqual([
      'test_http_requests_total{method="POST",route="/b",status="201"} 2',
      'test_http_requests_total{method="GET",route="/a",status="200"} 1',
    ])
    expect(lines).toContain(
      'test_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/b"} 1',
    )
    expect(lines).toContain('test_http_request_duration_seconds_count{method="POST",route="/b"} 2')
  })

  it('starts afresh when the registry resets its metrics', async () => {
    const b = ours()
    b.record('GET', '/a', 200, 0.004)
    b.registry.resetMetrics()
    expect(await b.registry.metrics()).toBe(await reference().registry.metrics())
    b.record('GET', '/a', 200, 0.004)
    expect(await b.registry.metrics()).toContain(
      'test_http_requests_total{method="GET",route="/a",status="200"} 1',
    )
  })
})
