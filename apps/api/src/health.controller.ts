import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from './common/openapi';
import { HealthDto } from './common/openapi-views';
import type { DatasetsQueue, HealthView, TrialsQueue } from '@vaecf/orchestration';
import type { Redis } from 'ioredis';
import { DATASETS_QUEUE, REDIS, TRIALS_QUEUE } from './common/tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TRIALS_QUEUE) private readonly trials: TrialsQueue,
    @Inject(DATASETS_QUEUE) private readonly datasets: DatasetsQueue,
  ) {}

  /** 200 when Redis and both queues answer, 503 otherwise (with what failed). */
  @Get()
  @ApiRoute('Whether Redis and both queues answer (no token needed)', { status: 200, type: HealthDto }, [], {
    open: true,
  })
  @ApiResponse({
    status: 503,
    description: 'Redis or a queue does not answer (which, in the body)',
    type: HealthDto,
  })
  async check(): Promise<HealthView> {
    const within = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))]);
    const checks: Omit<HealthView, 'status'> = {
      redis: await within(this.redis.ping()).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      trialsQueue: await within(this.trials.getWaitingCount()).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      datasetsQueue: await within(this.datasets.getWaitingCount()).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    };
    const ok = Object.values(checks).every((v) => v === 'up');
    if (!ok) throw new ServiceUnavailableException({ status: 'down', ...checks } satisfies HealthView);
    return { status: 'ok', ...checks };
  }
}
