import { randomUUID } from 'node:crypto';
import { parseSweepSpec } from '@vaecf/sweep';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../src/core';
import { registerDataset } from '../src/register-dataset';
import { submitSweep } from '../src/submit';
import { connect } from './redis';

let redis: Redis;
let core: Core;
const config = {
  VAECF_TRIALS_QUEUE: `test-${randomUUID()}`,
  VAECF_DATASETS_QUEUE: `test-${randomUUID()}-datasets`,
};
const sweeps: string[] = [];
const datasets: string[] = [];

beforeAll(() => {
  redis = connect();
  core = createCore({ redis, config });
});
afterAll(async () => {
  for (const id of sweeps) await core.store.deleteSweep(id);
  for (const id of datasets) await core.datasetStore.delete(id);
  await core.trialsQueue.obliterate({ force: true });
  await core.datasetsQueue.obliterate({ force: true });
  await core.close();
  await redis.quit();
});

describe('createCore on a real Redis', () => {
  it("wires a submit end to end: the sweep stored, its trials on the config's trials queue", async () => {
    const spec = parseSweepSpec({
      dataset: 'ds',
      model: 'vae',
      space: { lr: { type: 'choice', values: [0.1, 0.2] } },
    });
    const { id, created } = await submitSweep(spec, {
      store: core.store,
      controller: core.controller,
      checkDataset: async () => undefined,
      liveWorkers: () => core.registry.live(),
    });
    sweeps.push(id);
    expect(created).toBe(true);
    expect(core.trialsQueue.name).toBe(config.VAECF_TRIALS_QUEUE);
    expect(core.controller.queueName).toBe(config.VAECF_TRIALS_QUEUE);
    expect((await core.store.getSweep(id))?.queue).toBe(config.VAECF_TRIALS_QUEUE);
    expect((await core.store.listTrials(id)).map((t) => t.state)).toEqual(['queued', 'queued']);
    expect((await core.trialsQueue.getJobCounts('waiting')).waiting).toBe(2);
  });

  it("registers a dataset through its store onto the config's datasets queue, one queue per core", async () => {
    const id = `ds-${randomUUID()}`;
    datasets.push(id);
    expect(core.datasetsQueue).toBe(core.datasetsQueue);
    expect(core.datasetsQueue.name).toBe(config.VAECF_DATASETS_QUEUE);
    const registration = await registerDataset(
      id,
      '/data/ratings.csv',
      {},
      {
        datasets: core.datasetStore,
        queue: core.datasetsQueue,
      },
    );
    expect(await core.datasetStore.get(id)).toMatchObject({
      state: 'queued',
      generation: registration!.generation,
    });
    expect((await core.datasetsQueue.getJobCounts('waiting')).waiting).toBe(1);
  });

  it('announces workers through its registry', async () => {
    const id = `w-${randomUUID()}`;
    await core.registry.heartbeat({ id, metrics: null, backend: 'onnxruntime', pid: 1, startedAt: 0 });
    try {
      expect((await core.registry.live()).map((w) => w.id)).toContain(id);
    } finally {
      await core.registry.remove(id);
    }
  });

  it('closes the queues it made and leaves the connection to its owner', async () => {
    const own = connect();
    // A core whose datasets queue is never used: closing it must not need one.
    const other = createCore({ redis: own, config });
    await other.close();
    expect(await own.ping()).toBe('PONG');
    await own.quit();
  });
});
