import { DatasetStore, RedisSweepStore, WorkerRegistry, type SweepStore } from '@vaecf/store';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SweepController, type TrialsQueue } from './controller';
import type { DatasetsQueue } from './register-dataset';

/** The settings the core reads: the queue names of the deployment (both apps' configurations have them). */
export interface CoreConfig {
  readonly VAECF_TRIALS_QUEUE: string;
  readonly VAECF_DATASETS_QUEUE: string;
}

/** The stores, queues and controller of one process, over one Redis connection. */
export interface Core {
  readonly store: SweepStore;
  readonly datasetStore: DatasetStore;
  /** The live workers (`vaecf:workers`): a worker process heartbeats into it; the API and submits read it. */
  readonly registry: WorkerRegistry;
  /** The trials queue: the controller enqueues on it; a worker's /metrics counts its jobs. */
  readonly trialsQueue: TrialsQueue;
  /**
   * Made on first use: BullMQ talks to Redis when a queue is made, and trial processes never queue a
   * preparation. The API queues preparations on it; a worker's /metrics counts its jobs.
   */
  readonly datasetsQueue: DatasetsQueue;
  readonly controller: SweepController;
  /** Closes the queues it made. The connection stays open: it is the caller's, as are its options. */
  close(): Promise<void>;
}

/**
 * Wires the core once for the API, the worker and the worker's trial
 * processes. The caller owns `redis` and chooses its options (the API fails
 * fast while Redis is down; the worker waits it out, as BullMQ needs); the
 * producers share it, as they did when each app wired them itself.
 */
export function createCore({ redis, config }: { redis: Redis; config: CoreConfig }): Core {
  const store = new RedisSweepStore(redis);
  const trialsQueue: TrialsQueue = new Queue(config.VAECF_TRIALS_QUEUE, { connection: redis });
  let datasetsQueue: DatasetsQueue | undefined;
  return {
    store,
    datasetStore: new DatasetStore(redis),
    registry: new WorkerRegistry(redis),
    trialsQueue,
    get datasetsQueue() {
      return (datasetsQueue ??= new Queue(config.VAECF_DATASETS_QUEUE, { connection: redis }));
    },
    controller: new SweepController(redis, store, trialsQueue),
    async close() {
      await trialsQueue.close();
      await datasetsQueue?.close();
    },
  };
}
