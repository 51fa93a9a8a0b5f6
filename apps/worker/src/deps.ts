import { availableParallelism } from 'node:os';
import { artifactStoreFromEnv } from '@vaecf/artifacts';
import { fetchSettingsFromEnv } from '@vaecf/datasets';
import { createCore, type Core } from '@vaecf/orchestration';
import { Redis } from 'ioredis';
import type { WorkerConfig } from './config';
import { DatasetCache } from './dataset-cache';
import { probedEnginesFromEnv, probeEngines, type WorkerEngines, type WorkerEngineSettings } from './engines';
import type { WorkerDeps } from './handlers';
import { redisTrialHold } from './test-hold';

/** Everything a job handler needs, wired from the configuration (one set per process). */
export interface ClosableWorkerDeps extends WorkerDeps {
  /**
   * The core the deps come from (createCore), on their one connection: the
   * worker process also heartbeats into its registry and counts its queues
   * on /metrics. Its store, dataset store and controller are the deps' own.
   */
  readonly core: Core;
  /** Closes the core's queues, then the connection: once, at the end of the process. */
  close(): Promise<void>;
}

export function engineSettingsOf(config: WorkerConfig): WorkerEngineSettings {
  return {
    engine: config.VAECF_ENGINE,
    threads: config.VAECF_THREADS,
    gpu: config.VAECF_GPU,
    cores: availableParallelism(),
    concurrency: config.WORKER_CONCURRENCY,
  };
}

let probed: Promise<WorkerEngines> | null = null;

/**
 * The engines this worker can load, probed once per worker (engines.ts): the
 * worker process probes at its start, and the trial processes it forks read
 * its answer from their environment rather than probing again.
 */
export function workerEngines(config: WorkerConfig): Promise<WorkerEngines> {
  const settings = engineSettingsOf(config);
  probed ??= Promise.resolve(probedEnginesFromEnv(settings) ?? probeEngines(settings));
  return probed;
}

/**
 * `watchRedis` takes the connection's errors: the worker process's outage log
 * (redis-outage.ts), or a trial process's silence (its worker reports outages).
 */
export async function createWorkerDeps(
  config: WorkerConfig,
  watchRedis: (connection: Redis) => void,
): Promise<ClosableWorkerDeps> {
  const engines = await workerEngines(config);
  // BullMQ needs maxRetriesPerRequest: null so that commands wait out a Redis restart instead of failing.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  watchRedis(redis);
  const core = createCore({ redis, config });
  const artifacts = artifactStoreFromEnv({ ...process.env, VAECF_ARTIFACTS_DIR: config.VAECF_ARTIFACTS_DIR });
  return {
    core,
    store: core.store,
    datasetStore: core.datasetStore,
    artifacts,
    controller: core.controller,
    datasets: new DatasetCache(artifacts),
    workerId: config.WORKER_ID,
    fetchSettings: fetchSettingsFromEnv(process.env),
    engines,
    baselineMemoryLimitBytes: config.BASELINE_MEMORY_LIMIT_MB * 2 ** 20,
    hold: config.WORKER_TEST_HOLD
      ? redisTrialHold(redis, config.WORKER_TEST_HOLD, config.WORKER_ID)
      : undefined,
    async close() {
      await core.close();
      await redis.quit();
    },
  };
}
