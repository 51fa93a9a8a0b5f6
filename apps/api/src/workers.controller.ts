import { Controller, Get, Headers, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { PrometheusTargetsView } from '@vaecf/orchestration';
import { WorkerRegistry, type WorkerEntry } from '@vaecf/store';
import { assertMetricsAccess } from './common/metrics-access';
import { ApiRoute } from './common/openapi';
import { PrometheusTargetsDto, WorkerDto } from './common/openapi-views';
import { API_CONFIG } from './common/tokens';
import type { ApiConfig } from './config';

/**
 * The live workers of this deployment (those on its trials queue), as
 * announced in `vaecf:workers`: for people, and for Prometheus' HTTP
 * service discovery, which finds workers on any host without DNS.
 */
@ApiTags('workers')
@Controller('workers')
export class WorkersController {
  constructor(
    private readonly registry: WorkerRegistry,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Get()
  @ApiRoute(
    'Live workers of this deployment: id, backend, metrics address',
    { status: 200, type: [WorkerDto] },
    [],
  )
  async list(): Promise<WorkerEntry[]> {
    return this.live();
  }

  /**
   * Prometheus `http_sd_configs` format: one target group per worker serving
   * /metrics, labelled with its id and backend. Under the metrics rule (a
   * bearer METRICS_TOKEN when one is set), like /metrics, so that Prometheus
   * needs one credential only.
   */
  @Get('sd')
  @ApiRoute(
    "The workers' /metrics endpoints for Prometheus' HTTP service discovery",
    { status: 200, type: [PrometheusTargetsDto] },
    [401],
    { open: true },
  )
  async serviceDiscovery(@Headers('authorization') authorization?: string): Promise<PrometheusTargetsView[]> {
    assertMetricsAccess('/workers/sd', authorization, this.config.METRICS_TOKEN);
    return (await this.live())
      .filter((w) => w.metrics)
      .map((w) => ({ targets: [w.metrics!], labels: { worker: w.id, backend: w.backend } }));
  }

  private async live(): Promise<WorkerEntry[]> {
    const queue = this.config.VAECF_TRIALS_QUEUE;
    // Entries written before workers named their queue belong to the default one.
    return (await this.registry.live()).filter((w) => (w.queue ?? 'vaecf-trials') === queue);
  }
}
