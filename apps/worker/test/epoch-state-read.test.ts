import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { FilesystemArtifactStore } from '@vaecf/artifacts';
import { SweepController, submitSweep, type TrialsQueue } from '@vaecf/orchestration';
import { DatasetStore, RedisSweepStore } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../src/dataset-cache';
import { createJobHandler } from '../src/handlers';
import { syntheticArtifacts } from './synthetic-artifacts';
import { testWorkerEngines } from './test-engines';

/**
 * The trial runner's cancel check after each epoch reads the sweep's state
 * alone (SweepStore.sweepState, one HGET), never the whole record with its
 * spec parsed: counted on a real store, a 4-epoch trial reads the record as
 * often as a 1-epoch one. Real Redis, the job handler on a BullMQ worker here.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let root: string;
let redis: Redis;
let artifacts: FilesystemArtifactStore;
const sweeps: string[] = [];

class CountingStore extends RedisSweepStore {
  records = 0;
  states = 0;
  override async getSweep(id: string) {
    this.records++;
    return super.getSweep(id);
  }
  override async sweepState(id: string) {
    this.states++;
    return super.sweepState(id);
  }
}

beforeAll(async () => {
  ({ root, artifacts } = await syntheticArtifacts('epoch-state', 'ds', {
    users: 300,
    items: 120,
    seed: 7,
    heldoutUsers: 40,
  }));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  const store = new RedisSweepStore(redis);
  for (const id of sweeps) await store.deleteSweep(id);
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

/** Runs a one-trial sweep of `epochs` epochs to its end; the store's counts during it. */
async function run(epochs: number): Promise<{ records: number; states: number }> {
  const store = new CountingStore(redis);
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
    baselineMemoryLimitBytes: 0,
  });
  const worker = new Worker(queue.name, (job) => handle(job), {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    concurrency: 1,
  });
  const ended = new Promise<void>((resolve) =>
    worker.on('completed', (job) => {
      if (job.name === 'finalize') resolve();
    }),
  );
  try {
    const { id } = await submitSweep(
      parseSweepSpec({
        dataset: 'ds',
        model: 'vae',
        fixed: { dims: [32, 8], batchSize: 100, epochs, totalAnnealSteps: 20 },
        baselines: [],
      }),
      { store, controller, checkDataset: async () => undefined },
    );
    sweeps.push(id);
    await ended;
    expect((await store.getTrial(id, 0))!.epochs).toBe(epochs);
    return { records: store.records, states: store.states };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

describe("the trial runner's check after each epoch", () => {
  it('reads the state alone, once an epoch, and the whole record no more often for more epochs', async () => {
    const one = await run(1);
    const four = await run(4);
    expect(one.states).toBe(1);
    expect(four.states).toBe(4);
    expect(four.records).toBe(one.records);
  });
});
