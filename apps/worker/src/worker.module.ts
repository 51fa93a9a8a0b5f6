import { Logger, Module } from '@nestjs/common';
import { workerConfig, type WorkerConfig } from './config';
import { createWorkerDeps } from './deps';
import { TrialWorkerService } from './trial-worker.service';
import { RedisOutageLog, redisWhere } from './redis-outage';
import { REDIS_OUTAGE, WORKER_CONFIG, WORKER_DEPS } from './tokens';

@Module({
  providers: [
    { provide: WORKER_CONFIG, useFactory: () => workerConfig() },
    {
      provide: REDIS_OUTAGE,
      useFactory: (config: WorkerConfig) =>
        new RedisOutageLog(redisWhere(config.REDIS_URL), new Logger('Redis')),
      inject: [WORKER_CONFIG],
    },
    {
      provide: WORKER_DEPS,
      useFactory: (config: WorkerConfig, outage: RedisOutageLog) =>
        createWorkerDeps(config, (redis) => outage.watch(redis)),
      inject: [WORKER_CONFIG, REDIS_OUTAGE],
    },
    TrialWorkerService,
  ],
})
export class WorkerModule {}
