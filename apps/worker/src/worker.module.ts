import { Module } from '@nestjs/common';
import { workerConfig, type WorkerConfig } from './config';
import { createWorkerDeps } from './deps';
import { TrialWorkerService } from './trial-worker.service';
import { WORKER_CONFIG, WORKER_DEPS } from './tokens';

@Module({
  providers: [
    { provide: WORKER_CONFIG, useFactory: () => workerConfig() },
    {
      provide: WORKER_DEPS,
      useFactory: (config: WorkerConfig) => createWorkerDeps(config),
      inject: [WORKER_CONFIG],
    },
    TrialWorkerService,
  ],
})
export class WorkerModule {}
