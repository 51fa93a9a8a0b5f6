import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from './common/openapi';
import type { ApiMetrics } from '@vaecf/telemetry';
import { API_METRICS } from './common/tokens';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(API_METRICS) private readonly metrics: ApiMetrics) {}

  /** Prometheus text format: request rate and latency by route and status, process metrics. */
  @Get()
  @ApiRoute(
    'Prometheus metrics of this API process (no token needed)',
    { status: 200, description: 'Prometheus text format', schema: { type: 'string' } },
    [],
    { open: true },
  )
  @ApiProduces('text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
