import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The API's metrics. `route` is the route template (`/sweeps/:id`), never the
 * raw URL, so label values stay bounded; unmatched paths count as "unmatched".
 */
export function createApiMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'vaecf_http_requests_total',
      help: 'HTTP requests served by the API',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'vaecf_http_request_duration_seconds',
      help: 'HTTP request latency of the API',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
