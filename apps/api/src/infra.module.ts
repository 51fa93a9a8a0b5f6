import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { artifactStoreFromEnv } from '@vaecf/artifacts';
import {
  DatasetStore,
  SweepController,
  SweepStore,
  type DatasetsQueue,
  type TrialsQueue,
} from '@vaecf/queue';
import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { API_CONFIG, ARTIFACTS, DATASETS_QUEUE, REDIS, TRIALS_QUEUE } from './common/tokens';
import { apiConfig, type ApiConfig } from './config';

/**
 * The API answers while Redis is down instead of waiting for it: a command
 * fails at once when the connection is not up (no offline queue), one that
 * gets no answer fails after two seconds, and one in flight when the
 * connection drops fails (no retry, no resend after reconnecting). So a
 * request is either applied now or refused with a 503 (errors.filter.ts),
 * never applied later behind the client's back. ioredis reconnects by
 * itself; the BullMQ producers share this connection.
 */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  commandTimeout: 2000,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
};

/** One line when the connection to Redis is lost (not closed by us) and one when it is back, not one per failed request. */
function logOutages(redis: Redis): Redis {
  const log = new Logger('redis');
  let lost = false;
  redis.on('reconnecting', () => {
    if (!lost) log.warn('connection to Redis lost: answering 503 until it is back');
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) log.log('connection to Redis back');
    lost = false;
  });
  return redis;
}

/** Connections and stores, one set per API process; the API itself keeps no state. */
@Global()
@Module({
  providers: [
    { provide: API_CONFIG, useFactory: () => apiConfig() },
    {
      provide: REDIS,
      useFactory: (c: ApiConfig) => logOutages(new Redis(c.REDIS_URL, FAIL_FAST)),
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
      provide: ARTIFACTS,
      useFactory: (c: ApiConfig) =>
        artifactStoreFromEnv({ ...process.env, VAECF_ARTIFACTS_DIR: c.VAECF_ARTIFACTS_DIR }),
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
    ARTIFACTS,
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
