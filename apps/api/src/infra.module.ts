import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import {
  DatasetStore,
  SweepController,
  SweepStore,
  type DatasetsQueue,
  type TrialsQueue,
} from '@vaecf/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { API_CONFIG, DATASETS_QUEUE, REDIS, TRIALS_QUEUE } from './common/tokens';
import { apiConfig, type ApiConfig } from './config';

/** Connections and stores, one set per API process; the API itself keeps no state. */
@Global()
@Module({
  providers: [
    { provide: API_CONFIG, useFactory: () => apiConfig() },
    {
      provide: REDIS,
      useFactory: (c: ApiConfig) => new Redis(c.REDIS_URL, { maxRetriesPerRequest: null }),
      inject: [API_CONFIG],
    },
    {
      provide: TRIALS_QUEUE,
      useFactory: (c: ApiConfig, r: Redis) => new Queue(c.VAECF_TRIALS_QUEUE, { connection: r }),
      inject: [API_CONFIG, REDIS],
    },
    {
      provide: DATASETS_QUEUE,
      useFactory: (c: ApiConfig, r: Redis) => new Queue(c.VAECF_DATASETS_QUEUE, { connection: r }),
      inject: [API_CONFIG, REDIS],
    },
    { provide: SweepStore, useFactory: (r: Redis) => new SweepStore(r), inject: [REDIS] },
    { provide: DatasetStore, useFactory: (r: Redis) => new DatasetStore(r), inject: [REDIS] },
    {
      provide: SweepController,
      useFactory: (r: Redis, s: SweepStore, q: TrialsQueue) => new SweepController(r, s, q),
      inject: [REDIS, SweepStore, TRIALS_QUEUE],
    },
    {
      provide: FilesystemArtifactStore,
      useFactory: (c: ApiConfig) => new FilesystemArtifactStore(c.VAECF_ARTIFACTS_DIR),
      inject: [API_CONFIG],
    },
  ],
  exports: [
    API_CONFIG,
    REDIS,
    TRIALS_QUEUE,
    DATASETS_QUEUE,
    SweepStore,
    DatasetStore,
    SweepController,
    FilesystemArtifactStore,
  ],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TRIALS_QUEUE) private readonly trials: TrialsQueue,
    @Inject(DATASETS_QUEUE) private readonly datasets: DatasetsQueue,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.trials.close();
    await this.datasets.close();
    await this.redis.quit();
  }
}
