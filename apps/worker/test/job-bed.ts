import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { FilesystemArtifactStore } from '@vaecf/artifacts';
import { SweepController, type TrialsQueue } from '@vaecf/orchestration';
import { DatasetStore, SweepStore, RedisSweepStore } from '@vaecf/store';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { DatasetCache } from '../src/dataset-cache';
import { createJobHandler } from '../src/handlers';
import { syntheticArtifacts } from './synthetic-artifacts';
import { testWorkerEngines } from './test-engines';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue of its own, its controller, and a BullMQ worker in this process running the worker's job handler. */
export interface JobLine {
  readonly queue: TrialsQueue;
  readonly controller: SweepController;
  readonly worker: Worker;
}

/** What a job handler may be given beyond what the bed supplies. */
type HandlerExtras = Partial<
  Pick<Parameters<typeof createJobHandler>[0], 'workerId' | 'baselineMemoryLimitBytes'>
>;

export interface JobBed {
  readonly redis: Redis;
  readonly store: SweepStore;
  readonly artifacts: FilesystemArtifactStore;
  /** Deleted with its artifacts when the file's tests end. */
  track(sweepId: string): void;
  /** Runs `body` with a fresh job line, then closes the worker and removes the queue, whatever happens. */
  withJobLine<T>(body: (line: JobLine) => Promise<T>, extras?: HandlerExtras): Promise<T>;
}

/**
 * The in-process bed of the worker's job handler for one test file: a real
 * Redis, a filesystem artifact store holding a synthetic prepared dataset
 * `datasetId`, and job lines (a BullMQ worker in this process on a queue of
 * its own). It registers the file's beforeAll and afterAll; the sweeps a test
 * tracks are deleted at the end.
 */
export function useJobBed(
  name: string,
  datasetId: string,
  ratings: Parameters<typeof syntheticArtifacts>[2],
): JobBed {
  let root: string;
  let redis: Redis;
  let store: SweepStore;
  let artifacts: FilesystemArtifactStore;
  const sweeps: string[] = [];
  beforeAll(async () => {
    ({ root, artifacts } = await syntheticArtifacts(name, datasetId, ratings));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    store = new RedisSweepStore(redis);
  });
  afterAll(async () => {
    for (const id of sweeps) await store.deleteSweep(id);
    await redis.quit();
    await rm(root, { recursive: true, force: true });
  });
  return {
    get redis() {
      return redis;
    },
    get store() {
      return store;
    },
    get artifacts() {
      return artifacts;
    },
    track: (id) => void sweeps.push(id),
    async withJobLine(body, extras = {}) {
      const queue: TrialsQueue = new Queue(`test-${randomUUID()}`, { connection: redis });
      const controller = new SweepController(redis, store, queue);
      const handle = createJobHandler({
        store,
        datasetStore: new DatasetStore(redis),
        controller,
        artifacts,
        datasets: new DatasetCache(artifacts),
        workerId: 'test',
        engines: await testWorkerEngines(),
        ...extras,
      });
      const worker = new Worker(queue.name, (job) => handle(job), {
        connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
        concurrency: 1,
      });
      try {
        return await body({ queue, controller, worker });
      } finally {
        await worker.close();
        await queue.obliterate({ force: true });
        await queue.close();
      }
    },
  };
}
