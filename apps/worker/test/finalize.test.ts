import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FilesystemArtifactStore, FIRST_ATTEMPT } from '@vaecf/artifacts';
import { loadBestWeights } from '@vaecf/cf';
import { SweepController, submitSweep, type TrialsQueue } from '@vaecf/orchestration';
import { DatasetStore, SweepStore, RedisSweepStore } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../src/dataset-cache';
import type { WorkerEngines } from '../src/engines';
import { createJobHandler } from '../src/handlers';
import { testWorkerEngines } from './test-engines';
import { syntheticArtifacts } from './synthetic-artifacts';

/**
 * Finalizing when the best trials' checkpoints are damaged: real Redis, real
 * checkpoint files, a BullMQ worker in this process. Just before the
 * finalize job runs, the test damages the checkpoints it names.
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
  ({ root, artifacts } = await syntheticArtifacts('finalize', 'ds1', {
    users: 500,
    items: 200,
    seed: 3,
    heldoutUsers: 60,
  }));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  store = new RedisSweepStore(redis);
});
afterAll(async () => {
  for (const id of sweeps) await store.deleteSweep(id);
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

/** How the test damages trial checkpoints, by leaderboard rank (0 = best), before finalize runs. */
type Damage = 'corrupt' | 'delete';

async function damage(sweepId: string, plan: Damage[]): Promise<void> {
  const ranked = await store.leaderboard(sweepId, 100);
  for (const [rank, how] of plan.entries()) {
    const dir = artifacts.checkpointWorkDir(sweepId, ranked[rank].trial, FIRST_ATTEMPT);
    if (how === 'delete') {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    // The file the manifest reads the best weights from (the state file when the last epoch was best).
    const best = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')).best.weights.file;
    const bytes = await readFile(join(dir, best));
    for (let i = 0; i < 32; i++) bytes[i * 5] ^= 0xff;
    await writeFile(join(dir, best), bytes);
  }
}

/** Runs a 3-trial sweep to its end; `plan` is applied just before the finalize job. */
async function sweepWith(plan: Damage[]) {
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
  const worker = new Worker(
    name,
    async (job: Job) => {
      if (job.name === 'finalize') await damage((job.data as { sweepId: string }).sweepId, plan);
      return handle(job);
    },
    { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), concurrency: 1 },
  );
  try {
    const { id } = await submitSweep(
      parseSweepSpec({
        dataset: 'ds1',
        model: 'vae',
        fixed: { dims: [32, 8], batchSize: 100, epochs: 2, totalAnnealSteps: 20 },
        space: { lr: { type: 'choice', values: [3e-4, 3e-3, 3e-2] } },
        limits: { maxConcurrent: 1 },
      }),
      { store, controller, checkDataset: async () => undefined },
    );
    sweeps.push(id);
    const t0 = Date.now();
    for (;;) {
      const s = (await store.getSweep(id))!;
      if (s.state === 'completed' || s.state === 'failed')
        return { sweep: s, ranked: await store.leaderboard(id) };
      if (Date.now() - t0 > 50_000) throw new Error(`sweep ${id} still ${s.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

describe('finalizing a sweep whose best checkpoints are unusable', () => {
  it('skips a corrupt and a missing checkpoint, promotes the next best, and notes both', async () => {
    const { sweep, ranked } = await sweepWith(['corrupt', 'delete']);
    expect(ranked).toHaveLength(3);
    const [first, second, third] = ranked.map((r) => r.trial);
    expect(sweep.state).toBe('completed');
    expect(sweep.bestTrial).toBe(third);
    expect(sweep.test?.ndcg100).toBeGreaterThan(0);
    expect(sweep.note).toContain(`trial ${first}: checkpoint`);
    expect(sweep.note).toContain('is corrupt');
    expect(sweep.note).toContain(`trial ${second}: checkpoint`);
    expect((await store.getTrial(sweep.id, first))!.checkpointNote).toMatch(/corrupt/);
    expect((await store.getTrial(sweep.id, second))!.checkpointNote).toMatch(/no checkpoint\.json/);
    // The model is the third trial's checkpoint, and it loads.
    const model = await loadBestWeights(artifacts.modelDir(sweep.id));
    expect(model.config.lr).toBe((await store.getTrial(sweep.id, third))!.params.lr);
  });

  it('fails the sweep, saying why, when no trial has a usable checkpoint', async () => {
    const { sweep } = await sweepWith(['delete', 'corrupt', 'delete']);
    expect(sweep.state).toBe('failed');
    expect(sweep.error).toMatch(/^no trial has a usable checkpoint \(trial \d: checkpoint .*\)$/);
    expect(existsSync(join(artifacts.modelDir(sweep.id), 'checkpoint.json'))).toBe(false);
  });
});
