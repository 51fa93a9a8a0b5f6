import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { loadBestWeights, Recommender } from '@vaecf/cf';
import { DatasetStore, SweepController, SweepStore, submitSweep, type TrialsQueue } from '@vaecf/queue';
import { parseSweepSpec } from '@vaecf/sweep';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../src/dataset-cache';
import type { WorkerEngines } from '../src/engines';
import { createJobHandler } from '../src/handlers';
import { testEngine, testWorkerEngines } from './test-engines';
import { syntheticArtifacts } from './synthetic-artifacts';

/**
 * A RecVAE sweep end to end: real Redis, a BullMQ worker in this process,
 * trials trained and checkpointed, the best promoted and serving.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let root: string;
let redis: Redis;
let store: SweepStore;
let artifacts: FilesystemArtifactStore;
let engines: WorkerEngines;
const sweeps: string[] = [];

beforeAll(async () => {
  engines = await testWorkerEngines();
  ({ root, artifacts } = await syntheticArtifacts('recvae', 'ds1', {
    users: 400,
    items: 150,
    seed: 4,
    heldoutUsers: 60,
  }));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  store = new SweepStore(redis);
});
afterAll(async () => {
  for (const id of sweeps) await store.deleteSweep(id);
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

describe('a sweep with model: recvae', () => {
  it('trains its trials, ranks them, promotes the best and serves recommendations from it', async () => {
    const name = `test-${randomUUID()}`;
    const queue: TrialsQueue = new Queue(name, { connection: redis });
    const controller = new SweepController(redis, store, queue);
    const handle = createJobHandler({
      store,
      datasetStore: new DatasetStore(redis),
      controller,
      artifacts,
      datasets: new DatasetCache(artifacts),
      workerId: 'test',
      engines,
    });
    const worker = new Worker(name, async (job: Job) => handle(job), {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      concurrency: 1,
    });
    try {
      const { id } = await submitSweep(
        parseSweepSpec({
          dataset: 'ds1',
          model: 'recvae',
          fixed: { dims: [24, 8], batchSize: 100, epochs: 2, encoderPasses: 2 },
          space: { klGamma: { type: 'choice', values: [0.001, 0.01] } },
          limits: { maxConcurrent: 1 },
        }),
        { store, controller, checkDataset: async () => undefined },
      );
      sweeps.push(id);
      let sweep = (await store.getSweep(id))!;
      while (sweep.state !== 'completed' && sweep.state !== 'failed') {
        await new Promise((r) => setTimeout(r, 100));
        sweep = (await store.getSweep(id))!;
      }
      expect(sweep.error).toBeUndefined();
      expect(sweep.state).toBe('completed');
      const ranked = await store.leaderboard(id);
      expect(ranked).toHaveLength(2);
      expect(sweep.test?.ndcg100).toBeGreaterThan(0);
      const model = await loadBestWeights(artifacts.modelDir(id));
      expect(model.config).toMatchObject({ model: 'recvae', dims: [24, 8], encoderPasses: 2 });
      const rec = await Recommender.fromCheckpoint(artifacts.modelDir(id), await testEngine());
      const r = await rec.recommend([model.itemIds![0], model.itemIds![1]], 5);
      expect(r.items).toHaveLength(5);
      await rec.dispose();
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
