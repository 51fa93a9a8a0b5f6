import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { artifactStoreFromEnv } from '@vaecf/artifacts';
import { createCore, SweepController, type Core } from '@vaecf/orchestration';
import { DatasetStore, WorkerRegistry } from '@vaecf/store';
import { Redis, type RedisOptions } from 'ioredis';
import {
  API_CONFIG,
  ARTIFACTS,
  CORE,
  DATASETS_QUEUE,
  REDIS,
  SWEEP_STORE,
  TRIALS_QUEUE,
} from './common/tokens';
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
      provide: CORE,
      useFactory: (c: ApiConfig, r: Redis) => createCore({ redis: r, config: c }),
      inject: [API_CONFIG, REDIS],
    },
    // The core's parts, each under the token its users inject.
    { provide: TRIALS_QUEUE, useFactory: (core: Core) => core.trialsQueue, inject: [CORE] },
    { provide: DATASETS_QUEUE, useFactory: (core: Core) => core.datasetsQueue, inject: [CORE] },
    { provide: SWEEP_STORE, useFactory: (core: Core) => core.store, inject: [CORE] },
    { provide: DatasetStore, useFactory: (core: Core) => core.datasetStore, inject: [CORE] },
    { provide: WorkerRegistry, useFactory: (core: Core) => core.registry, inject: [CORE] },
    { provide: SweepController, useFactory: (core: Core) => core.controller, inject: [CORE] },
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
    SWEEP_STORE,
    DatasetStore,
    WorkerRegistry,
    SweepController,
    ARTIFACTS,
  ],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CORE) private readonly core: Core,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.core.close();
    await this.redis.quit();
  }
}
