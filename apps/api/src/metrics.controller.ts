import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ApiMetrics } from '@vaecf/telemetry';
import { assertMetricsAccess } from './common/metrics-access';
import { ApiRoute } from './common/openapi';
import { API_CONFIG, API_METRICS } from './common/tokens';
import type { ApiConfig } from './config';

/**
 * GET /metrics under the rule every vaecf process follows (libs/telemetry
 * metrics-access.ts): with METRICS_TOKEN set a scrape needs it as a bearer
 * token; without it the API is bound to a loopback address (config.ts
 * refuses anything else), so only this machine can read it.
 */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(API_METRICS) private readonly metrics: ApiMetrics,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Prometheus text format: request rate and latency by route and status, process metrics. */
  @Get()
  @ApiRoute(
    'Prometheus metrics of this API process (a bearer METRICS_TOKEN when one is set)',
    { status: 200, description: 'Prometheus text format', schema: { type: 'string' } },
    [401],
    { open: true },
  )
  @ApiProduces('text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    assertMetricsAccess('/metrics', authorization, this.config.METRICS_TOKEN);
    return this.metrics.registry.metrics();
  }
}
